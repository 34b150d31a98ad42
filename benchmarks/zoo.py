"""The fault zoo: every script through ``traindoctor run`` and ``traindoctor doctor``, scored per checklist id.

``benchmarks/zoo/faults/<id>__<variant>.py`` must get ``<id>`` among the top findings
(hit@k counts warning and error findings only: an info note is not a diagnosis);
``benchmarks/zoo/healthy/*.py`` must get no warning or error at all. Prints hit@1,
hit@3 and false alarms per id (the ids of the alarms raised on healthy scripts). Usage::

    python benchmarks/zoo.py [--workers 2] [--only SUBSTRING] [--logdir DIR] [--json OUT] [--no-run]
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ZOO = os.path.join(HERE, "zoo")
BIN = os.path.dirname(sys.executable)
TRAINDOCTOR = os.path.join(BIN, "traindoctor") if os.path.exists(os.path.join(BIN, "traindoctor")) else "traindoctor"


def run_one(script: str, logdir: str, timeout: float, record: bool = True) -> dict:
    name = os.path.splitext(os.path.basename(script))[0]
    kind = os.path.basename(os.path.dirname(script))
    t0 = time.time()
    out = {"script": os.path.relpath(script, ZOO), "name": name, "kind": kind,
           "expected": name.split("__")[0] if kind == "faults" else None}
    try:
        if record:
            subprocess.run([TRAINDOCTOR, "run", "--logdir", logdir, "--name", name, "--overwrite", "--no-summary",
                            script], capture_output=True, text=True, timeout=timeout, cwd=os.path.dirname(script))
        rep = subprocess.run([TRAINDOCTOR, "doctor", os.path.join(logdir, name), "--format", "json"],
                             capture_output=True, text=True, timeout=timeout)
        report = json.loads(rep.stdout)
        out["findings"] = [{"id": f["id"], "severity": f["severity"], "confidence": f["confidence"],
                            "location": f.get("location"), "step": f.get("step"), "title": f["title"],
                            "kind": f.get("kind"), "explains": f.get("explains", [])}
                           for f in report["findings"]]
    except Exception as exc:  # a broken script is a miss, reported, not a crash of the benchmark
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["findings"] = []
    out["seconds"] = round(time.time() - t0, 1)
    return out


def score(results: list[dict]) -> dict:
    per_id: dict[str, dict] = {}
    for r in results:
        alarms = [f for f in r["findings"] if f["severity"] in ("warning", "error")]
        if r["kind"] == "faults":
            ids = [f["id"] for f in alarms]
            row = per_id.setdefault(r["expected"], {"scripts": 0, "hit1": 0, "hit3": 0, "false_alarms": 0})
            row["scripts"] += 1
            row["hit1"] += r["expected"] in ids[:1]
            # a symptom script whose report leads with a cause naming that symptom in ``explains``: the
            # ranking DESIGN.md asks for (causes above the symptoms they explain), counted apart
            top = alarms[0] if alarms else None
            row["cause_first"] = row.get("cause_first", 0) + bool(
                top is not None and top["id"] != r["expected"] and top.get("kind") == "cause"
                and r["expected"] in top.get("explains", []))
            row["hit3"] += r["expected"] in ids[:3]
        else:
            for f in alarms:
                row = per_id.setdefault(f["id"], {"scripts": 0, "hit1": 0, "hit3": 0, "false_alarms": 0})
                row["false_alarms"] += 1
    faults = [r for r in results if r["kind"] == "faults"]
    healthy = [r for r in results if r["kind"] == "healthy"]
    total = {"fault_scripts": len(faults), "healthy_scripts": len(healthy),
             "hit1": sum(v["hit1"] for v in per_id.values()), "hit3": sum(v["hit3"] for v in per_id.values()),
             "cause_first": sum(v.get("cause_first", 0) for v in per_id.values()),
             "false_alarms": sum(v["false_alarms"] for v in per_id.values()),
             "healthy_with_alarms": sum(1 for r in healthy if any(f["severity"] in ("warning", "error")
                                                                   for f in r["findings"]))}
    return {"per_id": per_id, "total": total}


def print_table(results: list[dict], scored: dict) -> None:
    print(f"{'id':32} {'scripts':>7} {'hit@1':>6} {'hit@3':>6} {'false alarms':>12}")
    for cid in sorted(scored["per_id"]):
        v = scored["per_id"][cid]
        print(f"{cid:32} {v['scripts']:>7} {v['hit1']:>6} {v['hit3']:>6} {v['false_alarms']:>12}")
    t = scored["total"]
    n = max(t["fault_scripts"], 1)
    print(f"\nfault scripts: {t['fault_scripts']}  hit@1 {t['hit1']}/{n} = {t['hit1'] / n:.1%}  "
          f"hit@3 {t['hit3']}/{n} = {t['hit3'] / n:.1%}")
    both = t["hit1"] + t["cause_first"]
    print(f"  led by the expected id, or by a cause whose `explains` names it: {both}/{n} = {both / n:.1%} "
          f"({t['cause_first']} symptom scripts led by their cause)")
    print(f"healthy scripts: {t['healthy_scripts']}  with a warning or error: {t['healthy_with_alarms']}  "
          f"(false alarms: {t['false_alarms']})")
    misses = [r for r in results if r["kind"] == "faults" and r["expected"] not in
              [f["id"] for f in r["findings"] if f["severity"] in ("warning", "error")][:1]]
    for r in misses:
        top = [f"{f['id']}({f['severity'][0]},{f['confidence']})" for f in r["findings"][:3]]
        print(f"  miss@1 {r['name']}: {' '.join(top) or r.get('error', 'no findings')}")
    for r in results:
        if r["kind"] == "healthy":
            for f in r["findings"]:
                if f["severity"] in ("warning", "error"):
                    print(f"  false alarm {r['name']}: {f['id']} {f['severity']}: {f['title']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="", help="run scripts whose path contains this")
    ap.add_argument("--logdir", default=None)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--json", default=None, help="write the per-script results here")
    ap.add_argument("--no-run", action="store_true",
                    help="diagnose the runs already in --logdir again (after a change to the checks) without "
                         "re-running the scripts")
    args = ap.parse_args()
    scripts = sorted(glob.glob(os.path.join(ZOO, "faults", "*.py"))) + \
        sorted(glob.glob(os.path.join(ZOO, "healthy", "*.py")))
    scripts = [s for s in scripts if args.only in os.path.relpath(s, ZOO)]
    logdir = args.logdir or tempfile.mkdtemp(prefix="tdzoo-")
    with ThreadPoolExecutor(args.workers) as pool:
        results = list(pool.map(lambda s: run_one(s, logdir, args.timeout, not args.no_run), scripts))
    scored = score(results)
    print_table(results, scored)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results, "score": scored}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
