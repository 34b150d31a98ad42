"""Attention pooling whose weights are softmax(scores, dim=0) on (batch, length) scores: they are shared among the
samples of a batch instead of a sample's positions, and each output depends on its batch. Trained on batches of
64 and scored on one of 500, it falls apart (probe K f07: 0.38 against 1.00; only fit.overfitting was found).
graph.wrong_operator names the softmax from the op graph; dim=1, and a contrastive loss over an (N, N)
similarity softmaxed along dim 0 on purpose, are not reported."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
N, L, V, D = 3000, 12, 20, 32
X = torch.randint(0, V, (N, L))
y = (X == 3).any(1).long()
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, D)
        self.score = nn.Linear(D, 1)
        self.head = nn.Linear(D, 2)
    def forward(self, x):
        h = self.emb(x)
        w = torch.softmax(self.score(h).squeeze(-1), dim=0 if how == "dim0" else 1)
        pooled = (w.unsqueeze(-1) * h).sum(1)
        if how == "contrastive":
            z = nn.functional.normalize(pooled, dim=1)
            sim = z @ z.t() / 0.5
            self.extra = -torch.log_softmax(sim, dim=0).diagonal().mean()
        return self.head(pooled)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(3):
    model.train()
    for i in range(0, 2500, 64):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X[i:i + 64]), y[i:i + 64])
        if how == "contrastive":
            loss = loss + 0.01 * model.extra
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(X[2500:]).argmax(1) == y[2500:]).float().mean().item()
print("val acc", acc)
"""


@pytest.mark.parametrize("how", ["dim0", "dim1", "contrastive"])
def test_softmax_over_the_batch(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "dim0":
        assert "graph.wrong_operator" not in found, found["graph.wrong_operator"]
        return
    f = found["graph.wrong_operator"]
    assert (f["location"], f["step"], f["evidence"]["input_shape"], f["evidence"]["dim"]) == \
        ("Net", 0, [64, 12], 0), f
    assert report["findings"][0]["id"] == "graph.wrong_operator", [g["id"] for g in report["findings"]]
