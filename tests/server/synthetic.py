"""Synthetic runs written with the real writer: big scalar tags and many runs, for API tests and benchmarks."""
from __future__ import annotations

import os
import time

import numpy as np

from traindoctor.record import StreamWriter


def write_scalar_run(run_dir: str, tags: dict[str, np.ndarray], *, block: int = 100_000, end: bool = True,
                     name: str | None = None) -> None:
    """A run whose scalar tags hold the given values at steps 0..n-1 (written in column blocks)."""
    os.makedirs(run_dir, exist_ok=True)
    w = StreamWriter(os.path.join(run_dir, "rank0.tdr"), max_queue=1 << 16)
    t0 = time.time()
    w.put_json({"kind": "meta", "name": name or os.path.basename(run_dir), "start_time": t0, "pid": 0,
                "hostname": "synthetic", "format": 1})
    names = list(tags)
    for i, tag in enumerate(names):
        values = np.asarray(tags[tag], np.float64)
        for a in range(0, len(values), block):
            v = values[a:a + block]
            step = np.arange(a, a + len(v), dtype=np.int64)
            w.put_block("scalars", {"step": step, "tag": np.full(len(v), i, np.int32), "value": v,
                                    "wall": t0 + step * 0.01}, {"tags": names})
    if end:
        w.put_json({"kind": "end", "status": "finished", "exit_code": 0, "time": t0 + len(values) * 0.01})
    w.close()


def noisy_loss(n: int, spike_at: int | None = None, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = 2.0 * np.exp(-np.arange(n) / max(n / 5, 1)) + 0.05 * rng.standard_normal(n) + 0.1
    if spike_at is not None:
        v[spike_at] = 1e3
    return v


def write_histogram_run(run_dir: str, key: str = "fc.weight", steps=(0, 10, 20), bins: int = 8) -> None:
    """A run holding only weight histograms (what a TensorBoard log may give): no per-step tables."""
    os.makedirs(run_dir, exist_ok=True)
    w = StreamWriter(os.path.join(run_dir, "rank0.tdr"))
    w.put_json({"kind": "meta", "name": os.path.basename(run_dir), "start_time": time.time(), "pid": 0,
                "hostname": "synthetic"})
    n = len(steps)
    w.put_block("hist", {"step": np.asarray(steps, np.int64), "key": np.zeros(n, np.int32),
                         "kind": np.zeros(n, np.int32), "edges": np.tile(np.linspace(-1, 1, bins + 1), (n, 1)),
                         "counts": np.ones((n, bins))}, {"keys": [key], "kinds": ["weight"]})
    w.put_json({"kind": "end", "status": "finished", "exit_code": 0, "time": time.time()})
    w.close()
