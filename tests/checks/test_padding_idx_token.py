"""nn.Embedding(V, D, padding_idx=1) where the data pads with 0 and id 1 is a token the label depends on: its
embedding row stays zero and gets no gradient (probe K f06: 0.75 against 1.00; nothing was found).
graph.frozen_weights names the layer from where the collector saw id 1 in the first training batches (between
other tokens; id 0 ends the sequences). padding_idx=0 with padding at the end, or at the start, passes."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
V, L = 30, 20
def make(n):
    lengths = torch.randint(6, L + 1, (n,))
    probs = torch.full((V,), 0.7 / (V - 3)); probs[0] = 0; probs[1] = probs[2] = 0.15
    toks = torch.multinomial(probs, n * L, replacement=True).view(n, L)
    pos = torch.arange(L).expand(n, L)
    pad = pos < (L - lengths)[:, None] if how == "left" else pos >= lengths[:, None]
    toks[pad] = 0
    c1, c2 = (toks == 1).sum(1), (toks == 2).sum(1)
    keep = c1 != c2
    return toks[keep], (c1 > c2).long()[keep]
X, y = make(4000)
class Bag(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 16, padding_idx=1 if how == "wrong" else 0)
        self.mlp = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
    def forward(self, x):
        return self.mlp((self.emb(x) * (x != 0).unsqueeze(-1)).sum(1))
model = Bag()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, 3000, 64):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 64]), y[i:i + 64]).backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["wrong", "right", "left"])
def test_padding_idx_on_a_real_token(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "wrong":
        assert "graph.frozen_weights" not in found, found["graph.frozen_weights"]
        return
    f = found["graph.frozen_weights"]
    assert (f["severity"], f["location"], f["step"]) == ("error", "emb", 0), f
    assert (f["evidence"]["padding_idx"], f["evidence"]["commonest_last_id"]) == (1, 0), f["evidence"]
    assert report["findings"][0]["id"] == "graph.frozen_weights", [g["id"] for g in report["findings"]]
