"""Run every check over a run and rank what they found."""
from __future__ import annotations

from typing import Iterable

from ..record.run import Run
from . import ids
from .base import Context, Finding, Outcome, all_checks

SEVERITY_WEIGHT = {"error": 3.0, "warning": 2.0, "info": 1.0}


def run_checks(run: Run, only: Iterable[str] | None = None) -> tuple[list[Finding], dict[str, Outcome], Context]:
    ctx = Context(run)
    outcomes: dict[str, Outcome] = {}
    wanted = set(only) if only else None
    # Symptoms first: cause checks may read which symptoms showed.
    checks = sorted(all_checks(), key=lambda c: ids.kind_of(c.id) != "symptom")
    for cls in checks:
        if wanted and cls.id not in wanted:
            continue
        out = ctx.outcome(cls)
        prev = outcomes.get(cls.id)
        outcomes[cls.id] = _merge(prev, out) if prev else out
        ctx.findings.extend(out.findings)
    return rank(ctx.findings), outcomes, ctx


def _merge(a: Outcome, b: Outcome) -> Outcome:
    order = {"fail": 3, "warn": 2, "pass": 1, "not_checked": 0}
    status = a.status if order[a.status] >= order[b.status] else b.status
    return Outcome(status, a.note if status == a.status else b.note, a.findings + b.findings)


def rank(findings: list[Finding]) -> list[Finding]:
    """Most likely root cause first.

    A finding's score is its severity weight plus its confidence. A cause that
    explains a symptom which was found is lifted just above the best of those
    symptoms, so the report reads cause → symptom; among several causes of the
    same symptom the more confident leads.
    """
    present: dict[str, Finding] = {}
    for f in findings:
        if f.id not in present or f.confidence > present[f.id].confidence:
            present[f.id] = f
    score = {id(f): SEVERITY_WEIGHT.get(f.severity, 1.0) + f.confidence for f in findings}
    # Symptoms may explain symptoms too (dead ReLUs → weights not updating), so lift along the
    # chains, causes last so that they end above every symptom they explain.
    for kind in ("symptom", "cause"):
        for _ in range(3):
            for f in findings:
                if f.kind != kind or f.severity == "info":
                    continue
                explained = [score[id(present[s])] for s in f.explains if s in present and s != f.id
                             and present[s].severity != "info"]
                if explained:
                    score[id(f)] = max(score[id(f)], max(explained) + 0.01 + 0.05 * f.confidence)
    return sorted(findings, key=lambda f: (-score[id(f)], f.kind != "cause", f.id))
