"""Step time of the debugger's watchpoints, side by side in one process, on CPU reference models.

Modes, interleaved round by round so that drift of the machine hits all alike:

* ``plain``: no traindoctor;
* ``no_watch``: the collector's default recording, no watchpoints (the baseline of the ratios);
* ``overflow``: + weight_overflow, gradient_exploding, tensor_overflow on all nodes;
* ``recommended``: + the recommended watchpoints on all nodes (``traindoctor run``'s default);
* ``detect_anomaly``: no traindoctor, ``torch.autograd.set_detect_anomaly(True)``.

Targets (issue 6): recommended <= 1.10x no_watch, overflow <= 1.05x, and the time the watchpoints add
below the time ``detect_anomaly`` adds (both are compared with what they are added to: the collector's
recording and the plain script). Wall and process-CPU medians are both reported.
Usage: ``python benchmarks/debugger_overhead.py [--rounds 10] [--steps 20] [--json OUT]``
(``BENCH_THREADS`` sets torch's intra-op threads, default 1).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from traindoctor.collect.torch import CollectOptions, Collector  # noqa: E402

OVERFLOW = ["weight_overflow", "gradient_exploding", "tensor_overflow"]


def mlp() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    model = nn.Sequential(nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.Tanh(),
                          nn.Linear(1024, 512), nn.Sigmoid(), nn.Linear(512, 10))
    return model, torch.randn(256, 512), torch.randint(0, 10, (256,))


def cnn() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Linear(256, 10))
    return model, torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))


MODELS = {"mlp": mlp, "cnn": cnn}
MODES = ("plain", "no_watch", "overflow", "recommended", "detect_anomaly")


def _steps(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
           n: int) -> list[tuple[float, float]]:
    """(wall seconds, process CPU seconds) per step. CPU time (all threads of the process, the writer
    included) is the robust measure on a shared machine, where wall time also measures the neighbours."""
    times = []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    return times


def run_mode(mode: str, make, steps: int, tmp: str) -> list[tuple[float, float]]:
    torch.manual_seed(0)
    model, x, y = make()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    collector = None
    if mode in ("no_watch", "overflow", "recommended"):
        watch = {"no_watch": [], "overflow": OVERFLOW, "recommended": ["recommended"]}[mode]
        collector = Collector(os.path.join(tmp, f"{mode}-{time.monotonic_ns()}"), options=CollectOptions(watch=watch))
        collector.install()
    anomaly = mode == "detect_anomaly"
    torch.autograd.set_detect_anomaly(anomaly)
    try:
        _steps(model, opt, x, y, 3)  # warm-up: the first steps register the model and allocate buffers
        return _steps(model, opt, x, y, steps)
    finally:
        torch.autograd.set_detect_anomaly(False)
        if collector is not None:
            collector.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    # One intra-op thread by default: on a shared 2-core machine two OpenMP threads spin against the
    # neighbours' load and the medians stop meaning anything; BENCH_THREADS=2 measures the 2-thread case.
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))
    result = {"threads": torch.get_num_threads(), "torch": torch.__version__, "models": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            per = {m: [] for m in MODES}
            for _ in range(args.rounds):
                for mode in MODES:
                    per[mode].extend(run_mode(mode, MODELS[name], args.steps, tmp))
            entry = {}
            for metric, col in (("wall", 0), ("cpu", 1)):
                med = {m: statistics.median(t[col] for t in v) for m, v in per.items()}
                ratios = {m: med[m] / med["no_watch"] for m in MODES}
                entry[metric] = {"median_step_s": med, "ratio_to_no_watch": ratios,
                                 "ratio_to_plain": {m: med[m] / med["plain"] for m in MODES},
                                 "added_over_plain_s": {"debugger_recommended": med["recommended"] - med["no_watch"],
                                                        "debugger_overflow": med["overflow"] - med["no_watch"],
                                                        "detect_anomaly": med["detect_anomaly"] - med["plain"]}}
                print(f"{name} [{metric}]: median step " + ", ".join(f"{m} {med[m] * 1e3:.1f} ms" for m in MODES))
                print(f"{name} [{metric}]: ratio to no_watch " + ", ".join(f"{m} {ratios[m]:.3f}x" for m in MODES))
                add = entry[metric]["added_over_plain_s"]
                print(f"{name} [{metric}]: added time: recommended watchpoints {add['debugger_recommended'] * 1e3:.2f} ms,"
                      f" overflow {add['debugger_overflow'] * 1e3:.2f} ms, detect_anomaly"
                      f" {add['detect_anomaly'] * 1e3:.2f} ms")
                ok = ratios["recommended"] <= 1.10 and ratios["overflow"] <= 1.05 \
                    and add["debugger_recommended"] < add["detect_anomaly"]
                print(f"{name} [{metric}]: targets (recommended <= 1.10x, overflow <= 1.05x, added time below "
                      f"detect_anomaly's): {'met' if ok else 'NOT met'}")
            result["models"][name] = entry
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
