"""fit.underfitting's baseline is the majority share plus a margin, capped below 1: with a class holding 98%
of the labels the reference was 1.03, and a model at 99.8% training accuracy read 'no better than the
baseline 1.030'. Training labels of a single class give no baseline at all."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
n = 2000
X = torch.randn(n, 6)
rare = X[:, 0] > 2.05  # about 2%: a rare class that the inputs separate
y = rare.long() if sys.argv[1] == "rare" else torch.zeros(n, dtype=torch.long)
loader = DataLoader(TensorDataset(X, y), batch_size=50, shuffle=True)
model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(6):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
"""


@pytest.mark.parametrize("labels", ["rare", "one_class"])
def test_the_baseline_stays_below_one(diagnosed, labels):
    _, report = diagnosed(SCRIPT, labels)
    found = {f["id"]: f for f in report["findings"]}
    status = {c["id"]: c for c in report["checklist"]}["fit.underfitting"]
    assert "fit.underfitting" not in found, found["fit.underfitting"]
    if labels == "one_class":
        assert status["status"] == "not_checked" and "one class" in status["note"], status
    else:
        assert status["status"] == "pass", status
        train = next(st for st in report["accuracy"]["stages"] if st["stage"] == "train")
        assert train["met"] is True, report["accuracy"]
