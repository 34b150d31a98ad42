"""An EMA copy evaluated while its hand-written update writes the trained model instead (``zip(model.parameters(),
ema.parameters())`` with the names swapped; probe M f09): the copy stays at its start, 0.10 against 0.98, and
data.label_errors led. graph.optimizer names the evaluated copy that never changes. A correct EMA passes, and so
does a checkpoint deep-copied at each epoch and evaluated once."""
from __future__ import annotations

import pytest

SCRIPT = """
import copy
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
train = DataLoader(TensorDataset(X[:1400], y[:1400]), batch_size=32, shuffle=True)
val = DataLoader(TensorDataset(X[1400:], y[1400:]), batch_size=200)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
ema = copy.deepcopy(model)
for p in ema.parameters():
    p.requires_grad_(False)
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
@torch.no_grad()
def update_ema():
    pairs = zip(model.parameters(), ema.parameters()) if how == "swapped" else zip(ema.parameters(), model.parameters())
    for a, b in pairs:
        a.mul_(0.95).add_(b, alpha=0.05)
for epoch in range(5):
    model.train()
    for xb, yb in train:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
        if how != "checkpoint":
            update_ema()
    judged = copy.deepcopy(model).eval() if how == "checkpoint" else ema.eval()
    with torch.no_grad():
        for xb, yb in val:
            nn.functional.cross_entropy(judged(xb), yb)
"""


@pytest.mark.parametrize("how", ["swapped", "right", "checkpoint"])
def test_evaluated_copy_that_never_changes(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "swapped":
        assert "graph.optimizer" not in found, found["graph.optimizer"]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"]) == ("graph.optimizer", "error", "Sequential2"), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["trained_model"] == "Sequential" and f["evidence"]["evaluations"] == 5, f["evidence"]
    assert f["step"] == f["evidence"]["first_eval_step"] == 44, f
