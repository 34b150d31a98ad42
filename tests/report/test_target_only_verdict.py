"""A run judged by its stated targets alone: a Huber regression has no accuracy and no MSE to hold against the
mean prediction. Probe K h08 (val_loss 0.013 against --target val_loss=0.05) had an empty verdict, and the
text report printed the loss target as "val_loss ≥ 0.05"."""
from __future__ import annotations

import pytest

from tests.conftest import doctor_json

SCRIPT = """
import torch
from torch import nn
from sklearn.datasets import make_friedman1

torch.manual_seed(0)
X, y = make_friedman1(n_samples=1200, noise=0.5, random_state=0)
X = torch.tensor(X, dtype=torch.float32)
y = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32).unsqueeze(1)
X_tr, y_tr, X_val, y_val = X[:1000], y[:1000], X[1000:], y[1000:]
model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
crit = nn.HuberLoss(delta=0.5)
for epoch in range(15):
    model.train()
    for i in range(0, 1000, 50):
        loss = crit(model(X_tr[i:i + 50]), y_tr[i:i + 50])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        val_loss = crit(model(X_val), y_val).item()
print("FINAL", val_loss)
"""


@pytest.mark.parametrize("goal, met", [("0.2", True), ("0.001", False)])
def test_verdict_from_targets_alone(run_script, goal, met):
    proc, run_dir = run_script(SCRIPT, extra=("--target", f"val_loss={goal}"), name=f"t{goal}")
    assert proc.returncode == 0, proc.stderr
    acc = doctor_json(run_dir)["accuracy"]
    assert acc["targets"]["val_loss"]["met"] is met, acc
    if met:
        assert acc["verdict"].startswith("every stated target is met (val_loss"), acc["verdict"]
    else:
        assert acc["verdict"].startswith("val_loss") and f"misses its target {float(goal):g}" in acc["verdict"], acc
    from tests.conftest import td

    text = td("doctor", str(run_dir)).stdout
    assert "target val_loss ≤" in text, text
