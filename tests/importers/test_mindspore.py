"""Real MindSpore trainings (in ``.venv-ms``, through ``ms_train.py``), read back and diagnosed.

One module-scoped fixture runs the trainings once, two at a time:
healthy and lr-too-large (NaN) with both SummaryCollector and DoctorCallback, a
graph-mode run, and a run with the two MindSpore API faults of the seed.
"""
from __future__ import annotations

import concurrent.futures
import os

import numpy as np
import pytest

from traindoctor.record import list_runs, open_run

from importer_helpers import mindspore_python, needs_symptoms, run_ms

pytestmark = pytest.mark.mindspore

RUNS = {
    "healthy": ["--summary", "--doctor", "--lr", "0.05"],
    "nan": ["--summary", "--doctor", "--lr", "10"],
    "graph": ["--summary", "--doctor", "--mode", "graph", "--epochs", "1"],
    "api_faults": ["--doctor", "--div", "--dropout-keep", "0.1", "--epochs", "1"],
}


@pytest.fixture(scope="module")
def ms_runs(tmp_path_factory):
    mindspore_python()
    base = tmp_path_factory.mktemp("ms")
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(run_ms, ["--out", str(base / name), *args]) for name, args in RUNS.items()}
        for f in futures.values():
            f.result()
    return {name: str(base / name) for name in RUNS}


# -- SummaryCollector output ---------------------------------------------------
def test_summary_collector_dir_becomes_our_signals(ms_runs):
    run = open_run(os.path.join(ms_runs["healthy"], "summary"))
    assert run.source == "mindspore" and run.status == "finished" and run.warnings == []
    loss = run.scalar("train/loss")
    assert run.aliases() == {"train/loss": "loss/auto"}
    assert len(loss) >= 72 and np.isfinite(loss.value).all()
    assert loss.value[-10:].mean() < 0.6 * loss.value[:3].mean()
    weight = run.table("weight")
    assert set(weight.keys) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    assert weight.series("fc1.weight", "numel").value[0] == 16 * 32
    assert run.meta["table_fields_estimated"] == ["norm", "std"]  # MindSpore stores no sum of squares
    hp = run.event("hparams")
    assert hp["lr"] == pytest.approx(0.05) and hp["optimizer_class"] == "Momentum"
    assert (hp["batch_size"], hp["epochs"], hp["train_dataset_size"]) == (32, 3, 768)
    assert hp["loss_function"] == "SoftmaxCrossEntropyWithLogits"
    acc = run.scalar("eval/acc")  # model.eval with the same SummaryCollector: the evaluation lineage
    assert len(acc) == 1 and acc.value[0] > 0.8 and run.meta["hparams"]["valid_dataset_size"] == 192
    assert acc.step[0] == loss.step[-1]  # placed after training, not at step 0
    assert {"loss", "eval", "weight", "histogram"} <= run.records() and "grad" not in run.records()
    assert "graph" not in run.records()  # PyNative: SummaryCollector writes no graph


def test_summary_collector_nan_run_shows_nonfinite_loss_and_weights(ms_runs):
    run = open_run(os.path.join(ms_runs["nan"], "summary"))
    loss = run.scalar("train/loss").value
    assert not np.isfinite(loss).all() and np.isfinite(loss[0])
    nonfinite = run.table("weight").col("nonfinite")
    assert nonfinite.max() > 0  # MindSpore's histograms count the NaN weights exactly
    assert run.event("hparams")["lr"] == pytest.approx(10.0)


def test_graph_mode_graph_becomes_the_model_event(ms_runs):
    run = open_run(os.path.join(ms_runs["graph"], "summary"))
    model = run.event("model")
    cells = {m["name"]: m["class"] for m in model["modules"]}
    assert cells["fc1"] == "Dense" and cells["relu"] == "ReLU" and model["root"] == "Net"
    params = {p["name"]: p for m in model["modules"] for p in m["params"]}
    assert params["fc1.weight"]["shape"] == [32, 16] and params["fc1.weight"]["requires_grad"]
    graph = run.event("graph")
    assert graph["optimizer"] == "Momentum" and graph["loss_function"] == "SoftmaxCrossEntropyWithLogits"
    assert graph["ops"]["MatMul"] == 2


def test_list_runs_finds_both_formats(ms_runs):
    found = {os.path.relpath(p, ms_runs["healthy"]) for p in list_runs(ms_runs["healthy"])}
    assert found == {"summary", "td"}


def test_damaged_summary_file_warns_with_offset(ms_runs, tmp_path):
    src = os.path.join(ms_runs["healthy"], "summary")
    (ms_file,) = [f for f in os.listdir(src) if f.endswith("_MS")]
    data = bytearray(open(os.path.join(src, ms_file), "rb").read())
    data[len(data) // 2] ^= 0xFF
    path = tmp_path / ms_file
    path.write_bytes(bytes(data))
    run = open_run(str(tmp_path))
    assert len(run.warnings) == 1 and str(path) in run.warnings[0] and "offset" in run.warnings[0]
    intact = open_run(src)
    assert len(intact.scalar("train/loss")) - len(run.scalar("train/loss")) <= 1


# -- DoctorCallback ------------------------------------------------------------
def test_callback_records_what_the_torch_collector_records(ms_runs):
    run = open_run(os.path.join(ms_runs["healthy"], "td"))
    assert run.source == "traindoctor" and run.status == "finished" and run.warnings == []
    assert run.meta["framework"] == "mindspore" and run.meta["mode"] == "pynative"
    assert {"loss", "eval", "weight", "grad", "update", "activation", "histogram", "graph",
            "optimizer"} <= run.records()
    ratio = run.table("update").series("fc1.weight", "ratio").value
    assert len(ratio) == 71 and 1e-5 < np.median(ratio) < 1e-1  # a healthy learning rate
    loss = run.scalar("train/loss")
    assert loss.step.tolist() == list(range(72))
    # the same loss MindSpore's SummaryCollector saw, one step apart (it counts from 1)
    ms_loss = open_run(os.path.join(ms_runs["healthy"], "summary")).scalar("train/loss")
    assert np.allclose(loss.value[:10], ms_loss.value[:10], rtol=1e-5)
    assert np.allclose(run.scalar("opt0/group0/lr").value, 0.05)
    acc = run.scalar("eval/acc")  # three from fit's validation, one from model.eval after training
    assert acc.step.tolist() == [24, 48, 72, 72] and acc.value[-1] > 0.8 and acc.value[-1] == acc.value[-2]
    assert [e["status"] for e in run.events("end")] == ["finished", "finished"]
    assert set(run.table("grad").keys) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}
    act = run.table("activation")
    assert act.keys == ["Net", "fc1", "relu", "fc2"]
    assert len(act) == 72 * 4  # one row per cell per training step: evaluation passes are not recorded
    relu_zero = run.table("activation").series("relu", "zero_frac").value
    assert 0.2 < relu_zero.mean() < 0.8
    opt = run.event("optimizer")
    assert opt["class"] == "Momentum" and opt["groups"][0]["params"] == ["fc1.weight", "fc1.bias", "fc2.weight",
                                                                         "fc2.bias"]
    hp = run.event("hparams")
    assert (hp["batch_size"], hp["epochs"], hp["momentum"]) == (32, 3, pytest.approx(0.9))


def test_callback_update_ratio_separates_the_learning_rates(ms_runs):
    healthy = open_run(os.path.join(ms_runs["healthy"], "td")).table("update").series("fc2.weight", "ratio").value
    big = open_run(os.path.join(ms_runs["nan"], "td")).table("update").series("fc2.weight", "ratio").value
    assert np.nanmax(big[:2]) > 10 * np.median(healthy)


def test_callback_gradients_are_the_step_gradients(ms_runs):
    """The probe's gradient norm shrinks as the healthy model converges and is finite throughout."""
    run = open_run(os.path.join(ms_runs["healthy"], "td"))
    norm = run.table("grad").series("fc2.weight", "norm").value
    assert np.isfinite(norm).all() and norm[-10:].mean() < norm[:3].mean()


def test_callback_in_graph_mode_says_what_it_cannot_record(ms_runs):
    run = open_run(os.path.join(ms_runs["graph"], "td"))
    assert run.meta["mode"] == "graph" and "not recorded" in run.meta["activations"]
    assert "activation" not in run.records()
    assert {"loss", "weight", "grad"} <= run.records()


def test_callback_finds_the_nonfinite_origin_and_the_api_faults(ms_runs):
    from traindoctor.checks.base import Context
    from traindoctor.checks.mindspore_checks import DivWhereDivNoNanNeeded, DropoutKeepProb

    run = open_run(os.path.join(ms_runs["api_faults"], "td"))
    origin = run.events("nonfinite")[0]  # one per step: every batch divides 0 by 0
    assert origin["module"] == "Net" and origin["step"] == 0 and "Div" in origin["risky_ops"]
    assert origin["inputs"][0]["nan"] == 0 and origin["output"]["nan"] > 0
    ctx = Context(run)
    div = DivWhereDivNoNanNeeded().run(ctx)
    assert div.status == "fail" and div.findings[0].location == "Net" and "Div" in div.findings[0].title
    drop = DropoutKeepProb().run(ctx)
    assert drop.status == "warn" and drop.findings[0].location == "drop"
    assert drop.findings[0].evidence["keep_prob"] == pytest.approx(0.1)
    # the healthy run has neither
    healthy = Context(open_run(os.path.join(ms_runs["healthy"], "td")))
    assert DivWhereDivNoNanNeeded().run(healthy).status == "pass"
    assert DropoutKeepProb().run(healthy).status == "pass"


# -- diagnosis -----------------------------------------------------------------
@needs_symptoms
@pytest.mark.parametrize("sub", ["summary", "td"])
def test_nan_run_is_diagnosed(ms_runs, sub):
    from traindoctor.report import diagnose

    report = diagnose(os.path.join(ms_runs["nan"], sub))
    assert report.findings and report.findings[0].id in ("loss.nan_inf", "hparam.lr_too_large")
    assert report.to_json()["run"]["source"] == ("mindspore" if sub == "summary" else "traindoctor")


@needs_symptoms
@pytest.mark.parametrize("sub", ["summary", "td"])
def test_healthy_run_gets_no_warning(ms_runs, sub):
    from traindoctor.report import diagnose

    report = diagnose(os.path.join(ms_runs["healthy"], sub))
    assert [(f.id, f.title) for f in report.findings if f.severity in ("warning", "error")] == []
