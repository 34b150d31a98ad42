"""Activation fractions come on full steps only. A short, fast run can have none in the second half of
its steps (the cadence follows the machine's load): the activation checks then read the later half of
the steps that recorded them, instead of passing for want of data."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import traindoctor
from traindoctor.record import TDRun
from traindoctor.report import diagnose


@pytest.mark.parametrize("fault,expected,location", [("dead", "activation.dead_relu", "1"),
                                                      ("saturated", "activation.saturated", "1")])
def test_activation_checks_with_full_steps_only_at_the_start(tmp_path, fault, expected, location):
    torch.manual_seed(0)
    act = nn.ReLU() if fault == "dead" else nn.Sigmoid()
    model = nn.Sequential(nn.Linear(20, 64), act, nn.Linear(64, 3))
    with torch.no_grad():
        if fault == "dead":
            model[0].bias.fill_(-50.0)
        else:
            model[0].weight.mul_(200.0)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(128, 20), torch.randint(0, 3, (128,))
    # a budget so small that no full step follows the first five
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="r", stats_budget=1e-9):
        for _ in range(40):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    run = TDRun(str(tmp_path / "r"))
    field = "dead_frac" if fault == "dead" else "sat_frac"
    s = run.table("activation").series("1", field)
    assert set(s.step[np.isfinite(s.value)].tolist()) == {0, 1, 2, 3, 4}
    found = {f.id: f for f in diagnose(run).findings}
    assert expected in found and found[expected].location == location
