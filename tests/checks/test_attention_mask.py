"""A HuggingFace-style attention_mask (True for the tokens) passed as PyTorch's src_key_padding_mask (True for the
padding): the attention reads the padding only. The model still learns through its residual paths (86-91%
where the correct mask reaches 100%), so nothing in the loss curves shows it; the mask itself does."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn

torch.manual_seed(0)
V, T, PAD = 30, 24, 0
x = torch.randint(1, V, (512, T))
x[torch.arange(T)[None] >= torch.randint(6, T + 1, (512,))[:, None]] = PAD
y = ((x == 7).any(1) | (x == 11).any(1)).long()

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 32, padding_idx=PAD)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64, batch_first=True), 2,
                                         enable_nested_tensor=False)
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        attention_mask = x != PAD  # True for the tokens
        mask = attention_mask if sys.argv[1] == "inverted" else ~attention_mask
        h = self.enc(self.emb(x), src_key_padding_mask=mask)
        keep = attention_mask.unsqueeze(-1).float()
        return self.head((h * keep).sum(1) / keep.sum(1))

model = Model()
opt = torch.optim.Adam(model.parameters(), 1e-3)
for i in range(0, 512, 32):
    loss = nn.functional.cross_entropy(model(x[i:i + 32]), y[i:i + 32])
    opt.zero_grad(); loss.backward(); opt.step()
"""


def _constraint(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["id"] == "api.constraint_violation"]


@pytest.mark.parametrize("mask", ["inverted", "correct"])
def test_a_padding_mask_that_masks_the_tokens_is_named(diagnosed, mask):
    run_dir, report = diagnosed(SCRIPT, mask)
    found = _constraint(report)
    if mask == "correct":
        assert found == []
        return
    assert len(found) == 1
    f = found[0]
    assert f["severity"] == "error" and f["step"] == 0
    assert f["location"] == "enc.layers.0.self_attn key_padding_mask"
    assert "masks the tokens" in f["title"]
    assert f["evidence"]["mask_equals_not_padding"] == 1.0 and 0.2 < f["evidence"]["padding_share"] < 0.6
