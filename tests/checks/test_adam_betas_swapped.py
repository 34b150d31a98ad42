"""Adam given betas=(0.999, 0.9), the usual pair swapped in a config: the first moment remembers ~1000 steps and
the second ~10, a step is no longer bounded by the learning rate, and the loss spikes (probe K f02: a CNN at 0.23
against 0.99; only the symptoms were found and the betas never named). graph.optimizer names them and leads;
the usual pairs, (0.9, 0.999) and a transformer's (0.9, 0.98), are not reported."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits
b1, b2 = float(sys.argv[1]), float(sys.argv[2])
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3, betas=(b1, b2))
for epoch in range(8):
    perm = torch.randperm(1500)
    for i in range(0, 1500, 32):
        idx = perm[i:i + 32]
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[idx]), y[idx]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        nn.functional.cross_entropy(model(X[1500:]), y[1500:])
    model.train()
"""


@pytest.mark.parametrize("betas", [("0.999", "0.9"), ("0.9", "0.999"), ("0.9", "0.98")])
def test_adam_betas_swapped(diagnosed, betas):
    _, report = diagnosed(SCRIPT, *betas)
    found = {f["id"]: f for f in report["findings"]}
    if betas != ("0.999", "0.9"):
        assert "graph.optimizer" not in found, found["graph.optimizer"]
        return
    f = found["graph.optimizer"]
    assert (f["severity"], f["location"], f["step"], f["evidence"]["betas"]) == ("error", "Adam", 0, [0.999, 0.9]), f
    assert "betas=(0.9, 0.999)" in f["advice"], f["advice"]
    assert report["findings"][0]["id"] == "graph.optimizer", [(g["id"], g["severity"]) for g in report["findings"]]
