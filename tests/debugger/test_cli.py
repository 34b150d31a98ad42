"""The debugger from the command line: ``run --watch/--break-on``, ``hits``, ``debug``, end to end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from traindoctor.record import TDRun

SCRIPTS = os.path.join(os.path.dirname(__file__), "scripts")
LOG_PROB = os.path.join(SCRIPTS, "log_prob.py")


def td(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "traindoctor", *args], capture_output=True, text=True,
                          timeout=timeout, **kw)


@pytest.fixture(scope="module")
def log_prob_run(tmp_path_factory) -> str:
    """``log_prob.py`` run by ``traindoctor run`` with the default (recommended) watchpoints: bad from step 3."""
    logdir = tmp_path_factory.mktemp("runs")
    r = td("run", "--logdir", str(logdir), "--name", "lp", "--no-summary", LOG_PROB, "3", "5")
    assert r.returncode == 0, r.stderr
    return str(logdir / "lp")


def test_first_overflow_names_the_log_op_of_the_loss_at_the_right_step(log_prob_run):
    out = td("hits", log_prob_run, "--format", "json")
    doc = json.loads(out.stdout)
    assert doc["schema"] == "traindoctor.hits/1"
    first = next(h for h in doc["hits"] if h["condition"] == "tensor_overflow")
    assert first["step"] == 3 and first["node"] == "ProbNLL" and first["target"] == "activation"
    origin = first["origin"]
    assert origin["found"] and origin["op_name"] == "log" and origin["module"] == "ProbNLL"
    assert origin["inputs"][0]["zeros"] > 0 and origin["inputs"][0]["nan"] == 0  # log's input holds exact zeros
    assert "torch.log(picked)" in origin["source"]
    # nothing overflowed before the step where the probability reached zero
    assert min(h["step"] for h in doc["hits"] if h["condition"].endswith(("overflow", "exploding"))) == 3
    # execution order: the module output of step 3 comes before the gradients and the updated weights of step 3
    at3 = [h["condition"] for h in doc["hits"] if h["step"] == 3]
    assert at3[0] == "tensor_overflow" and at3.index("gradient_exploding") < at3.index("weight_overflow")
    for h in doc["hits"]:
        assert set(h) >= {"condition", "target", "node", "step", "stats"}


def test_hits_offline_reevaluates_recorded_statistics(log_prob_run):
    run = log_prob_run
    live = json.loads(td("hits", run, "--format", "json").stdout)["hits"]
    offline = json.loads(td("hits", run, "--watch", "recommended", "--format", "json").stdout)
    assert offline["source"] == "watch"
    key = lambda h: (h["condition"], h["node"], h["step"])  # noqa: E731
    assert [key(h) for h in offline["hits"]] == [key(h) for h in live]
    # a condition that was not watched live, over the same statistics
    tight = json.loads(td("hits", run, "--watch", "gradient_too_large(abs_mean_gt=1e-12)@2.weight",
                          "--format", "json").stdout)
    assert {h["step"] for h in tight["hits"]} == {0, 1, 2}
    assert tight["outcomes"][0]["cannot_check"] == 2  # steps 3 and 4 hold NaN
    bad = td("hits", run, "--watch", "tensor_all_zero(zero_percentage_ge=150)")
    assert bad.returncode == 2 and "percentage" in bad.stderr


def test_run_rejects_a_bad_watch_spec_before_running_the_script(tmp_path):
    r = td("run", "--logdir", str(tmp_path), "--watch", "weight_change_too_large(epsilon=x)", LOG_PROB)
    assert r.returncode == 2 and "not a number" in r.stderr
    assert not (tmp_path / "log_prob").exists() and not any(tmp_path.iterdir())


def _wait_status(run: str, status: str, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = td("debug", run, "show", "--format", "json")
        if r.returncode == 0:
            st = json.loads(r.stdout)
            if st["status"] == status:
                return st
        time.sleep(0.2)
    raise AssertionError(f"the run did not become {status}")


def test_break_inspect_step_continue_stop_from_the_cli(tmp_path):
    run = str(tmp_path / "br")
    proc = subprocess.Popen([sys.executable, "-m", "traindoctor", "run", "--logdir", str(tmp_path), "--name", "br",
                             "--no-summary", "--break-on", "tensor_overflow@ProbNLL", LOG_PROB, "3", "40"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        st = _wait_status(run, "paused")
        assert st["step"] == 3 and st["reason"] == "breakpoint"
        assert st["hits"][0]["condition"] == "tensor_overflow" and st["hits"][0]["node"] == "ProbNLL"
        assert st["hits"][0]["origin"]["op_name"] == "log"
        # nothing is lost while paused: the steps before the pause are readable now
        assert list(TDRun(run).scalar("train/loss").step) == [0, 1, 2]
        # inspect: the loss module's output and its input, a weight with a slice, the previous step
        r = td("debug", run, "inspect", "activation:ProbNLL", "--format", "json")
        a = json.loads(r.stdout)
        assert a["stats"]["inf"] == 1 and a["previous"]["stats"]["nonfinite"] == 0
        r = td("debug", run, "inspect", "weight:0.weight", "--slice", "0:2,0:3", "--bins", "5", "--format", "json")
        w = json.loads(r.stdout)
        assert w["slice"]["shape"] == [2, 3] and len(w["histogram"]["counts"]) == 5
        assert "input:ProbNLL[0]" in json.loads(td("debug", run, "tensors", "--format", "json").stdout)["tensors"]
        text = td("debug", run, "inspect", "activation:ProbNLL").stdout
        assert "activation:ProbNLL at step 3" in text
        # step: one more step, paused again
        assert td("debug", run, "step").returncode == 0
        time.sleep(0.3)
        st = _wait_status(run, "paused")
        assert st["step"] == 4
        # continue: runs to the next hit of the breakpoint
        assert td("debug", run, "continue").returncode == 0
        time.sleep(0.3)
        st = _wait_status(run, "paused")
        assert st["step"] == 5 and st["reason"] == "breakpoint"
        # stop: the training ends cleanly, recorded up to here
        assert td("debug", run, "stop").returncode == 0
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read()
    r = TDRun(run)
    assert r.status == "finished" and r.event("debug_stop")["step"] == 5
    assert "done" not in proc.stdout.read()  # the script did not run to its end
    assert td("debug", run, "show", "--format", "json").stdout and \
        json.loads(td("debug", run, "show", "--format", "json").stdout)["status"] == "stopped"
    assert td("debug", run, "continue").returncode == 1  # nothing to continue


def test_recommended_watchpoints_are_on_by_default_and_can_be_switched_off(log_prob_run):
    on = TDRun(log_prob_run)
    assert {w["condition"] for w in on.event("watchpoints")["watchpoints"]} >= {
        "weight_overflow", "gradient_exploding", "tensor_overflow", "operator_overflow", "weight_change_too_large",
        "gradient_vanishing", "activation_range"}
    assert on.events("hit")
    from traindoctor.cli import _debugger_specs

    assert _debugger_specs(None, None) == (["recommended"], [])
    assert _debugger_specs(["none"], None) == ([], [])
    assert _debugger_specs(["none"], ["tensor_overflow"]) == ([], ["tensor_overflow"])
