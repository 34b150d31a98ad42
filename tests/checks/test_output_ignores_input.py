"""Masked mean pooling with the mask inverted, ``tokens == PAD`` where ``tokens != PAD`` was meant (probe M f07): the
pooled vector is the padding's embedding, zero, for every review, so the model gives every sample the same output;
0.52 against 1.00, and data.label_errors and weight.not_updating were found. graph.node_connection says the
output ignores the input and names the layers whose gradient is zero; the right mask passes, and so does a head
initialised to zero (its outputs are alike at the first step only), and ReLUs all dead from the first step (a large
negative bias: activation.dead_relu leads, as in the zoo)."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
PAD, VOCAB, L = 0, 40, 12
def make(n):
    y = torch.randint(0, 2, (n,))
    lengths = torch.randint(4, L + 1, (n,))
    x = torch.randint(3, VOCAB, (n, L))
    x[torch.arange(n), 0] = 1 + y  # token 1 or 2 carries the label
    x[torch.arange(L)[None, :] >= lengths[:, None]] = PAD
    return x, y
X, y = make(2000)
class Pool(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 16, padding_idx=PAD)
        self.head = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
        if how == "zero_head":
            nn.init.zeros_(self.head[2].weight)
        if how == "dead_relus":  # every sample the same output too, but from dead units: activation.dead_relu's
            nn.init.constant_(self.head[0].bias, -20.0)
    def forward(self, tokens):
        keep = (tokens == PAD) if how == "inverted" else (tokens != PAD)
        mask = keep.unsqueeze(-1).float()
        return self.head((self.embed(tokens) * mask).sum(1) / mask.sum(1).clamp(min=1.0))
model = Pool()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(3):
    for i in range(0, 2000, 50):
        opt.zero_grad(); nn.functional.cross_entropy(model(X[i:i + 50]), y[i:i + 50]).backward(); opt.step()
"""


@pytest.mark.parametrize("how", ["inverted", "right", "zero_head", "dead_relus"])
def test_output_the_same_for_every_sample(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "inverted":
        assert "graph.node_connection" not in found, found["graph.node_connection"]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"], f["step"]) == ("graph.node_connection", "error", "embed", 0), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["zero_gradient_params"] == ["embed.weight", "head.0.weight"], f["evidence"]
