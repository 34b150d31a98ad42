"""A hand-written SGD step, ``for p in model.parameters(): p = p - lr * p.grad``, rebinds the loop variable and
leaves the parameters as they were: gradients at every step and no weight ever changes (probe K f16: 0.56
against 1.00; weight.not_updating led, asking about optimizer param groups in a script without an optimizer).
graph.optimizer names the update; the in-place form p -= lr * p.grad passes."""
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
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
for epoch in range(3):
    for i in range(0, 1500, 50):
        model.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 50]), y[i:i + 50]).backward()
        with torch.no_grad():
            for p in model.parameters():
                if how == "rebound":
                    p = p - 0.1 * p.grad
                else:
                    p -= 0.1 * p.grad
"""


@pytest.mark.parametrize("how", ["rebound", "in_place"])
def test_a_hand_written_update_that_writes_nothing(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "in_place":
        assert "graph.optimizer" not in found and "weight.not_updating" not in found, list(found)
        return
    f = found["graph.optimizer"]
    assert (f["severity"], f["location"], f["step"]) == ("error", "the update", 0), f
    assert sorted(f["evidence"]["parameters"]) == ["0.bias", "0.weight", "2.bias", "2.weight"], f["evidence"]
    assert report["findings"][0]["id"] == "graph.optimizer", [g["id"] for g in report["findings"]]
