"""The first bad tensor at op level, forward (re-execution under a dispatch mode) and backward (a probe)."""
from __future__ import annotations

import os

import torch
from torch import nn

from traindoctor.collect.autorun import run_script
from traindoctor.collect.torch import CollectOptions
from traindoctor.debugger.localize import first_nonfinite_op
from traindoctor.record import TDRun

SCRIPTS = os.path.join(os.path.dirname(__file__), "scripts")


def test_backward_probe_names_the_node_whose_gradient_went_non_finite(tmp_path):
    run_dir = str(tmp_path / "sq")
    code, status = run_script(os.path.join(SCRIPTS, "sqrt_grad.py"), ["2", "5"], run_dir, "sq",
                              CollectOptions(watch=["recommended"]))
    assert (code, status) == (0, "finished")
    run = TDRun(run_dir)
    hits = run.events("hit")
    exploding = [h for h in hits if h["condition"] == "gradient_exploding"]
    assert min(h["step"] for h in exploding) == 2  # the forward pass stayed finite throughout
    assert not [h for h in hits if h["condition"] == "tensor_overflow"]
    skipped = [h for h in hits if h["condition"] == "operator_overflow"]
    assert [h["step"] for h in skipped] == [2, 3, 4] and skipped[0]["node"] == "GradScaler"
    origin = next(h["origin"] for h in exploding if "origin" in h)
    assert origin["found"] and origin["phase"] == "backward"
    assert (origin["backward_function"], origin["op_name"]) == ("SqrtBackward0", "sqrt")
    assert origin["grad_out"]["inf"] > 0 and origin["grad_in"][0]["inf"] == 0


def test_reexecution_restores_buffers_and_reports_inherited_non_finite_inputs():
    bn = nn.Sequential(nn.BatchNorm1d(3), nn.Linear(3, 2))
    x = torch.randn(4, 3)
    before = bn[0].running_mean.clone()
    clean = first_nonfinite_op(bn, (x,), "net")
    assert not clean["found"] and "stayed finite" in clean["reason"]
    assert torch.equal(bn[0].running_mean, before)  # the replay did not move BatchNorm's statistics
    with torch.no_grad():
        bn[1].weight[0, 0] = float("nan")
    inherited = first_nonfinite_op(bn, (x,), "net")
    assert not inherited["found"] and "entered from outside" in inherited["reason"]


class LogOfRelu(nn.Module):
    def forward(self, x):
        return torch.log(torch.relu(x)).sum(1)


def test_reexecution_names_the_op_and_the_submodule_with_the_inputs_statistics():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 3), LogOfRelu())
    found = first_nonfinite_op(net, (torch.randn(5, 3),), "model")
    assert found["found"] and found["op_name"] == "log" and found["module"] == "model.1"
    assert found["inputs"][0]["zeros"] > 0 and found["output"]["inf"] > 0
    assert "torch.log(torch.relu(x))" in found["source"]
