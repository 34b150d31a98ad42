"""One-line slips in a digits classifier that train without an error and land far below the accuracy they
should: a ReLU after the output layer (46% of the logits are 0; it reached 52% where 97% is usual, and
doctor said "no problem found"), inputs scaled with // (all zero), labels overwritten with one class. Each is
named as its cause, in first place; the script without the slip gets no alarm."""
from __future__ import annotations

import pytest

from ..conftest import doctor_json

SCRIPT = """
import sys
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
torch.manual_seed(6)
slip = sys.argv[1]
X, y = load_digits(return_X_y=True)
X = (X.astype(np.int64) // 17).astype(np.float32) if slip == "zeros" else (X / 16.0).astype(np.float32)
y_train = y[:1400] * 0 if slip == "oneclass" else y[:1400]
train = DataLoader(TensorDataset(torch.tensor(X[:1400]), torch.tensor(y_train)), batch_size=32, shuffle=True)
val = DataLoader(TensorDataset(torch.tensor(X[1400:]), torch.tensor(y[1400:])), batch_size=128)
layers = [nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)] + ([nn.ReLU()] if slip == "relu" else [])
model = nn.Sequential(*layers)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    model.train()
    for xb, yb in train:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val:
            nn.functional.cross_entropy(model(xb), yb)
"""


def _alarms(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["severity"] in ("error", "warning")]


@pytest.mark.parametrize("slip, cause, location, title", [
    ("relu", "graph.loss_function", "cross_entropy", "never negative"),
    ("zeros", "graph.wrong_operator", "input", "Float inputs are all 0 in every sampled batch"),
    ("oneclass", "data.class_imbalance", "class 0", "one class only"),
])
def test_the_slip_is_the_first_finding(run_script, slip, cause, location, title):
    proc, run_dir = run_script(SCRIPT, slip)
    assert proc.returncode == 0, proc.stderr
    report = doctor_json(run_dir)
    top = _alarms(report)[0]
    assert (top["id"], top["location"], top["step"]) == (cause, location, 0), [(f["id"], f["title"]) for f in
                                                                               _alarms(report)]
    assert title in top["title"] and top["severity"] == "error"


def test_without_the_slip_no_alarm(run_script):
    proc, run_dir = run_script(SCRIPT, "none")
    assert proc.returncode == 0, proc.stderr
    report = doctor_json(run_dir)
    assert _alarms(report) == [], [(f["id"], f["title"]) for f in _alarms(report)]
