"""Representative fault scripts of the zoo, recorded in-process and diagnosed: the cause, its place, its step."""
from __future__ import annotations

import os

import pytest

from traindoctor.collect.autorun import run_script
from traindoctor.collect.torch import CollectOptions
from traindoctor.report import diagnose

ZOO = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "zoo")


def _diagnose(tmp_path, kind: str, script: str):
    path = os.path.join(ZOO, kind, script)
    run_dir = str(tmp_path / os.path.splitext(script)[0])
    code, status = run_script(path, [], run_dir, "t", CollectOptions())
    assert code == 0, status
    return diagnose(run_dir)


def _alarms(report):
    return [f for f in report.findings if f.severity in ("warning", "error")]


@pytest.mark.parametrize("script, cause, location, step", [
    ("graph.frozen_weights__head_not_in_optimizer.py", "graph.frozen_weights", "head", 0),
    ("graph.node_mode__eval_before_training.py", "graph.node_mode", "1", 0),
    ("graph.loss_function__softmax_before_cross_entropy.py", "graph.loss_function",
     "cross_entropy (in CrossEntropyLoss)", 0),
    ("init.all_zero__mlp_zeros.py", "init.all_zero", "0", 0),
    ("data.not_shuffled__sorted_digits.py", "data.not_shuffled", "train_loader", 0),
    ("api.constraint_violation__zero_divisor_normalisation.py", "api.constraint_violation", "2: torch.div", 0),
])
def test_fault_is_ranked_first_at_its_place_and_step(tmp_path, script, cause, location, step):
    report = _diagnose(tmp_path, "faults", script)
    top = _alarms(report)[0]
    assert (top.id, top.location, top.step) == (cause, location, step)
    assert top.kind == "cause" and top.advice and top.evidence and top.explains


def test_missing_values_names_the_feature_and_first_batch(tmp_path):
    report = _diagnose(tmp_path, "faults", "data.missing_values__sentinel_minus_999.py")
    top = _alarms(report)[0]
    assert top.id == "data.missing_values" and top.location.startswith("input feature ") and top.step == 0
    assert top.evidence["sentinel_values"] > 0


def test_gradient_accumulation_is_found_within_the_first_epoch(tmp_path):
    report = _diagnose(tmp_path, "faults", "graph.optimizer__never_zero_grad.py")
    top = _alarms(report)[0]
    assert top.id == "graph.optimizer" and top.step == 1
    assert top.evidence["grad_norm_growth"] >= 4


def test_healthy_run_stays_calm_and_lists_every_id(tmp_path):
    report = _diagnose(tmp_path, "healthy", "transformer_tied_lm.py")
    assert _alarms(report) == []
    checklist = {c["id"]: c["status"] for c in report.checklist()}
    assert checklist["graph.weight_sharing"] == "pass"  # embedding/decoder tying is known
    assert checklist["graph.frozen_weights"] == "pass"


_FORKS: list[int] = []
os.register_at_fork(before=lambda: _FORKS.append(os.getpid()))


def test_label_errors_are_found_without_forking_the_diagnosing_process(tmp_path):
    """Confident learning runs in-process: the dashboard diagnoses in a server thread, and a process pool
    forked from a threaded process can hang forever on a lock a child inherited (cleanlab's default)."""
    path = os.path.join(ZOO, "faults", "data.label_errors__digits_shuffled_labels.py")
    run_dir = str(tmp_path / "labels")
    code, status = run_script(path, [], run_dir, "t", CollectOptions())
    assert code == 0, status
    before = len(_FORKS)
    report = diagnose(run_dir)
    assert len(_FORKS) == before, "the diagnosis forked the process"
    found = [f for f in report.findings if f.id == "data.label_errors"]
    assert found and found[0].severity == "warning" and found[0].evidence["flagged_by_confident_learning"] > 0
