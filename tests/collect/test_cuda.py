"""The collector and the debugger on a CUDA device: the same records as on the CPU, the first non-finite
module and its overflow hit, and no host synchronisation on the training thread in the steady state.

Skipped where there is no CUDA device (CI has none); run on a GPU machine with
``python -m pytest tests/collect/test_cuda.py``."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import torch
from torch import nn

import traindoctor
from traindoctor.record import TDRun

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
#: the record tests run on the CPU too (CI's device), the same assertions
DEVICES = [pytest.param("cpu"), pytest.param("cuda", marks=CUDA)]

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))


def _model(dev: str) -> nn.Module:
    return nn.Sequential(nn.Linear(600, 300), nn.ReLU(), nn.Linear(300, 300), nn.Tanh(), nn.Linear(300, 4)).to(dev)


@pytest.mark.parametrize("dev", DEVICES)
def test_records_match_the_tensors(tmp_path, dev):
    torch.manual_seed(0)
    model = _model(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(64, 600, device=dev), torch.randint(0, 4, (64,), device=dev)
    grad_norms, losses = [], []
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="c"):
        for _ in range(30):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            grad_norms.append(float(model[0].weight.grad.norm()))
            losses.append(float(loss.detach()))
            opt.step()
    run = TDRun(str(tmp_path / "c"))
    assert run.steps == 30 and run.status == "finished"
    g = run.table("grad").series("0.weight", "norm")
    assert len(g) == 30
    np.testing.assert_allclose(g.value, grad_norms, rtol=1e-4)
    np.testing.assert_allclose(run.scalar("train/loss").value, losses, rtol=1e-5)
    act = run.table("activation")
    assert len(act) > 0 and np.all(act.col("nonfinite") == 0)
    if dev == "cuda":
        assert run.meta["cuda"], "the GPU is named in the run's meta"


@pytest.mark.parametrize("dev", DEVICES)
def test_first_non_finite_module_and_overflow_hit(tmp_path, dev):
    """A weight written non-finite between two steps: the forward pass names its module, the overflow
    watchpoint hits there at that step, and the diagnosis leads with it (the weights-phase origin crashed
    with a NameError before)."""
    torch.manual_seed(0)
    model = _model(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(64, 600, device=dev), torch.randint(0, 4, (64,), device=dev)
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="n", watch=["tensor_overflow"]):
        for step in range(30):
            opt.zero_grad()
            if step == 20:
                with torch.no_grad():
                    model[2].weight[3, 7] = float("inf")
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    run = TDRun(str(tmp_path / "n"))
    act = run.table("activation")
    bad = act.col("nonfinite") > 0
    assert bad.any() and int(act.step[bad].min()) == 20
    first = np.nonzero(bad & (act.step == 20))[0]
    assert act.keys[int(act.key[first[np.argmin(act.seq[first])]])] == "2"  # the poisoned Linear, not the ReLU
    hits = [h for h in run.events("hit") if h["condition"] == "tensor_overflow"]
    assert hits and hits[0]["step"] == 20 and hits[0]["node"] == "2", hits[:3]
    report = traindoctor.diagnose(str(tmp_path / "n"))
    top = report.findings[0]
    assert top.id == "loss.nan_inf" and top.location == "2.weight" and top.step == 20, top


@CUDA
@pytest.mark.parametrize("watch", [[], ["recommended"]], ids=["recording", "recommended"])
def test_no_host_synchronisation_on_the_training_thread(tmp_path, watch):
    from gpu_syncs import check, train_thread_sites

    for name in ("mlp 784-512-512-10 b512", "cnn 4conv 3x32x32 b64"):
        counts = check(name, watch, steps=40, warmup=60, tmp=str(tmp_path))
        assert train_thread_sites(counts) == {}, (name, counts)
