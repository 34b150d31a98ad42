"""The runs under one log directory, as the server sees them: safe ids, opened runs, cached diagnoses.

A run's id is its path relative to the log directory, with ``/`` separators (``.``
when the log directory is itself a run). Ids come from the browser, so every one is
checked before it touches the disk: no absolute paths, no ``..``, and the resolved
real path (symlinks followed) must stay inside the log directory.

Opened runs are kept in a small LRU cache. A run that is still being written is
refreshed (only the bytes appended since the last read) when a request finds its
last refresh older than ``refresh_interval``; a finished run is never re-read.
"""
from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar

from ..record import RunNotFound, list_runs, open_run
from ..record.run import Run

T = TypeVar("T")


class BadRunId(Exception):
    """The id names nothing readable inside the log directory."""


@dataclass
class _Entry:
    run: Run
    lock: threading.RLock = field(default_factory=threading.RLock)
    refreshed: float = 0.0
    version: int = 0
    report: Any = None
    report_version: int = -1
    report_time: float = 0.0
    #: a second reader of the same run, for the diagnosis alone: diagnosing a large run takes seconds, and
    #: the views' requests (series, tables, tensors) must not wait for it on ``lock``
    diag_run: Run | None = None
    diag_lock: threading.Lock = field(default_factory=threading.Lock)


class RunStore:
    """Opens, caches and refreshes the runs of one log directory for concurrent requests."""

    def __init__(self, logdir: str, *, max_open: int = 64, refresh_interval: float = 1.0,
                 rediagnose_interval: float = 5.0) -> None:
        self.logdir = os.path.abspath(logdir)
        self.real_logdir = os.path.realpath(logdir)
        self.max_open = max_open
        self.refresh_interval = refresh_interval
        self.rediagnose_interval = rediagnose_interval
        self._open: OrderedDict[str, _Entry] = OrderedDict()
        self._summaries: dict[str, tuple[tuple, dict[str, Any]]] = {}
        self._tops: dict[str, tuple[tuple, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    # -- ids -------------------------------------------------------------------
    def resolve(self, run_id: str | None) -> str:
        """The absolute path of run ``run_id``; :class:`BadRunId` when it is unsafe or missing."""
        if run_id is None or run_id == "":
            raise BadRunId("no run given")
        if "\x00" in run_id or "\\" in run_id or run_id.startswith("/") or os.path.isabs(run_id):
            raise BadRunId(f"run {run_id!r}: not a run id (ids are paths relative to the log directory)")
        parts = run_id.split("/")
        if any(p == ".." for p in parts):
            raise BadRunId(f"run {run_id!r}: '..' is not allowed in a run id")
        path = os.path.normpath(os.path.join(self.logdir, run_id))
        real = os.path.realpath(path)
        if real != self.real_logdir and not real.startswith(self.real_logdir + os.sep):
            raise BadRunId(f"run {run_id!r}: outside the log directory")
        if not os.path.isdir(real):
            raise BadRunId(f"run {run_id!r}: no such run in {self.logdir}")
        return path

    def run_id(self, path: str) -> str:
        rel = os.path.relpath(path, self.logdir)
        return "." if rel == "." else rel.replace(os.sep, "/")

    # -- opened runs -------------------------------------------------------------
    def _entry(self, run_id: str) -> _Entry:
        path = self.resolve(run_id)
        with self._lock:
            entry = self._open.get(run_id)
            if entry is not None:
                self._open.move_to_end(run_id)
        if entry is None:
            try:
                run = open_run(path)
            except RunNotFound as exc:
                raise BadRunId(f"run {run_id!r}: {exc}".replace(self.logdir + os.sep, "")) from None
            entry = _Entry(run, refreshed=time.monotonic())
            with self._lock:
                entry = self._open.setdefault(run_id, entry)
                while len(self._open) > self.max_open:
                    self._open.popitem(last=False)
        return entry

    def use(self, run_id: str, fn: Callable[[Run], T]) -> T:
        """Call ``fn(run)`` on the up-to-date run, holding its lock (readers are not thread-safe)."""
        entry = self._entry(run_id)
        with entry.lock:
            self._maybe_refresh(entry)
            return fn(entry.run)

    def _maybe_refresh(self, entry: _Entry) -> None:
        now = time.monotonic()
        if now - entry.refreshed < self.refresh_interval or entry.run.event("end") is not None:
            return  # an ended run has nothing more to read
        entry.refreshed = now
        if entry.run.refresh():
            entry.version += 1

    def version(self, run_id: str) -> dict[str, Any]:
        """What a live view polls: changes whenever new records arrive."""
        entry = self._entry(run_id)
        with entry.lock:
            self._maybe_refresh(entry)
            return {"run": run_id, "version": entry.version, "status": entry.run.status,
                    "steps": entry.run.steps}

    def report(self, run_id: str):
        """The diagnosis of the run, recomputed when new data came (at most every ``rediagnose_interval`` s).

        It runs on its own reader of the run under its own lock: other requests on the run go on meanwhile,
        and concurrent requests for the report wait for the one diagnosis instead of starting theirs."""
        from ..report import diagnose

        entry = self._entry(run_id)
        with entry.lock:
            self._maybe_refresh(entry)
            if self._report_fresh(entry):
                return entry.report
            version = entry.version
            ended = entry.run.event("end") is not None
        with entry.diag_lock:
            with entry.lock:
                if self._report_fresh(entry):  # diagnosed by the request this one waited for
                    return entry.report
            if entry.diag_run is None:
                entry.diag_run = open_run(entry.run.path)
            else:
                entry.diag_run.refresh()
            report = diagnose(entry.diag_run)
            if ended:
                entry.diag_run = None  # an ended run's report no longer changes: one reader is enough
            with entry.lock:
                entry.report, entry.report_version, entry.report_time = report, version, time.monotonic()
                self._tops[run_id] = (_signature(entry.run.path), _top(report))
            return report

    def _report_fresh(self, entry: _Entry) -> bool:
        stale = entry.report_version != entry.version
        return entry.report is not None and not (stale and time.monotonic() - entry.report_time
                                                 >= self.rediagnose_interval)

    # -- the runs list -------------------------------------------------------------
    def list(self) -> list[dict[str, Any]]:
        """Every run with its status, start time, steps and (once diagnosed) top finding."""
        out = []
        for path in list_runs(self.logdir):
            real = os.path.realpath(path)
            if real != self.real_logdir and not real.startswith(self.real_logdir + os.sep):
                continue  # a symlinked run pointing outside: not ours to show
            rid = self.run_id(path)
            sig = _signature(path)
            cached = self._summaries.get(rid)
            if cached is None or cached[0] != sig or cached[1]["status"] == "running":
                summary = self._summarize(rid, path)
                self._summaries[rid] = (sig, summary)
            else:
                summary = cached[1]
            top = self._tops.get(rid)
            row = dict(summary)
            row["diagnosed"] = top is not None and top[0] == sig
            row["top"] = top[1] if row["diagnosed"] else None
            out.append(row)
        return out

    def top(self, run_id: str) -> dict[str, Any] | None:
        """The top finding of one run, diagnosing it if needed (the runs list fills itself in with this)."""
        sig = _signature(self.resolve(run_id))
        cached = self._tops.get(run_id)
        if cached is not None and cached[0] == sig:
            return cached[1]
        return _top(self.report(run_id))

    def _summarize(self, rid: str, path: str) -> dict[str, Any]:
        with self._lock:
            entry = self._open.get(rid)
        try:
            previous = self._summaries.get(rid)
            if entry is None and previous is not None and previous[1]["status"] == "running":
                entry = self._entry(rid)  # a live run stays open: each listing reads only what was appended
            if entry is not None:
                with entry.lock:
                    self._maybe_refresh(entry)
                    info = entry.run.info()
            else:
                info = open_run(path).info()  # not kept: a thousand runs must not all stay in memory
        except Exception as exc:  # one unreadable run must not hide the others
            return {"id": rid, "name": os.path.basename(path), "status": "unreadable", "source": "?",
                    "start_time": None, "end_time": None, "steps": 0, "error": f"{type(exc).__name__}: {exc}"}
        return {"id": rid, "name": info.name, "status": info.status, "source": info.source,
                "start_time": info.start_time, "end_time": info.end_time, "steps": info.steps,
                "exit_code": info.exit_code}


def _top(report: Any) -> dict[str, Any] | None:
    f = report.top()
    if f is None:
        return None
    return {"id": f.id, "title": f.title, "severity": f.severity, "location": f.location, "step": f.step,
            "count": len(report.findings)}


def _signature(path: str) -> tuple:
    """Sizes and mtimes of a run's files: changes whenever anything is appended."""
    try:
        with os.scandir(path) as it:
            return tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in it if e.is_file()))
    except OSError:
        return ()
