"""Load test: concurrent dashboard clients polling a live run, the way open browser tabs do.

A real training run (``tests/server/train_small.py`` under ``traindoctor run``) keeps
writing while ``traindoctor serve`` (its own process, 127.0.0.1 only) answers N clients.
Each client polls ``/api/version`` every second and, when the run changed, fetches what
the Scalars panel fetches (the run, the loss chart) and, every few polls, the runs list.
Any non-200 answer or transport error counts as an error; the exit status is 1 if there
was one.

    python benchmarks/load_test.py [--clients 50] [--duration 60]
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import httpx

from _serve import RESULTS, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "tests", "server", "train_small.py")


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.updates = 0


async def client_loop(i: int, base: str, stop_at: float, stats: Stats) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        version, polls = None, 0
        await asyncio.sleep(i * 1.0 / 50)  # tabs are not opened in the same millisecond
        while time.monotonic() < stop_at:
            requests = [("/api/version", {"run": "live"})]
            polls += 1
            if polls % 5 == 1:
                requests.append(("/api/runs", None))
            for path, params in requests:
                body = await fetch(c, path, params, stats)
                if path == "/api/version" and body is not None and body.get("version") != version:
                    version = body.get("version")
                    stats.updates += 1
                    await fetch(c, "/api/run", {"run": "live"}, stats)
                    await fetch(c, "/api/scalars", {"run": "live", "tag": "train/loss"}, stats)
            await asyncio.sleep(1.0)


async def fetch(c: httpx.AsyncClient, path: str, params, stats: Stats):
    t = time.perf_counter()
    try:
        r = await c.get(path, params=params)
    except httpx.HTTPError as exc:
        stats.errors.append(f"{path}: {type(exc).__name__}: {exc}")
        return None
    stats.latencies.append(time.perf_counter() - t)
    if r.status_code != 200:
        stats.errors.append(f"{path}: HTTP {r.status_code} {r.text[:200]}")
        return None
    return r.json()


def wait_for(url: str, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of polling")
    args = ap.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    host = urllib.parse.urlsplit(base).hostname
    assert ipaddress.ip_address(host).is_loopback, "the load test only talks to this machine"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory(prefix="td-load-") as logdir:
        trainer = subprocess.Popen([sys.executable, "-m", "traindoctor", "run", "--logdir", logdir, "--name", "live",
                                    "--no-summary", SCRIPT, "--steps", "100000000", "--sleep", "0.02"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        server = subprocess.Popen([sys.executable, "-m", "traindoctor", "serve", logdir, "--host", "127.0.0.1",
                                   "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        try:
            wait_for(f"{base}/api/runs", 60)
            deadline = time.time() + 60
            while time.time() < deadline and httpx.get(f"{base}/api/version", params={"run": "live"}).status_code != 200:
                time.sleep(0.2)
            first = httpx.get(f"{base}/api/version", params={"run": "live"}).json()
            stats = Stats()
            t0 = time.monotonic()

            async def everyone() -> None:
                await asyncio.gather(*(client_loop(i, base, t0 + args.duration, stats) for i in range(args.clients)))

            asyncio.run(everyone())
            elapsed = time.monotonic() - t0
            last = httpx.get(f"{base}/api/version", params={"run": "live"}).json()
        finally:
            trainer.terminate()
            server.terminate()
            trainer.wait(60)
            server.wait(60)
    lat = sorted(stats.latencies)
    result = {"clients": args.clients, "duration_s": elapsed, "requests": len(lat), "errors": len(stats.errors),
              "error_samples": stats.errors[:10], "requests_per_s": len(lat) / elapsed,
              "latency_ms": {"p50": 1000 * statistics.median(lat), "p95": 1000 * lat[int(0.95 * (len(lat) - 1))],
                             "max": 1000 * lat[-1]} if lat else {},
              "live_updates_seen": stats.updates, "steps": [first.get("steps"), last.get("steps")],
              "status_during": first.get("status")}
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "load_test.json"), "w") as fh:
        json.dump(result, fh, indent=2)
    ok = not stats.errors and last.get("steps", 0) > first.get("steps", 0) and stats.updates >= args.clients
    print(f"load test: {args.clients} clients polling a live run for {elapsed:.0f} s (127.0.0.1)")
    print(f"  {len(lat)} requests ({result['requests_per_s']:.0f}/s), {len(stats.errors)} errors, "
          f"latency p50 {result['latency_ms'].get('p50', 0):.1f} ms p95 {result['latency_ms'].get('p95', 0):.1f} ms "
          f"max {result['latency_ms'].get('max', 0):.0f} ms")
    print(f"  the run went from step {first.get('steps')} to {last.get('steps')} ({first.get('status')}); "
          f"clients saw {stats.updates} updates  -> {'PASS' if ok else 'FAIL'}")
    for e in stats.errors[:5]:
        print("  error:", e)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
