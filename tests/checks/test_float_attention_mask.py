"""torch.tril(torch.ones(L, L)) passed as a causal attention mask: a float mask is added to the attention scores
(PyTorch masks where a bool mask is True), so it masks nothing and a next-token model reads the token it must
predict (probe L f09: 0.06 against 1.00; only symptoms were found). api.constraint_violation names it from the
collector's reading of the attention's attn_mask; generate_square_subsequent_mask (0 and -inf) and a bool mask
pass."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
V, L, D = 16, 12, 32
def make(n):
    a = torch.randint(0, V, (n, 1)); d = torch.randint(1, 4, (n, 1))
    return (a + d * torch.arange(L + 1)) % V
data = make(1500)
if how == "tril_ones":
    mask = torch.tril(torch.ones(L, L))
elif how == "additive":
    mask = nn.Transformer.generate_square_subsequent_mask(L)
else:
    mask = torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1)
class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, D)
        self.pos = nn.Parameter(torch.randn(L, D) * 0.1)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, 4, 64, dropout=0.0, batch_first=True), 1,
                                         enable_nested_tensor=False)
        self.out = nn.Linear(D, V)
    def forward(self, x):
        return self.out(self.enc(self.emb(x) + self.pos, mask=mask))
model = LM()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, 1500, 50):
        seq = data[i:i + 50]
        opt.zero_grad()
        nn.functional.cross_entropy(model(seq[:, :-1]).reshape(-1, V), seq[:, 1:].reshape(-1)).backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["tril_ones", "additive", "bool"])
def test_a_float_mask_of_ones_masks_nothing(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "tril_ones":
        assert "api.constraint_violation" not in found, found["api.constraint_violation"]
        return
    f = found["api.constraint_violation"]
    assert (f["severity"], f["location"], f["step"]) == ("error", "enc.layers.0.self_attn", 0), f
    assert f["evidence"]["lower_triangular"] is True, f["evidence"]
    assert report["findings"][0]["id"] == "api.constraint_violation", [g["id"] for g in report["findings"]]
