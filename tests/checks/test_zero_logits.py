"""Logits all exactly 0 at the first step (a classifier head initialised to zero) are no ReLU on the logits:
graph.loss_function said "they pass through a ReLU (or a clamp) first" next to init.all_zero. A real ReLU on the
logits is still named."""
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
layers = [nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10)] + ([nn.ReLU()] if how == "relu" else [])
model = nn.Sequential(*layers)
if how == "zero":
    for p in model.parameters():
        nn.init.zeros_(p)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    for i in range(0, 1400, 50):
        opt.zero_grad(); nn.functional.cross_entropy(model(X[i:i + 50]), y[i:i + 50]).backward(); opt.step()
"""


@pytest.mark.parametrize("how, relu", [("zero", False), ("relu", True)])
def test_zero_logits_are_no_relu(diagnosed, how, relu):
    _, report = diagnosed(SCRIPT, how)
    titles = [f["title"] for f in report["findings"] if f["id"] == "graph.loss_function"]
    assert any("pass through a ReLU" in t for t in titles) == relu, [(f["id"], f["title"]) for f in report["findings"]]
    if how == "zero":
        assert report["findings"][0]["id"] == "init.all_zero"
