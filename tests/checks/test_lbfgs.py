"""LBFGS rewrites much of a weight in one step by design: each step() is up to max_iter iterations with a
line search. A healthy full-batch LBFGS fit got weight.change_too_large ('lower the learning rate'); an
LBFGS whose loss ends above its start still gets it."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

lr = float(sys.argv[1])
torch.manual_seed(0)
X, y = load_diabetes(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32)
y = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32)[:, None]
model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1))
opt = torch.optim.LBFGS(model.parameters(), lr=lr, max_iter=20)
lossf = nn.MSELoss()

def closure():
    opt.zero_grad()
    loss = lossf(model(X), y)
    loss.backward()
    return loss

for step in range(15):
    opt.step(closure)
"""


@pytest.mark.parametrize("lr, flagged", [(1.0, False), (3.0, True)])
def test_lbfgs_line_search_steps(diagnosed, lr, flagged):
    _, report = diagnosed(SCRIPT, str(lr))
    found = {f["id"]: f for f in report["findings"]}
    status = {c["id"]: c for c in report["checklist"]}["weight.change_too_large"]
    if flagged:
        assert "weight.change_too_large" in found or status["status"] != "pass", status
    else:
        assert "weight.change_too_large" not in found, found["weight.change_too_large"]
        assert "LBFGS" in status.get("note", ""), status
        assert not [f for f in report["findings"] if f["severity"] in ("warning", "error")], report["findings"]
