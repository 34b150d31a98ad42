"""The report object: what ``doctor`` says about a run, in every format."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from ..checks import ids
from ..checks.base import Finding, Outcome, _clean
from ..checks.diagnose import run_checks
from ..record.run import Run

SCHEMA = "traindoctor.report/1"


@dataclass
class Report:
    run: Run
    findings: list[Finding]
    outcomes: dict[str, Outcome]
    accuracy: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def run_json(self) -> dict[str, Any]:
        info = self.run.info()
        return {"name": info.name, "path": info.path, "source": info.source, "steps": info.steps,
                "status": info.status}

    def checklist(self) -> list[dict[str, Any]]:
        out = []
        for cid in ids.ALL_IDS:
            o = self.outcomes.get(cid) or Outcome.not_checked("no check for this item ran")
            out.append({"id": cid, "status": o.status, "note": o.note})
        return out

    def to_json(self) -> dict[str, Any]:
        data = {"schema": SCHEMA, "run": self.run_json, "findings": [f.to_json() for f in self.findings],
                "checklist": self.checklist()}
        if self.accuracy:
            data["accuracy"] = _clean(self.accuracy)
        if self.warnings:
            data["warnings"] = list(self.warnings)
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, allow_nan=False)

    @property
    def failed(self) -> list[str]:
        """The checks that raised instead of giving an outcome (a traindoctor bug; listed in the warnings)."""
        return [cid for cid, o in self.outcomes.items() if o.note.startswith("check failed:")]

    def top(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    @property
    def worst(self) -> str:
        sev = {f.severity for f in self.findings}
        return "error" if "error" in sev else "warning" if "warning" in sev else "info" if sev else "ok"


def diagnose(run: Run | str) -> Report:
    """Run every check over ``run`` (a :class:`Run` or a path) and return the :class:`Report`."""
    from ..record import open_run
    from .accuracy import assess_accuracy

    if isinstance(run, str):
        run = open_run(run)
    findings, outcomes, ctx = run_checks(run)
    warnings = list(run.warnings)
    dropped = getattr(run, "dropped", 0)
    if dropped:
        warnings.append(f"{dropped} records were dropped by the collector's queue (the disk could not keep up); "
                        "statistics around them are missing")
    for check, error in ctx.failed:
        warnings.append(f"the check {check} failed ({error}); its result is missing. This is a traindoctor bug: "
                        "TRAINDOCTOR_DEBUG=1 prints the traceback")
    for ev in run.events("internal_error"):
        warnings.append(f"the {ev.get('part')} collector failed at step {ev.get('step')} ({ev.get('error')}) "
                        "and stopped recording")
    crash = _crash(run)
    if crash:
        warnings.insert(0, crash)
    accuracy = assess_accuracy(ctx, findings)
    return Report(run, findings, outcomes, accuracy, warnings)


def _crash(run: Run) -> str | None:
    """One line on a script that ended with an exception: what it raised and where in the script, and the step;
    the findings then cover what was recorded before it."""
    end = next((e for e in reversed(run.events("end")) if e.get("status") == "crashed"), None)
    if end is None:
        return None
    lines = [ln for ln in str(end.get("error") or "").strip().splitlines() if ln.strip()]
    what = lines[-1].strip() if lines else f"exit code {end.get('exit_code')}"
    script = (run.meta or {}).get("script")
    where = None
    for ln in lines:  # the script's innermost frame: the last 'File "<script>", line N' of the traceback
        t = ln.strip()
        if t.startswith("File ") and script and f'"{script}"' in t:
            where = t.split(",")[1].strip() if "," in t else None
    at = f" ({os.path.basename(script)}, {where})" if where and script else ""
    return (f"the script crashed after {end.get('steps', 0)} steps with {what}{at}: the findings cover what was "
            f"recorded before it")
