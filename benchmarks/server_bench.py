"""Dashboard server benchmark: chart data for a 1,000,000-point tag vs a 1,000-point tag, and listing 1,000 runs.

Targets (issue 4): the chart-data request for a 1M-point scalar tag returns at most a
few thousand points per series in under 100 ms, within 3x of the same request for a
1,000-point tag; a log directory of 1,000 runs lists in under 1 s. Requests go over
real HTTP to uvicorn on 127.0.0.1. Exit status 1 when a target is missed.

    python benchmarks/server_bench.py [--repeats 30] [--runs 1000]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import httpx
import numpy as np

from _serve import RESULTS, ThreadServer, noisy_loss, write_scalar_run


def timed(client: httpx.Client, path: str, params) -> tuple[float, dict]:
    t = time.perf_counter()
    r = client.get(path, params=params)
    dt = time.perf_counter() - t
    r.raise_for_status()
    return dt, r.json()


def bench_scalars(tmp: str, repeats: int) -> dict:
    from traindoctor.server.app import create_app

    n_big, n_small = 1_000_000, 1_000
    write_scalar_run(os.path.join(tmp, "scalars", "big"),
                     {"train/loss": noisy_loss(n_big, spike_at=777_777), "eval/loss": noisy_loss(n_small, seed=1)})
    out = {}
    with ThreadServer(create_app(os.path.join(tmp, "scalars"))) as srv, httpx.Client(base_url=srv.url, timeout=30) as c:
        cold, _ = timed(c, "/api/scalars", {"run": "big", "tag": "train/loss"})
        out["cold_first_request_ms"] = cold * 1000  # opening and decoding the run
        rng = np.random.default_rng(0)
        cases = {
            "1M_full": lambda: {"run": "big", "tag": "train/loss"},
            "1M_zoom_10pct": lambda: (lambda a: {"run": "big", "tag": "train/loss", "lo": a, "hi": a + 100_000})(
                int(rng.integers(0, n_big - 100_000))),
            "1k_full": lambda: {"run": "big", "tag": "eval/loss"},
            "1M_full_4000pts": lambda: {"run": "big", "tag": "train/loss", "points": 4000},  # the most a page asks for
        }
        for name, params in cases.items():
            times, points, spike = [], 0, None
            for _ in range(repeats):
                dt, body = timed(c, "/api/scalars", params())
                times.append(dt * 1000)
                s = body["series"][0]
                points = max(points, len(s["x"]))
                if name == "1M_full":
                    spike = max(v for v in s["value"] if v is not None)
            out[name] = {"median_ms": statistics.median(times), "p95_ms": float(np.percentile(times, 95)),
                         "max_points_per_series": points, **({"max_value": spike} if spike is not None else {})}
    out["ratio_1M_to_1k"] = out["1M_full"]["median_ms"] / out["1k_full"]["median_ms"]
    out["pass"] = bool(out["1M_full"]["median_ms"] < 100 and out["1M_zoom_10pct"]["median_ms"] < 100
                       and out["ratio_1M_to_1k"] <= 3 and out["1M_full_4000pts"]["median_ms"] < 100
                       and out["1M_full_4000pts"]["max_points_per_series"] <= 4000
                       and out["1M_full"]["max_value"] == 1e3)
    return out


def bench_list(tmp: str, runs: int) -> dict:
    from traindoctor.server.app import create_app

    logdir = os.path.join(tmp, "many")
    t = time.perf_counter()
    for i in range(runs):
        write_scalar_run(os.path.join(logdir, f"group{i // 100}", f"run{i:04d}"),
                         {"train/loss": noisy_loss(500, seed=i), "eval/acc": noisy_loss(20, seed=i)})
    written = time.perf_counter() - t
    with ThreadServer(create_app(logdir)) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        cold, body = timed(c, "/api/runs", None)
        warm = [timed(c, "/api/runs", None)[0] for _ in range(5)]
    assert len(body["runs"]) == runs, len(body["runs"])
    out = {"runs": runs, "write_s": written, "cold_list_ms": cold * 1000, "warm_list_ms": statistics.median(warm) * 1000}
    out["pass"] = bool(cold < 1.0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--runs", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="td-server-bench-") as tmp:
        result = {"scalars": bench_scalars(tmp, args.repeats), "list": bench_list(tmp, args.runs)}
    s, l = result["scalars"], result["list"]
    print("dashboard server benchmark (HTTP to 127.0.0.1)")
    for k in ("1M_full", "1M_zoom_10pct", "1k_full", "1M_full_4000pts"):
        print(f"  scalars {k:14s} median {s[k]['median_ms']:7.1f} ms  p95 {s[k]['p95_ms']:7.1f} ms  "
              f"points/series {s[k]['max_points_per_series']}")
    print(f"  first request (cold open of the 1M-point run) {s['cold_first_request_ms']:.0f} ms")
    print(f"  ratio 1M/1k {s['ratio_1M_to_1k']:.2f} (target <= 3), spike kept: {s['1M_full']['max_value'] == 1e3}"
          f"  -> {'PASS' if s['pass'] else 'FAIL'}")
    print(f"  list {l['runs']} runs: cold {l['cold_list_ms']:.0f} ms, warm {l['warm_list_ms']:.0f} ms (target < 1000)"
          f"  -> {'PASS' if l['pass'] else 'FAIL'}")
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "server_bench.json"), "w") as fh:
        json.dump(result, fh, indent=2)
    return 0 if s["pass"] and l["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
