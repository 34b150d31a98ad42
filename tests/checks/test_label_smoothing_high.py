"""CrossEntropyLoss(label_smoothing=0.9), meant as 0.1: the target keeps 0.19 on the true class of ten, the loss
can fall only from ln 10 = 2.30 to 2.27, and the model learns slowly (probe K f09: 0.86 against 0.97). It used to
read as data.label_errors ("the inputs tell the model nothing") and loss.not_converging; graph.loss_function now
names the smoothing, the collector records the smoothed targets' floor, and the usual 0.1 is not reported."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
loss_fn = nn.CrossEntropyLoss(label_smoothing=float(sys.argv[1]))
opt = torch.optim.SGD(model.parameters(), lr=0.02)
for epoch in range(8):
    perm = torch.randperm(1500)
    for i in range(0, 1500, 32):
        idx = perm[i:i + 32]
        opt.zero_grad()
        loss_fn(model(X[idx]), y[idx]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(X[1500:]).argmax(1) == y[1500:]).float().mean().item()
    model.train()
print("val acc", acc)
"""


@pytest.mark.parametrize("smoothing", ["0.9", "0.1"])
def test_label_smoothing_too_strong(diagnosed, smoothing):
    run_dir, report = diagnosed(SCRIPT, smoothing)
    found = {f["id"]: f for f in report["findings"]}
    if smoothing == "0.1":
        assert "graph.loss_function" not in found, found["graph.loss_function"]
        return
    f = found["graph.loss_function"]
    assert (f["location"], f["step"], f["evidence"]["label_smoothing"]) == ("cross_entropy label_smoothing", 0, 0.9), f
    assert abs(f["evidence"]["loss_floor"] - 2.266) < 0.01, f["evidence"]
    assert report["findings"][0]["id"] == "graph.loss_function", [g["id"] for g in report["findings"]]
    assert "data.label_errors" not in found and "loss.not_converging" not in found, list(found)
