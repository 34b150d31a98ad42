"""A warm-up that never ends: LambdaLR's factor grows with every step and is never capped, so the learning
rate climbs from a sane start into divergence. hparam.lr_too_large judged the learning rate at the start
(0.001) and the first ten updates, and passed it. It now names the schedule and the step from which the rate
was too large. A capped warm-up to a usual rate passes."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits

capped = sys.argv[1] == "capped"
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
warm = (lambda s: min(1.0, (s + 1) / 50) * 50) if capped else (lambda s: 1.0 + 5 * s)
sched = torch.optim.lr_scheduler.LambdaLR(opt, warm)
for epoch in range(12):
    for i in range(0, 1600, 64):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 64]), y[i:i + 64]).backward()
        opt.step()
        sched.step()
"""


@pytest.mark.parametrize("how", ["endless", "capped"])
def test_a_warmup_that_never_ends(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "capped":
        assert "hparam.lr_too_large" not in found, found["hparam.lr_too_large"]
        return
    f = found["hparam.lr_too_large"]
    assert f["location"] == "scheduler LambdaLR" and "raised lr" in f["title"], f
    assert f["evidence"]["lr_start"] == pytest.approx(0.001) and f["evidence"]["lr_peak"] > 1.4, f
    assert f["step"] == 20, f  # the first step with 0.001 * (1 + 5 * step) / (1 - 0.9) >= 1.0
