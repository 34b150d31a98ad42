"""model.apply(init_weights) inside the function that trains one epoch: every epoch starts again from random
weights and each evaluation sees one epoch of training (probe K f04: 0.24 against 0.94; data.label_errors led
and weight.change_too_large advised a lower learning rate). The collector records torch.nn.init calls on trained
parameters once training has stepped; api.constraint_violation names them. Initialising once before the loop,
or re-initialising the head once between two phases, passes."""
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
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
model.apply(init_weights)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
for epoch in range(6):
    if how == "every_epoch":
        model.apply(init_weights)
    if how == "head_once" and epoch == 3:
        model[2].reset_parameters()
    for i in range(0, 1500, 100):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 100]), y[i:i + 100]).backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["every_epoch", "once", "head_once"])
def test_weights_reinitialised_every_epoch(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "every_epoch":
        assert "api.constraint_violation" not in found, found["api.constraint_violation"]
        return
    f = found["api.constraint_violation"]
    assert (f["severity"], f["location"], f["step"]) == ("error", "0.weight", 14), f
    assert (f["evidence"]["function"], f["evidence"]["times"]) == ("kaiming_normal_", 5), f["evidence"]
    assert sorted(f["evidence"]["parameters"]) == ["0.bias", "0.weight", "2.bias", "2.weight"], f["evidence"]
    assert report["findings"][0]["id"] == "api.constraint_violation", [g["id"] for g in report["findings"]]
