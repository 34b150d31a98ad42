"""Step time of the debugger's watchpoints, side by side in one process, on CPU reference models.

Modes, measured in the steady state with ``overhead.py``'s method (each set up once and warmed up, then
taking turns in short blocks of steps, in a new random order each round):

* ``plain``: no traindoctor;
* ``no_watch``: the collector's default recording, no watchpoints (the baseline of the ratios);
* ``overflow``: + weight_overflow, gradient_exploding, tensor_overflow on all nodes;
* ``recommended``: + the recommended watchpoints on all nodes (``traindoctor run``'s default);
* ``detect_anomaly``: no traindoctor, ``torch.autograd.set_detect_anomaly(True)``.

Targets (issue 6): recommended <= 1.10x no_watch, overflow <= 1.05x, and the time the watchpoints add
below the time ``detect_anomaly`` adds (each compared with what it is added to: the collector's
recording, the plain script). A ratio is the median over rounds of a block's mean step time divided by
the ``no_watch`` block's of the same round.

Usage: ``python benchmarks/debugger_overhead.py [--rounds 30] [--steps 10] [--threads 1,2] [--json OUT]``
(``--device cuda --min-step-ms 10`` on a GPU: the batch doubled until a plain step takes 10 ms)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from overhead import Anomaly, Baseline, TrainDoctor, at_least, interleaved, make_step  # noqa: E402

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


def configs() -> list:
    plain, anomaly = Baseline(), Anomaly()
    plain.name, anomaly.name = "plain", "detect_anomaly"
    return [plain, TrainDoctor("no_watch", []), TrainDoctor("overflow", OVERFLOW),
            TrainDoctor("recommended", ["recommended"]), anomaly]


def measure(name: str, threads: int, rounds: int, steps: int, warmup: int, device: str = "cpu",
            min_step_ms: float = 0.0) -> dict:
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if device == "cpu" and not min_step_ms:
        model, x, y = MODELS[name]()
    else:  # on a GPU the batch is doubled until a plain step takes min_step_ms
        def make(name=name):
            m, x, y = MODELS[name]()
            return m, (x, y)
        model, x, y, _ = at_least(make, device, min_step_ms)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    step = make_step(model, opt, x, y, device)
    with tempfile.TemporaryDirectory() as tmp:
        blocks = interleaved(step, model, configs(), tmp, rounds, steps, warmup, random.Random(0))
    med = {m: statistics.median(b[m] for b in blocks) for m in MODES}
    ratio = {m: statistics.median(b[m] / b["no_watch"] for b in blocks) for m in MODES}
    added = {"recommended": med["recommended"] - med["no_watch"], "overflow": med["overflow"] - med["no_watch"],
             "detect_anomaly": med["detect_anomaly"] - med["plain"]}
    met = ratio["recommended"] <= 1.10 and ratio["overflow"] <= 1.05 and added["recommended"] < added["detect_anomaly"]
    return {"batch": int(x.shape[0]), "median_step_s": med, "ratio_to_no_watch": ratio, "added_s": added, "targets_met": met}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--models", default="mlp,cnn")
    ap.add_argument("--threads", default="1,2", help="intra-op thread counts to measure, comma-separated")
    ap.add_argument("--device", default="cpu", help="cpu (the targets' device) or cuda")
    ap.add_argument("--min-step-ms", type=float, default=0.0,
                    help="double a model's batch until its plain step takes this long (0: the sizes as named)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    result = {"torch": torch.__version__, "rounds": args.rounds, "steps": args.steps, "runs": []}
    print("| model | threads | no_watch step | recommended (target 1.10x) | overflow only (target 1.05x) | "
          "detect_anomaly (vs. plain) | added: recommended / detect_anomaly | targets |")
    print("|---|---|---|---|---|---|---|---|")
    for threads in (int(t) for t in args.threads.split(",")):
        for name in args.models.split(","):
            r = measure(name, threads, args.rounds, args.steps, args.warmup, args.device, args.min_step_ms)
            result["runs"].append({"model": name, "threads": threads, **r})
            ratio, med, add = r["ratio_to_no_watch"], r["median_step_s"], r["added_s"]
            print(f"| {name} b{r['batch']} | {threads} | {med['no_watch'] * 1e3:.1f} ms | {ratio['recommended']:.3f}x | "
                  f"{ratio['overflow']:.3f}x | {med['detect_anomaly'] / med['plain']:.2f}x | "
                  f"{add['recommended'] * 1e3:.2f} / {add['detect_anomaly'] * 1e3:.2f} ms | "
                  f"{'met' if r['targets_met'] else 'NOT met'} |", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
