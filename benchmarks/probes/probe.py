"""Run and score a probe set: blind fault and healthy scripts with their expected ids in INDEX.md.

    python3 benchmarks/probes/probe.py run M [RUNS]     # record and diagnose every script, one at a time
    python3 benchmarks/probes/probe.py score M [RUNS]   # hit@1 / hit@3 / false alarms against INDEX.md
    python3 benchmarks/probes/probe.py run M --only h   # record only the scripts whose name starts with h

A probe is a folder of ``fNN.py`` (one silent slip each, ``fixed/fNN.diff`` its fix) and ``hNN.py`` (healthy)
with an INDEX.md whose tables give each script's expected ids (backticked checklist ids) and its target
(``val_acc=0.93`` in the target column). RUNS defaults to /tmp/probe<NAME>-runs. Scripts run with
OMP_NUM_THREADS=1: on two busy cores, two OpenMP threads ran them 5-10x slower than one.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TD = os.environ.get("TD", str(HERE.parents[1] / ".venv" / "bin" / "traindoctor"))


def scripts(probe: Path) -> dict[str, dict]:
    """``{script: {"expected": [ids], "target": "val_acc=0.93" | None}}`` from the probe's INDEX.md tables."""
    out = {}
    for line in (probe / "INDEX.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells or not re.fullmatch(r"[fh]\d\d\.py", cells[0]):
            continue
        fault = cells[0].startswith("f")
        expected = re.findall(r"`([a-z_]+\.[a-z_]+)`", cells[4]) if fault else []
        col = cells[5:6] if fault else cells[4:5]  # the healthy table has no "line" column
        target = next((m.group(0) for c in col for m in [re.search(r"\w+=[0-9.]+", c)] if m), None)
        out[cells[0]] = {"expected": expected, "target": target}
    return out


def run(probe: Path, runs: Path, only: str = "") -> None:
    runs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for script, info in scripts(probe).items():
        if not script.startswith(only):
            continue
        name = script[:-3]
        start = time.time()
        target = ["--target", info["target"]] if info["target"] else []
        with open(runs / f"{name}.out", "w") as out:
            rc = subprocess.call([TD, "run", "--logdir", str(runs), "--name", name, "--overwrite", "--no-summary",
                                  *target, script],
                                 cwd=probe, stdout=out, stderr=subprocess.STDOUT, env=env)
        with open(runs / f"{name}.json", "w") as out:
            subprocess.call([TD, "doctor", str(runs / name), "--format", "json"], stdout=out, env=env)
        print(f"{script}: exit {rc} in {time.time() - start:.0f} s", flush=True)


def score(probe: Path, runs: Path) -> None:
    n1 = n3 = nmiss = nf = nh = alarms = 0
    for script, info in sorted(scripts(probe).items()):
        name, want = script[:-3], info["expected"]
        fault = script.startswith("f")
        nf, nh = nf + fault, nh + (not fault)
        try:
            rep = json.loads((runs / f"{name}.json").read_text())
        except (OSError, ValueError) as e:
            print(f"{script}: no report ({e.__class__.__name__})")
            nmiss, alarms = nmiss + fault, alarms + (not fault)
            continue
        real = [f for f in rep.get("findings", []) if f.get("severity") != "info"]
        ids = [f["id"] for f in real]
        verdict = (rep.get("accuracy") or {}).get("verdict") or ""
        if fault:
            if ids[:1] and ids[0] in want:
                res = "hit@1"; n1 += 1; n3 += 1
            elif any(i in want for i in ids[:3]):
                res = "hit@3"; n3 += 1
            else:
                res = "miss"; nmiss += 1
            print(f"{script}: {res:6s} expected {', '.join(want)}")
        else:
            alarms += bool(real)
            print(f"{script}: " + (f"FALSE ALARM ({len(real)})" if real else "clean"))
        for f in real[:3]:
            print(f"    [{f['severity']}] {f['id']}: {(f.get('title') or '')[:100]}")
        if fault and not real:
            print("    (no warning/error findings)")
        print(f"    verdict: {verdict[:100]}")
    print(f"\nfaults: {nf}  hit@1 {n1}/{nf}  hit@3 {n3}/{nf}  miss {nmiss}/{nf}")
    print(f"healthy: {nh}  with false alarms {alarms}/{nh}")


def main(argv: list[str]) -> int:
    only = ""
    if "--only" in argv:
        i = argv.index("--only")
        only, argv = argv[i + 1] if i + 1 < len(argv) else "", argv[:i] + argv[i + 2:]
    if len(argv) < 2 or argv[0] not in ("run", "score"):
        print(__doc__)
        return 2
    probe = (HERE / argv[1]).resolve() if (HERE / argv[1]).is_dir() else Path(argv[1]).resolve()
    if not (probe / "INDEX.md").is_file():
        print(f"probe.py: {probe}: no INDEX.md (a probe folder holds fNN.py, hNN.py and INDEX.md)")
        return 2
    runs = Path(argv[2]) if len(argv) > 2 else Path(f"/tmp/probe{probe.name}-runs")
    run(probe, runs, only) if argv[0] == "run" else score(probe, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
