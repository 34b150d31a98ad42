"""CosineEmbeddingLoss (and MarginRankingLoss) given pair targets of 1/0 where 1/-1 is meant (probe M f08): the 0
pairs add nothing to the loss, the embeddings of a siamese encoder collapse together, and only loss.zero was
found. graph.loss_function names the targets; 1/-1 passes."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits
how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
enc = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 16))
opt = torch.optim.Adam(enc.parameters(), lr=1e-3)
cos_loss, rank_loss = nn.CosineEmbeddingLoss(margin=0.3), nn.MarginRankingLoss(margin=0.5)
g = torch.Generator().manual_seed(1)
for step in range(150):
    a = torch.randint(0, len(X), (128,), generator=g); b = torch.randint(0, len(X), (128,), generator=g)
    same = (y[a] == y[b]).float()
    target = same if how.endswith("01") else same * 2 - 1
    opt.zero_grad()
    ea, eb = enc(X[a]), enc(X[b])
    if how.startswith("rank"):
        loss = rank_loss(ea.norm(dim=1), eb.norm(dim=1), target)
    else:
        loss = cos_loss(ea, eb, target)
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize("how", ["cos01", "cos11", "rank01"])
def test_sign_targets(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "cos11":
        assert "graph.loss_function" not in found, found["graph.loss_function"]
        status = next(c for c in report["checklist"] if c["id"] == "graph.loss_function")
        assert status["status"] == "pass", status
        return
    f = report["findings"][0]
    cls = "CosineEmbeddingLoss" if how == "cos01" else "MarginRankingLoss"
    assert (f["id"], f["severity"], f["location"], f["step"]) == ("graph.loss_function", "error", cls, 0), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["target_values"] == [0.0, 1.0] and 0.5 < f["evidence"]["zero_share"] < 1, f["evidence"]
