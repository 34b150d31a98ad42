"""The report object: what ``doctor`` says about a run, in every format."""
from __future__ import annotations

import json
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
    accuracy = assess_accuracy(ctx, findings)
    return Report(run, findings, outcomes, accuracy, warnings)
