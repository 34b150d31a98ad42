"""Where traindoctor makes the host wait for a CUDA device during training.

A host synchronisation on the training thread (``.item()``, ``.tolist()``, ``bool(tensor)``, a
device-to-host copy, ``nonzero``) drains the GPU's queue: the device idles while Python launches the next
kernels, and the step gets slower by about the time it takes to refill it. The collector and the debugger
must do none on the training thread in the steady state; the background writer's copies are fine (they
wait on their own thread).

This script trains the overhead benchmark's reference models on the GPU with PyTorch's sync debug mode
("warn"), and prints each synchronising call site by thread: the innermost traindoctor frame (or the
user's line when none), how many times per step it ran, and the warning. The steps before
``--warmup`` are not counted (traindoctor's first steps are full steps that read more).

    python benchmarks/gpu_syncs.py [--steps 40] [--warmup 60] [--json OUT]
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import sys
import tempfile
import threading
import traceback
import warnings
from typing import Iterator

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from overhead import MODELS, make_step  # noqa: E402

SYNC_WORDS = ("synchroniz",)


def _site(stack: list[traceback.FrameSummary]) -> str:
    ours = [f for f in stack if f"{os.sep}traindoctor{os.sep}" in f.filename and "warnings" not in f.filename]
    f = ours[-1] if ours else (stack[-1] if stack else None)
    if f is None:
        return "?"
    path = f.filename.split(f"{os.sep}traindoctor{os.sep}", 1)[-1] if ours else os.path.basename(f.filename)
    return f"{'traindoctor/' if ours else ''}{path}:{f.lineno} ({f.name})"


@contextlib.contextmanager
def sync_sites() -> Iterator[collections.Counter]:
    """Inside the block, count the synchronising CUDA calls by (thread name, call site, message)."""
    counts: collections.Counter = collections.Counter()
    lock = threading.Lock()
    old_show, old_filters = warnings.showwarning, list(warnings.filters)

    def show(message, category, filename, lineno, file=None, line=None):
        text = str(message)
        if not any(w in text for w in SYNC_WORDS):
            return old_show(message, category, filename, lineno, file, line)
        key = (threading.current_thread().name, _site(traceback.extract_stack()[:-1]), text.split("\n")[0][:80])
        with lock:
            counts[key] += 1

    warnings.showwarning = show
    warnings.simplefilter("always")
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("warn")
    try:
        yield counts
    finally:
        torch.cuda.set_sync_debug_mode(0)
        warnings.showwarning = old_show
        warnings.filters[:] = old_filters


def train_thread_sites(counts: collections.Counter) -> dict[str, int]:
    """The call sites on the training (main) thread inside traindoctor, with their counts."""
    return {site: n for (thread, site, _), n in counts.items()
            if thread == threading.main_thread().name and site.startswith("traindoctor/")}


def check(model_name: str, watch: list[str], steps: int, warmup: int, tmp: str) -> collections.Counter:
    from traindoctor.collect.torch import CollectOptions, Collector

    torch.manual_seed(0)
    model, (x, y) = MODELS[model_name]()
    model, x, y = model.cuda(), x.cuda(), y.cuda()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    c = Collector(f"{tmp}/td-{model_name}-{len(watch)}", options=CollectOptions(watch=list(watch)))
    c.install()
    c.watch_model(model)
    step = make_step(model, opt, x, y, "cuda")  # nothing in it waits for the device

    try:
        for _ in range(warmup):
            step()
        with sync_sites() as counts:
            for _ in range(steps):
                step()
            torch.cuda.synchronize()
    finally:
        c.close()
    return counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--json")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu_syncs: no CUDA device here")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            for watch in ([], ["recommended"]):
                counts = check(name, watch, args.steps, args.warmup, tmp)
                label = f"{name}, {'recording + recommended watchpoints' if watch else 'recording'}"
                train = sum(train_thread_sites(counts).values())
                print(f"\n## {label}: {train / args.steps:.2f} synchronisations per step on the training thread")
                for (thread, site, msg), n in sorted(counts.items(), key=lambda kv: -kv[1]):
                    print(f"  {n / args.steps:6.2f}/step  [{thread}] {site}  {msg}")
                    out.append({"model": name, "watch": watch, "thread": thread, "site": site, "message": msg,
                                "per_step": n / args.steps})
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)


if __name__ == "__main__":
    main()
