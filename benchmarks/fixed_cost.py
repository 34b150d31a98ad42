"""The fixed cost per training step of traindoctor's hooks, on a model so small that its tensors cost nothing.

The overhead ratios of ``overhead.py`` and ``debugger_overhead.py`` move by several percent from run to run
on a shared 2-core VM, more than most single changes to the collector are worth. What a step pays whatever
the model's size (Python in the hooks, the dispatch of each small kernel, the bookkeeping) shows more
steadily on a tiny MLP (16-16-16-10, batch 8, one intra-op thread): there the plain step is about 0.4 ms,
and the microseconds each configuration adds to it are mostly that fixed cost. Use it to compare two
versions of the collector (the hooks' and the recording's figures move by ~15 us between runs, the
watchpoints' by up to ~100 us: run each version several times); the ratios that the targets speak of
stay ``overhead.py``'s.

Configurations, interleaved as in ``overhead.py`` (set up once, warmed up, then blocks of ``--steps``
steps in a new random order each round): the plain step; ``bare`` (the hooks installed, nothing
recorded: no weights, gradients, updates, activations, full statistics, histograms or batches);
the default recording; the recording with the recommended watchpoints. Printed: the median block's
step time and what it adds to the plain step's, in microseconds.

    python benchmarks/fixed_cost.py [--rounds 30] [--steps 50]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from overhead import Baseline, TrainDoctor, interleaved, make_step  # noqa: E402

#: every recorded part switched off (a budget so small that the part runs only on the first steps)
BARE = dict(activations=False, weights=False, grads=False, updates=False, stats_budget=1e-9,
            histogram_budget=1e-9, batch_budget=1e-9)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=200)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 10))
    x, y = torch.randn(8, 16), torch.randint(0, 10, (8,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    step = make_step(model, opt, x, y, "cpu")
    configs = [Baseline(), TrainDoctor("bare (hooks only)", **BARE), TrainDoctor("default recording"),
               TrainDoctor("recording + recommended watchpoints", ["recommended"])]
    with tempfile.TemporaryDirectory() as tmp:
        blocks = interleaved(step, model, configs, tmp, args.rounds, args.steps, args.warmup, random.Random(0))
    print(f"torch {torch.__version__}, 1 thread, MLP 16-16-16-10 batch 8, {args.rounds} rounds x {args.steps} steps\n")
    print("| configuration | step | added per step |\n|---|---|---|")
    for c in configs:
        med = statistics.median(b[c.name] for b in blocks)
        added = statistics.median(b[c.name] - b["baseline"] for b in blocks)
        print(f"| {c.name} | {med * 1e6:.0f} us | {'' if c.name == 'baseline' else f'{added * 1e6:+.0f} us'} |")


if __name__ == "__main__":
    main()
