"""Score traindoctor's JSON reports in runs/ against the expected ids in INDEX.md."""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RUNS = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/probeO-runs")

def expected_ids():
    exp = {}
    for line in (ROOT / "INDEX.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells or not re.fullmatch(r"[fh]\d\d\.py", cells[0]):
            continue
        exp[cells[0]] = re.findall(r"`([a-z_]+\.[a-z_]+)`", cells[4]) if cells[0].startswith("f") else []
    return exp

def main():
    exp = expected_ids()
    n1 = n3 = nmiss = nf = nh = alarms = 0
    for script in sorted(exp):
        name = script[:-3]
        try:
            rep = json.loads((RUNS / f"{name}.json").read_text())
        except Exception as e:
            print(f"{script}: no report ({e.__class__.__name__})")
            if script.startswith("f"):
                nf += 1; nmiss += 1
            else:
                nh += 1; alarms += 1
            continue
        findings = rep.get("findings", [])
        ranked = [f for f in findings if f.get("severity") != "info"]
        verdict = (rep.get("accuracy") or {}).get("verdict", "") or ""
        top = ranked[:3]
        if script.startswith("f"):
            nf += 1
            want = exp[script]
            ids = [f["id"] for f in top]
            if ids and ids[0] in want:
                res = "hit@1"; n1 += 1; n3 += 1
            elif any(i in want for i in ids):
                res = "hit@3"; n3 += 1
            else:
                res = "miss"; nmiss += 1
            print(f"{script}: {res}   expected {', '.join(want)}")
            for f in top:
                print(f"    [{f['severity']}] {f['id']}: {(f.get('title') or '')[:100]}")
            if not top:
                print("    (no warning/error findings)")
            print(f"    verdict: {verdict[:100]}")
        else:
            nh += 1
            bad = [f for f in findings if f.get("severity") in ("warning", "error")]
            if bad:
                alarms += 1
                print(f"{script}: FALSE ALARM ({len(bad)})")
                for f in bad:
                    print(f"    [{f['severity']}] {f['id']}: {(f.get('title') or '')[:100]}")
            else:
                print(f"{script}: clean")
            print(f"    verdict: {verdict[:100]}")
    print()
    print(f"faults: {nf}  hit@1 {n1}/{nf}  hit@3 {n3}/{nf}  miss {nmiss}/{nf}")
    print(f"healthy: {nh}  with false alarms {alarms}/{nh}")

if __name__ == "__main__":
    main()
