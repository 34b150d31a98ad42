"""``traindoctor hits``: the hits of a recorded run, as recorded live or re-evaluated offline.

Offline evaluation reads the ``watch`` table the engine records (the same raw
statistics it evaluated live, so any condition over the same statistics gives the
same answer). A run recorded without watchpoints still has the collector's
``weight``, ``grad`` and ``activation`` tables; conditions are evaluated over what
those hold (min, max, mean, zero fraction, non-finite count) and every condition
that needs something else (abs mean, ranges, changes) answers ``cannot_check``
with the reason ``statistic not recorded``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..record.run import Run
from . import conditions as C
from .watchpoints import Watchpoint

SCHEMA = "traindoctor.hits/1"
_TABLE_KIND = {"weight": "weight", "grad": "gradient", "activation": "activation"}


def recorded_hits(run: Run) -> list[dict[str, Any]]:
    """The hits the live engine wrote, in execution order (``hits_not_written`` counts those it only counted)."""
    return [_public(h) for h in run.events("hit")]


def not_written(run: Run) -> int:
    summary = run.event("watch_summary") or {}
    return int(summary.get("hits_not_written", 0))


def _public(h: dict[str, Any]) -> dict[str, Any]:
    keep = ("condition", "target", "node", "step", "stats", "watchpoint", "params", "triggered", "origin", "break")
    return {k: h[k] for k in keep if k in h}


def _classes(run: Run) -> dict[str, str]:
    out: dict[str, str] = {}
    for ev in run.events("model"):
        for m in ev.get("modules", []):
            if m.get("name") is not None:
                out[m["name"]] = m.get("class")
    return out


def _blocks_from_watch(run: Run) -> list[tuple[int, list[str], list[str], dict[str, np.ndarray]]] | None:
    tab = run.table("watch")
    if not len(tab):
        return None
    order = np.lexsort((tab.seq, tab.step))
    steps = tab.step[order]
    out = []
    bounds = np.nonzero(np.diff(steps))[0] + 1
    for part in np.split(order, bounds):
        if not len(part):
            continue
        keys = [tab.keys[int(k)] for k in tab.key[part]]
        kinds = [k.split(":", 1)[0] for k in keys]
        nodes = [k.split(":", 1)[1] for k in keys]
        cols = {f: tab.values[part, i].astype(np.float64) for i, f in enumerate(tab.fields)}
        out.append((int(tab.step[part[0]]), kinds, nodes, cols))
    return out


def _blocks_from_tables(run: Run) -> list[tuple[int, list[str], list[str], dict[str, np.ndarray]]]:
    per_step: dict[int, list[tuple[int, str, str, dict[str, float]]]] = {}
    for phase, (name, kind) in enumerate((("weight", "weight"), ("activation", "activation"), ("grad", "gradient"))):
        tab = run.table(name)
        if not len(tab):
            continue
        f = {n: tab.col(n).astype(np.float64) for n in tab.fields}
        numel = f["numel"]
        raw = {"numel": numel, "sum": f["mean"] * numel, "min": f["min"], "max": f["max"],
               "nonzero": (1.0 - f["zero_frac"]) * numel, "nonfinite": f["nonfinite"]}
        if "norm" in f:  # between full steps the norm alone: it bounds the abs mean (C.abs_mean_bounds)
            raw["l2"] = f["norm"]
        for r in range(len(tab)):
            per_step.setdefault(int(tab.step[r]), []).append(
                (phase * 1_000_000 + int(tab.seq[r]), kind, tab.keys[int(tab.key[r])],
                 {k: float(v[r]) for k, v in raw.items()}))
    out = []
    for step in sorted(per_step):
        rows = sorted(per_step[step], key=lambda x: x[0])
        cols = {fld: np.full(len(rows), np.nan) for fld in C.BASE_FIELDS}
        cols["initial"] = np.zeros(len(rows))
        for i, (_, _, _, vals) in enumerate(rows):
            for k, v in vals.items():
                cols[k][i] = v
        out.append((step, [r[1] for r in rows], [r[2] for r in rows], cols))
    return out


def evaluate_run(run: Run, watchpoints: list[Watchpoint]) -> dict[str, Any]:
    """Evaluate ``watchpoints`` over a recorded run: the ``traindoctor.hits/1`` document."""
    blocks = _blocks_from_watch(run)
    source = "watch"
    if blocks is None:
        blocks, source = _blocks_from_tables(run), "tables"
    classes = _classes(run)
    hits: list[dict[str, Any]] = []
    counts = {wp.id: {s: 0 for s in C.STATE_NAMES.values()} for wp in watchpoints}
    reasons: dict[tuple[int, str], str] = {}
    for step, kinds, nodes, cols in blocks:
        initial = cols.get("initial", np.zeros(len(kinds))) > 0
        per_row: list[list[dict]] = [[] for _ in kinds]
        for wp in watchpoints:
            sel = np.array([wp.selects(n, k, classes.get(n, n)) for k, n in zip(kinds, nodes)], bool)
            sel &= initial == wp.cond.initial_only
            if not sel.any():
                continue
            idx = np.nonzero(sel)[0]
            out = C.evaluate(wp.cond, wp.params, {k: v[idx] for k, v in cols.items()})
            for j, r in enumerate(idx):
                st = int(out.state[j])
                counts[wp.id][C.STATE_NAMES[st]] += 1
                if st == C.HIT:
                    per_row[r].append({"condition": wp.condition, "target": kinds[r], "node": nodes[r], "step": step,
                                       "stats": C.hit_stats(wp.cond, wp.params, out, j), "watchpoint": wp.id,
                                       "triggered": out.triggered[j]})
                elif st == C.CANNOT_CHECK:
                    reasons.setdefault((wp.id, str(out.reason[j])), nodes[r])
        hits.extend(h for row in per_row for h in row)
    return {"schema": SCHEMA, "run": run.path, "source": source,
            "watchpoints": [wp.to_json() for wp in watchpoints], "hits": hits,
            "outcomes": [{"watchpoint": wp.id, "condition": wp.condition, **counts[wp.id],
                          "cannot_check_reasons": sorted({r for (i, r) in reasons if i == wp.id})}
                         for wp in watchpoints]}
