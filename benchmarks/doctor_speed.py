"""``doctor`` on a recorded run of 100,000 steps (target: under 2 s).

Writes a synthetic run in traindoctor's format with the block layout the collector
uses (per-step loss, learning rate, step time; per-parameter weight, gradient and
update statistics for 8 tensors; activation statistics for 6 modules), then times
reading it and running every check.

    python benchmarks/doctor_speed.py [--steps 100000]
"""
from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

from traindoctor.record import ACTIVATION_FIELDS, TENSOR_FIELDS, UPDATE_FIELDS, StreamWriter


def write_run(path: str, steps: int, block: int = 256) -> None:
    rng = np.random.default_rng(0)
    params = [f"layer{i}.{k}" for i in range(4) for k in ("weight", "bias")]
    modules = [f"layer{i}" for i in range(4)] + ["act0", "act1"]
    w = StreamWriter(f"{path}/rank0.tdr", max_queue=1 << 16)
    w.put_json({"kind": "meta", "name": "big", "pid": 0, "hostname": "elsewhere", "start_time": 0, "target": {}})
    w.put_json({"kind": "model", "root": "Net", "class": "Net", "shared": [], "modules": [
        {"name": m, "class": "Linear" if m.startswith("layer") else "ReLU", "parent": "Net", "training": True,
         "params": [{"name": f"{m}.{k}", "shape": [64, 64] if k == "weight" else [64], "numel": 4096 if k == "weight" else 64,
                     "requires_grad": True} for k in ("weight", "bias") if m.startswith("layer")]} for m in modules]})
    for start in range(0, steps, block):
        s = np.arange(start, min(steps, start + block), dtype=np.int64)
        n = len(s)
        loss = 2.3 * np.exp(-s / steps * 3) + 0.05 * rng.random(n)
        w.put_block("scalars", {"step": np.concatenate([s, s, s]), "tag": np.repeat(np.arange(3, dtype=np.int32), n),
                                "value": np.concatenate([loss, np.full(n, 0.01), np.full(n, 0.02)]),
                                "wall": np.zeros(3 * n)}, {"tags": ["train/loss", "opt0/group0/lr", "perf/step_time"]})
        for table, fields, keys in (("weight", TENSOR_FIELDS, params), ("grad", TENSOR_FIELDS, params),
                                    ("update", UPDATE_FIELDS, params), ("activation", ACTIVATION_FIELDS, modules)):
            k = len(keys)
            vals = rng.random((n * k, len(fields)), dtype=np.float32) * 0.01 + 0.001
            if table != "update":
                vals[:, fields.index("nonfinite")] = 0
            w.put_block(table, {"step": np.repeat(s, k), "key": np.tile(np.arange(k, dtype=np.int32), n),
                                "seq": np.tile(np.arange(k, dtype=np.int32), n), "values": vals},
                        {"keys": keys, "fields": list(fields)})
    w.put_json({"kind": "end", "status": "finished", "exit_code": 0})
    w.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100_000)
    args = ap.parse_args()
    from traindoctor.report import diagnose

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        write_run(tmp, args.steps)
        t_write = time.perf_counter() - t
        t, c = time.perf_counter(), time.process_time()
        report = diagnose(tmp)
        t_doctor, c_doctor = time.perf_counter() - t, time.process_time() - c
    print(f"doctor on a {args.steps:,}-step run: {t_doctor:.2f} s wall, {c_doctor:.2f} s CPU (target < 2 s; "
          f"writing it took {t_write:.1f} s); "
          f"{len(report.findings)} findings, {report.run_json['steps']} steps read")


if __name__ == "__main__":
    main()
