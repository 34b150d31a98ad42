"""A tagger whose logits are (N, L, C) and whose tags are kept (L, N): cross_entropy(logits.reshape(-1, C),
tags.reshape(-1)) pairs every token with another sentence's tag and raises nothing (probe L f10: a BiLSTM at
0.40 against 1.00; only loss.not_converging was found). graph.loss_function reads the shapes both were
flattened from; tags flattened in the logits' layout pass."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
V, C, N, L = 30, 4, 40, 16
X = torch.randint(0, V, (1200, L))
tags = X % C
class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 32)
        self.rnn = nn.LSTM(32, 32, batch_first=True, bidirectional=True)
        self.out = nn.Linear(64, C)
    def forward(self, x):
        return self.out(self.rnn(self.emb(x))[0])
model = Tagger()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, 1200, N):
        x = X[i:i + N]
        t = tags[i:i + N].t().contiguous() if how == "length_first" else tags[i:i + N]
        opt.zero_grad()
        nn.functional.cross_entropy(model(x).reshape(-1, C), t.reshape(-1)).backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["length_first", "batch_first"])
def test_tags_flattened_in_another_layout(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "batch_first":
        assert "graph.loss_function" not in found, found["graph.loss_function"]
        return
    f = found["graph.loss_function"]
    assert (f["severity"], f["location"], f["evidence"]["logits_from"], f["evidence"]["targets_from"]) == \
        ("error", "cross_entropy target", [40, 16, 4], [16, 40]), f
    assert report["findings"][0]["id"] == "graph.loss_function", [g["id"] for g in report["findings"]]
