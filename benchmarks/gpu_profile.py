"""Where traindoctor's time goes on a GPU: the device time per step of the kernels the recording adds.

For each reference model (its batch doubled until a plain step takes ``--min-step-ms``, as in
``overhead.py``), ``--steps`` steady-state steps are profiled with ``torch.profiler`` plain, with the
default recording, and with the recommended watchpoints. Printed: the device (kernel) time and the wall
time per step, the full statistics' interval the collector chose, and the kernels whose time grew most.

With ``--host``, the training thread's Python profile (cProfile, by own time) of the recording instead:
where the host's time per step goes when the GPU waits for it.

    python benchmarks/gpu_profile.py [--steps 40] [--warmup 60] [--models ...] [--host]
"""
from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import os
import sys
import tempfile
import time

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from overhead import MODELS, at_least, make_step  # noqa: E402


def kernels(step, steps: int) -> tuple[dict[str, float], float]:
    """Device time per step by kernel name (µs), and the wall time per step (ms)."""
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        t = time.perf_counter()
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
        wall = (time.perf_counter() - t) / steps * 1e3
    out: dict[str, float] = collections.defaultdict(float)
    for e in prof.key_averages():
        dev = getattr(e, "self_device_time_total", None)
        if dev is None:
            dev = getattr(e, "self_cuda_time_total", 0.0)
        if dev:
            out[e.key[:90]] += dev / steps
    return out, wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--min-step-ms", type=float, default=10.0)
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--host", action="store_true", help="profile the training thread's Python instead")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu_profile: no CUDA device here")
    from traindoctor.collect.torch import CollectOptions, Collector

    if args.host:
        with tempfile.TemporaryDirectory() as tmp:
            for name in args.models:
                model, x, y, _ = at_least(MODELS[name], "cuda", args.min_step_ms)
                opt = torch.optim.Adam(model.parameters(), lr=1e-4)
                step = make_step(model, opt, x, y, "cuda")
                c = Collector(f"{tmp}/{time.monotonic_ns()}", options=CollectOptions()).install()
                c.watch_model(model)
                try:
                    for _ in range(args.warmup):
                        step()
                    prof = cProfile.Profile()
                    prof.enable()
                    for _ in range(args.steps):
                        step()
                    prof.disable()
                    torch.cuda.synchronize()
                finally:
                    c.close()
                print(f"\n## {name}, batch {x.shape[0]}: the recording's training thread, {args.steps} steps")
                pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return

    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            model, x, y, _ = at_least(MODELS[name], "cuda", args.min_step_ms)
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
            step = make_step(model, opt, x, y, "cuda")
            for _ in range(10):
                step()
            base, base_wall = kernels(step, args.steps)
            total = sum(base.values())
            print(f"\n## {name}, batch {x.shape[0]}: plain {total / 1e3:.2f} ms device, {base_wall:.2f} ms wall per step")
            for watch in ([], ["recommended"]):
                c = Collector(f"{tmp}/{time.monotonic_ns()}", options=CollectOptions(watch=watch)).install()
                c.watch_model(model)
                try:
                    for _ in range(args.warmup):
                        step()
                    got, wall = kernels(step, args.steps)
                    every = c._full_every
                finally:
                    c.close()
                added = sum(got.values()) - total
                print(f"### {'recommended watchpoints' if watch else 'recording'}: +{added / 1e3:.3f} ms device "
                      f"({added / total * 100:.1f}%), {wall:.2f} ms wall ({wall / base_wall:.3f}x); full statistics "
                      f"every {every} steps")
                grown = sorted(((v - base.get(k, 0.0), k) for k, v in got.items()), reverse=True)[:12]
                for d, k in grown:
                    if d > 1.0:
                        print(f"    {d:8.1f} us/step  {k}")


if __name__ == "__main__":
    main()
