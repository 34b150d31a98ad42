"""What a check is, what it returns, and the context it reads signals from.

A check is a small class: its ``id`` (one of :mod:`.ids`), the record families it
``needs`` (when the run lacks one the item is ``not_checked``), named thresholds as
class attributes with a docstring saying why they sit where they sit, and a
``run(ctx)`` that returns an :class:`Outcome`. Checks are registered with
:func:`register` and found by :func:`all_checks`.
"""
from __future__ import annotations

import importlib
import math
import os
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..record.run import Run, Series
from . import ids


@dataclass
class Finding:
    id: str
    title: str
    severity: str = "warning"  # error | warning | info
    confidence: float = 0.5
    location: str | None = None
    step: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    advice: str = ""
    explains: list[str] = field(default_factory=list)
    #: Series to plot beside the finding: ``{"label": {"step": [...], "value": [...]}}`` or a scalar tag name.
    plots: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return ids.kind_of(self.id)

    @property
    def category(self) -> str:
        return ids.category_of(self.id)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "category": self.category, "severity": self.severity,
                "confidence": round(float(self.confidence), 3), "title": self.title, "location": self.location,
                "step": None if self.step is None else int(self.step), "evidence": _clean(self.evidence),
                "advice": self.advice, "explains": list(self.explains)}


@dataclass
class Outcome:
    """A check's answer: ``fail`` and ``warn`` carry findings; ``pass`` and ``not_checked`` a note."""

    status: str
    note: str = ""
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def passed(cls, note: str = "") -> "Outcome":
        return cls("pass", note)

    @classmethod
    def not_checked(cls, note: str) -> "Outcome":
        return cls("not_checked", note)

    @classmethod
    def found(cls, *findings: Finding, note: str = "") -> "Outcome":
        findings = tuple(f for f in findings if f is not None)
        if not findings:
            return cls.passed(note)
        status = "fail" if any(f.severity == "error" for f in findings) else "warn"
        if all(f.severity == "info" for f in findings):
            status = "pass"
        return cls(status, note or findings[0].title, list(findings))


class Check:
    """Base of every check. Subclasses set ``id`` and ``needs`` and implement :meth:`run`."""

    id: ClassVar[str]
    needs: ClassVar[frozenset[str]] = frozenset()

    def run(self, ctx: "Context") -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError


_REGISTRY: list[type[Check]] = []


def register(cls: type[Check]) -> type[Check]:
    assert cls.id in ids.ALL_IDS, f"unknown checklist id {cls.id}"
    _REGISTRY.append(cls)
    return cls


def all_checks() -> list[type[Check]]:
    for family in ("symptoms", "mindspore_checks", "causes"):  # each family registers its checks on import
        try:
            importlib.import_module(f"{__package__}.{family}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{family}":
                raise
    return list(_REGISTRY)


class Context:
    """Signals of one run, derived once and shared by all checks."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.records = run.records()
        self._cache: dict[str, Any] = {}
        self._outcomes: dict[type[Check], Outcome] = {}
        self.findings: list[Finding] = []  # filled as checks run, for checks that refine others
        self.failed: list[tuple[str, str]] = []  # (check id, error) of checks that raised: a traindoctor bug

    def outcome(self, cls: type[Check]) -> Outcome:
        """What check ``cls`` finds on this run, run once: the diagnosis asks in its order, and a check that
        needs another's answer before that one's turn (a graph rule asking whether the data checks found the
        evaluation's data apart) asks here, so that nothing runs twice. A check that raises is ``not_checked``
        and its error kept in :attr:`failed`: a broken check must not hide the others."""
        if cls in self._outcomes:
            return self._outcomes[cls]
        missing = [n for n in cls.needs if n not in self.records]
        if missing:
            out = Outcome.not_checked(f"the run has no {', '.join(sorted(missing))} record")
        else:
            try:
                with warnings.catch_warnings():  # numpy's "All-NaN slice" and "Mean of empty slice" are not news
                    warnings.simplefilter("ignore", RuntimeWarning)
                    out = cls().run(self)
            except Exception as exc:
                out = Outcome.not_checked(f"check failed: {type(exc).__name__}: {exc}")
                self.failed.append((cls.id, f"{type(exc).__name__}: {exc}"))
                if "TRAINDOCTOR_DEBUG" in os.environ:
                    traceback.print_exc(file=sys.stderr)
        self._outcomes[cls] = out
        return out

    def cached(self, key: str, fn) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    @property
    def loss(self) -> Series:
        return self.cached("loss", lambda: self.run.scalar("train/loss"))

    @property
    def meta(self) -> dict[str, Any]:
        return self.run.meta

    def in_last_phase(self, s: Series) -> Series:
        """The points of ``s`` in the run's last training phase (another optimizer took over: the next fold of a
        cross-validation, a student after its teacher); all of them for a run of one phase. An evaluation series stitched across folds compares fold 1's
        validation loss with fold 4's. By wall time where the phase has one: the previous fold's last
        evaluation carries the step the next fold begins at."""
        evs = self.run.events("phase")
        if not evs or not len(s):
            return s
        t = evs[-1].get("time")
        if t is not None and s.wall is not None and np.isfinite(s.wall).all():
            keep = s.wall >= t
        else:
            keep = s.step >= int(evs[-1]["step"])
        return s.where(keep)

    def eval_tag(self, metric: str = "loss") -> str | None:
        """The evaluation series recorded for ``metric``: ``eval/``, else ``val/``, else ``test/``."""
        return next((f"{r}/{metric}" for r in ("eval", "val", "test") if len(self.run.scalar(f"{r}/{metric}"))), None)

    def eval_series(self, metric: str = "loss") -> Series:
        """That series, its last phase (the last fold's, the student's)."""
        tag = self.eval_tag(metric)
        return self.in_last_phase(self.run.scalar(tag)) if tag else Series.empty()

    def param_names(self) -> list[str]:
        return self.run.table("weight").keys or self.run.table("grad").keys

    def modules(self) -> list[dict[str, Any]]:
        out = []
        for ev in self.run.events("model"):
            out.extend(ev.get("modules", []))
        return out

    def trainable_params(self) -> dict[str, dict[str, Any]]:
        out = {}
        for m in self.modules():
            for p in m.get("params", []):
                out[p["name"]] = {**p, "module": m["name"], "module_class": m["class"]}
        return out


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def sig(x: float, digits: int = 3) -> float:
    """Round to significant digits for evidence people read."""
    if x is None or not math.isfinite(x) or x == 0:
        return x
    return round(x, -int(math.floor(math.log10(abs(x)))) + digits - 1)
