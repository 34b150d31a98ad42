"""Tensor snapshots: a few weights at logarithmic steps, tensors the script marks, read back from the run."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import traindoctor
from traindoctor.collect import snapshots
from traindoctor.record import TDRun

from ..conftest import write_script, td


def test_snapshot_steps_are_logarithmic():
    assert [s for s in range(1001) if snapshots.is_snapshot_step(s)] == \
        [0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]


def test_watch_records_picked_weights_and_marked_tensors(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(300, 200), nn.ReLU(), nn.Linear(200, 32), nn.ReLU(), nn.Linear(32, 16),
                          nn.ReLU(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))
    initial = {n: p.detach().clone() for n, p in model.named_parameters()}
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    X, y = torch.randn(64, 300), torch.randint(0, 3, (64,))
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="w") as td:
        for step in range(12):
            opt.zero_grad()
            out = model(X)
            if step == 3:
                td.tensor("logits", out)  # between forward and backward: step 3
                bad = out.detach().clone()
                bad[0, 0], bad[1, 1] = float("nan"), float("inf")
                td.tensor("bad_logits", bad)
            loss = F.cross_entropy(out, y)
            loss.backward()
            opt.step()
        td.tensor("plain list", [[1, 0], [0, 2]], step=99)
        with pytest.warns(UserWarning, match="needs a non-empty name"):
            td.tensor("", torch.ones(2))  # a bad call is skipped with a warning, never raised
        td.tensor("after a bad call", torch.ones(2))
    run = traindoctor.open_run(td.path)
    weights = {s.name for s in run.tensor_snapshots() if s.source == "weight"}
    assert weights == {"0.weight", "2.weight", "6.weight", "8.weight"}  # the first two and the last two matrices
    first = run.tensor_snapshots("0.weight")
    assert [s.step for s in first] == [0, 1, 2, 5, 10, 12]  # 12: the final weights, when the run ends
    s0 = first[0]
    assert s0.shape == [200, 300] and s0.matrix == [200, 300] and s0.layout == "as is"
    assert s0.reduced == {"method": "block", "to": [128, 128], "block": [200 / 128, 300 / 128], "views": ["mean", "absmax"]}
    w0 = initial["0.weight"]
    expect_mean = F.adaptive_avg_pool2d(w0[None, None], (128, 128))[0, 0].numpy()
    expect_max = F.adaptive_max_pool2d(w0.abs()[None, None], (128, 128))[0, 0].numpy()
    np.testing.assert_allclose(s0.values, expect_mean, rtol=1e-6)
    np.testing.assert_allclose(s0.absmax, expect_max, rtol=1e-6)
    assert s0.stats["numel"] == 60000 and s0.stats["min"] == pytest.approx(float(w0.min()))
    assert s0.stats["std"] == pytest.approx(float(w0.std()), rel=1e-3)
    assert s0.counts.sum() == 60000 and len(s0.edges) == 65
    small = run.tensor_snapshots("6.weight")[0]  # 8x16: stored as it is, the weights before any update
    assert small.reduced is None and small.absmax is None
    np.testing.assert_array_equal(small.values, initial["6.weight"].numpy())
    assert not np.array_equal(run.tensor_snapshots("6.weight")[-1].values, small.values)  # trained since
    logits, = run.tensor_snapshots("logits")
    assert logits.source == "user" and logits.step == 3 and logits.values.shape == (64, 3)
    bad, = run.tensor_snapshots("bad_logits")
    assert bad.stats["nonfinite"] == 2 and math.isnan(bad.values[0, 0]) and math.isinf(bad.values[1, 1])
    assert bad.counts.sum() == 64 * 3 - 2  # the histogram counts the finite values
    plain, = run.tensor_snapshots("plain list")
    assert plain.step == 99 and plain.values.tolist() == [[1, 0], [0, 2]] and plain.dtype == "int64"
    assert run.tensor_snapshots("after a bad call") and not run.events("internal_error")
    assert "tensor" in run.records()


def test_module_level_tensor_outside_a_recording_does_nothing():
    assert traindoctor.tensor("x", torch.ones(3)) is False


def test_traindoctor_run_records_snapshots_and_the_op_graph(tmp_path):
    body = """
import torch, traindoctor
from torch import nn
torch.manual_seed(0)
X = torch.randn(64, 1, 8, 8); Y = (X.mean(dim=(1, 2, 3)) > 0).long()
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 36, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(6):
    opt.zero_grad()
    out = model(X)
    loss = nn.functional.cross_entropy(out, Y)
    loss.backward()
    opt.step()
    print("marked", traindoctor.tensor("probs", out.softmax(1)))
"""
    script = write_script(tmp_path, body)
    proc = td("run", "--logdir", str(tmp_path / "runs"), "--name", "r", "--no-summary", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("marked True") == 6
    run = TDRun(str(tmp_path / "runs" / "r"))
    conv = run.tensor_snapshots("0.weight")
    assert [s.step for s in conv] == [0, 1, 2, 5, 6]
    assert conv[0].shape == [4, 1, 3, 3] and conv[0].matrix == [4, 9] and conv[0].layout == "(out, in*kh*kw)"
    assert [s.step for s in run.tensor_snapshots("probs")] == [1, 2, 3, 4, 5, 6]
    g = run.event("opgraph")
    assert g["root"] == "Sequential"
    names = {(op["op"], op["module"]) for op in g["ops"]}
    assert ("aten.convolution", "0") in names and ("aten.relu", "1") in names and ("aten.addmm", "3") in names
    conv_op = next(op for op in g["ops"] if op["op"] == "aten.convolution")
    assert {d.get("param") for d in conv_op["in"]} >= {"0.weight", "0.bias"}


def test_traindoctor_run_survives_a_failing_op_tracer(tmp_path):
    body = """
import torch
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X, Y = torch.randn(32, 4), torch.randint(0, 2, (32,))
for step in range(5):
    opt.zero_grad(); nn.functional.cross_entropy(model(X), Y).backward(); opt.step()
print("done")
"""
    script = write_script(tmp_path, body)
    proc = td("run", "--logdir", str(tmp_path / "runs"), "--name", "r", "--no-summary", str(script), cwd=tmp_path,
              env={"TRAINDOCTOR_INJECT_FAULT": "opgraph,snapshot"})
    assert proc.returncode == 0 and "done" in proc.stdout
    assert proc.stderr.count("internal error in the opgraph collector") == 1
    assert proc.stderr.count("internal error in the snapshot collector") == 1
    run = TDRun(str(tmp_path / "runs" / "r"))
    assert run.steps == 5 and run.event("opgraph") is None and not run.tensor_snapshots()


def test_odd_tensors_are_recorded_as_matrices(tmp_path):
    with traindoctor.watch(nn.Linear(2, 2), logdir=str(tmp_path), name="odd") as td:
        td.tensor("scalar", torch.tensor(3.0), step=0)
        td.tensor("empty", torch.zeros(0, 300), step=0)
        td.tensor("complex", torch.tensor([[3 + 4j]]), step=0)
        td.tensor("mask", torch.tensor([[True, False]]), step=0)
        td.tensor("half", torch.randn(300, 5).half(), step=0)
        td.tensor("video", torch.ones(2, 3, 4, 5, 6), step=0)
    run = traindoctor.open_run(td.path)
    snap = {s.name: s for s in run.tensor_snapshots() if s.source == "user"}
    assert snap["scalar"].matrix == [1, 1] and snap["scalar"].values.tolist() == [[3.0]]
    assert snap["empty"].matrix == [0, 300] and snap["empty"].stats["numel"] == 0 and snap["empty"].reduced is None
    assert snap["complex"].values.tolist() == [[5.0]] and snap["complex"].note == "magnitude of a complex tensor"
    assert snap["mask"].values.tolist() == [[1.0, 0.0]] and snap["mask"].dtype == "bool"
    assert snap["half"].dtype == "float16" and snap["half"].values.shape == (128, 5)
    assert snap["video"].matrix == [2, 360] and snap["video"].layout == "(d0, d1*d2*d3*d4)"
    assert not run.events("internal_error")
