"""A loss rebuilt from a number (torch.tensor(loss.item(), requires_grad=True), a 'fix' for 'element 0 of
tensors does not require grad'): backward runs and reaches no weight. graph.optimizer said step() ran before
backward(), which is not what happened; graph.node_connection names the loss cut from the model."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    for i in range(0, 1600, 32):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X[i:i + 32]), y[i:i + 32])
        if sys.argv[1] == "rebuilt":
            loss = torch.tensor(loss.item(), requires_grad=True)
        loss.backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["rebuilt", "graph"])
def test_a_loss_cut_from_the_model_is_named(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "graph":
        assert "graph.node_connection" not in found and "graph.optimizer" not in found
        return
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("graph.node_connection", "loss"), top
    assert "no graph behind it" in top["title"] and "graph.optimizer" not in found, top
