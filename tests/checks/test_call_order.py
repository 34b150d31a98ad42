"""graph.optimizer names an optimizer called out of order: zero_grad(), step(), backward() takes every step
with no gradient (each backward's gradients are cleared before a step could use them), so nothing trains and
weight.not_updating alone could not say why. LBFGS, whose first step runs before its closure's backward, and
the right order are not flagged."""
from __future__ import annotations

import pytest


SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
torch.manual_seed(4)
X, y = load_digits(return_X_y=True)
loader = DataLoader(TensorDataset(torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)), batch_size=64,
                    shuffle=True)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
if sys.argv[1] == "lbfgs":
    opt = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=4)
else:
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(3):
    for xb, yb in loader:
        if sys.argv[1] == "swapped":
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad(); opt.step(); loss.backward()
        elif sys.argv[1] == "lbfgs":
            def closure():
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(xb), yb)
                loss.backward()
                return loss
            opt.step(closure)
        else:
            opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
"""


def test_step_before_backward_is_named(diagnosed):
    run_dir, report = diagnosed(SCRIPT, "swapped")
    top = [f for f in report["findings"] if f["severity"] in ("error", "warning")][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.optimizer", "SGD", 0)
    assert top["evidence"]["steps_without_gradients"] == top["evidence"]["steps"] == 3 * 29
    assert "weight.not_updating" in top["explains"]


@pytest.mark.parametrize("mode", ["ordered", "lbfgs"])
def test_the_right_order_and_lbfgs_are_not_flagged(diagnosed, mode):
    run_dir, report = diagnosed(SCRIPT, mode)
    assert not [f for f in report["findings"] if f["id"] == "graph.optimizer"]
