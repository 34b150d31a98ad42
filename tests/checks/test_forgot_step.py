"""A script that never calls optimizer.step(): built, zeroed, backward every batch, and no update.

The collector waited for the optimizer's step to close each training step, so the whole run was recorded as
one step with thousands of losses: no loss curve, no weight change to judge, nothing reported. From the
NO_STEP_AFTER-th backward on each backward is a step, and graph.optimizer names the missing call. Accumulating
gradients over a few micro-batches, or a run whose weights are updated by hand next to an unused optimizer,
is not it."""
from __future__ import annotations

import pytest

from traindoctor import open_run
from traindoctor.collect.torch import NO_STEP_AFTER

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
lossf = nn.CrossEntropyLoss()
k = 0
for epoch in range(4):
    for i in range(0, 1600, 32):
        loss = lossf(model(X[i:i + 32]), y[i:i + 32])
        if how == "accumulate":
            (loss / 4).backward()
            k += 1
            if k % 4 == 0:
                opt.step()
                opt.zero_grad()
            continue
        opt.zero_grad()
        loss.backward()
        if how == "by_hand":
            with torch.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
        # how == "forgot": no opt.step()
"""


@pytest.mark.parametrize("how", ["forgot", "accumulate", "by_hand"])
def test_a_missing_optimizer_step_is_named(diagnosed, how):
    run_dir, report = diagnosed(SCRIPT, how)
    run = open_run(run_dir)
    steps = len(run.scalar("train/loss"))
    found = {f["id"]: f for f in report["findings"]}
    if how == "forgot":
        assert steps == 200 - NO_STEP_AFTER + 1, steps  # 200 backward passes, each a step from the 64th on
        f = found["graph.optimizer"]
        assert f["location"] == "SGD.step" and f["evidence"]["backward_passes"] == 200, f
        assert "never called" in f["title"]
        ids = [x["id"] for x in report["findings"]][:3]
        assert "graph.optimizer" in ids, ids
    else:
        assert steps == (50 if how == "accumulate" else 200 - NO_STEP_AFTER + 1), steps
        assert "graph.optimizer" not in found, found.get("graph.optimizer")
