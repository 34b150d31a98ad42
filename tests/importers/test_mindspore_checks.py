"""The MindSpore API checks on runs built in memory (the trainings that produce them are in test_mindspore.py)."""
from __future__ import annotations

import math

from traindoctor.checks.base import Context
from traindoctor.checks.mindspore_checks import DivWhereDivNoNanNeeded, DropoutKeepProb
from traindoctor.importers._imported import ImportedRun


class _Run(ImportedRun):
    source = "mindspore"


def _graph_run(loss_values, ops=("MatMul", "RealDiv")) -> _Run:
    run = _Run("/nowhere/run")
    for i, v in enumerate(loss_values):
        run.add_scalar("loss/auto", i + 1, v, 0.0)
    run.add_event({"kind": "graph", "step": 0, "ops": {o: 1 for o in ops}, "optimizer": "Momentum",
                   "divisions": [{"op": o, "node": f"Default/network/{o}-op0", "cell": "norm"}
                                 for o in ops if "Div" in o]})
    return run


def test_graph_division_with_nonfinite_loss_is_a_weak_finding():
    out = DivWhereDivNoNanNeeded().run(Context(_graph_run([1.0, 0.9, math.nan, math.nan])))
    assert out.status == "warn"
    (f,) = out.findings
    assert f.location == "norm" and f.step == 3 and f.confidence < 0.5 and f.explains == ["loss.nan_inf"]


def test_graph_division_with_finite_loss_passes():
    assert DivWhereDivNoNanNeeded().run(Context(_graph_run([1.0, 0.9, 0.8]))).status == "pass"


def test_nonfinite_loss_without_division_passes():
    assert DivWhereDivNoNanNeeded().run(Context(_graph_run([1.0, math.inf], ops=("MatMul",)))).status == "pass"


def test_other_frameworks_are_not_judged():
    class _Torch(ImportedRun):
        source = "tensorboard"

    run = _Torch("/nowhere/tb")
    assert DivWhereDivNoNanNeeded().run(Context(run)).status == "not_checked"
    assert DropoutKeepProb().run(Context(run)).status == "not_checked"


def test_dropout_given_p_is_trusted():
    run = _Run("/nowhere/run")
    run.add_event({"kind": "model", "modules": [
        {"name": "drop", "class": "Dropout", "params": [], "dropout": {"keep_prob": 0.5, "p": 0.9}},
        {"name": "drop2", "class": "Dropout", "params": [], "dropout": {"keep_prob": 0.8, "p": None}}]})
    assert DropoutKeepProb().run(Context(run)).status == "pass"
