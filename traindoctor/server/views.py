"""What each panel needs, computed from a :class:`Run`: plain JSON-ready dicts, no HTTP here.

Dense signals are cut down on the server: scalar curves with the min/max downsampler
of :mod:`traindoctor.record.downsample` over the requested zoom window (so a spike is
never averaged or sampled away), histograms re-binned onto one common grid and
thinned to a bounded number of steps.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..record.downsample import minmax_indices
from ..record.run import Run

#: Points per series a chart request returns by default (TensorBoard's default too), and the
#: most it may ask for; the page asks for about two per pixel of the chart's width.
DEFAULT_POINTS = 1000
MAX_POINTS = 4000
#: Most steps (rows) of a histogram heatmap or a per-layer overview.
MAX_ROWS = 300
HIST_BINS = 64


def _floats(a: np.ndarray) -> list[float | None]:
    """JSON has no NaN/Inf: they become null (the chart shows a gap, the stats say how many)."""
    a = np.asarray(a, dtype=np.float64)
    out = a.tolist()
    if not np.isfinite(a).all():
        out = [v if math.isfinite(v) else None for v in out]
    return out


def run_overview(run: Run, run_id: str) -> dict[str, Any]:
    info = run.info()
    tables = {}
    for name in ("weight", "grad", "update", "activation"):
        t = run.table(name)
        if len(t):
            tables[name] = {"keys": list(t.keys), "fields": list(t.fields)}
    return {"id": run_id, "name": info.name, "path": info.path, "source": info.source, "status": info.status,
            "steps": info.steps, "start_time": info.start_time, "end_time": info.end_time,
            "exit_code": info.exit_code, "scalar_tags": run.scalar_tags(), "tables": tables,
            "histogram_keys": _histogram_keys(run),
            "records": sorted(run.records()), "warnings": list(run.warnings)}


def _histogram_keys(run: Run) -> dict[str, list[str]]:
    keys: dict[str, set[str]] = {}
    for h in run.histograms():
        keys.setdefault(h.kind, set()).add(h.key)
    return {kind: sorted(k) for kind, k in sorted(keys.items())}


def scalar_series(run: Run, tag: str, *, lo: float | None = None, hi: float | None = None,
                  x: str = "step", points: int = DEFAULT_POINTS) -> dict[str, Any]:
    """One scalar tag inside ``[lo, hi]`` (in units of ``x``), min/max-downsampled to ``points``.

    ``x`` is ``step``, ``wall`` (seconds since the epoch) or ``relative`` (seconds since the tag's first point).
    """
    s = run.scalar(tag)
    n = len(s)
    step = s.step
    wall = s.wall if s.wall is not None else np.full(n, np.nan)
    axis = step if x == "step" else (wall - wall[0] if x == "relative" and n else wall)
    a, b = 0, n
    if n and (lo is not None or hi is not None):
        if x != "step" and not np.all(np.diff(axis) >= 0):
            order = np.nonzero((axis >= (lo if lo is not None else -np.inf)) &
                               (axis <= (hi if hi is not None else np.inf)))[0]
            a, b = (int(order[0]), int(order[-1]) + 1) if len(order) else (0, 0)
        else:
            a = int(np.searchsorted(axis, lo, "left")) if lo is not None else 0
            b = int(np.searchsorted(axis, hi, "right")) if hi is not None else n
    window = s.value[a:b]
    idx = a + minmax_indices(window, points)
    with np.errstate(over="ignore", invalid="ignore"):
        nonfinite = 0 if np.isfinite(window.sum()) else int(np.count_nonzero(~np.isfinite(window)))
    xs = axis[idx].tolist() if x == "step" else _floats(axis[idx])
    return {"tag": tag, "total": n, "in_window": b - a, "nonfinite": nonfinite, "x": xs, "value": _floats(s.value[idx])}


def table_series(run: Run, name: str, key: str, points: int = MAX_POINTS) -> dict[str, Any]:
    """Every field of one key (parameter or module) of a statistics table, over steps."""
    t = run.table(name)
    if key not in t.keys:
        return {"table": name, "key": key, "fields": list(t.fields), "step": [], "values": {}}
    m = t.key == t.key_index(key)
    steps = t.step[m]
    vals = t.values[m]
    # the norm is measured every step (the other statistics on the collector's full steps only)
    by = "norm" if "norm" in t.fields else t.fields[0]
    idx = minmax_indices(vals[:, t.fields.index(by)].astype(np.float64), points)
    return {"table": name, "key": key, "fields": list(t.fields), "step": steps[idx].tolist(),
            "values": {f: _floats(vals[idx, i]) for i, f in enumerate(t.fields)}, "downsampled_by": by}


def table_overview(run: Run, name: str, field: str, rows: int = MAX_ROWS) -> dict[str, Any]:
    """One field for every key at once (steps × keys), thinned to at most ``rows`` steps.

    Each kept row holds the value of largest magnitude in its window of steps, so that a
    single bad step still shows.
    """
    t = run.table(name)
    if not len(t) or field not in t.fields:
        return {"table": name, "field": field, "keys": list(t.keys), "step": [], "z": []}
    steps, mat = t.pivot(field)
    measured = ~np.all(np.isnan(mat), axis=1)  # steps between the collector's full steps lack most fields
    if measured.any():
        steps, mat = steps[measured], mat[measured]
    if len(steps) > rows:
        edges = np.linspace(0, len(steps), rows + 1).astype(np.int64)
        keep_steps, keep = [], []
        for a, b in zip(edges[:-1], edges[1:]):
            block = mat[a:b]
            mag = np.where(np.isnan(block), -1.0, np.abs(np.nan_to_num(block, nan=0.0, posinf=np.inf, neginf=np.inf)))
            pick = mag.argmax(axis=0)
            keep.append(block[pick, np.arange(block.shape[1])])
            keep_steps.append(int(steps[a]))
        steps, mat = np.asarray(keep_steps), np.vstack(keep)
    return {"table": name, "field": field, "keys": list(t.keys), "step": steps.tolist(),
            "z": [_floats(row) for row in mat]}


def histogram_heatmap(run: Run, kind: str, key: str, rows: int = MAX_ROWS, bins: int = HIST_BINS) -> dict[str, Any]:
    """The histograms of one tensor over time, re-binned onto a common value grid (a heatmap: step × value)."""
    hists = sorted(run.histograms(kind, key), key=lambda h: h.step)
    keys = sorted({h.key for h in run.histograms(kind)})
    if not hists:
        return {"kind": kind, "key": key, "keys": keys, "step": [], "edges": [], "z": []}
    if len(hists) > rows:
        hists = [hists[i] for i in np.linspace(0, len(hists) - 1, rows).round().astype(int)]
    lo = min(float(np.min(h.edges)) for h in hists if len(h.edges))
    hi = max(float(np.max(h.edges)) for h in hists if len(h.edges))
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0 if math.isfinite(lo) else 1.0
        lo = lo if math.isfinite(lo) else 0.0
    grid = np.linspace(lo, hi, bins + 1)
    z = []
    for h in hists:
        edges = np.asarray(h.edges, np.float64)
        counts = np.asarray(h.counts, np.float64)
        if len(edges) != len(counts) + 1 or not np.all(np.isfinite(edges)):
            z.append([None] * bins)
            continue
        # Mass per common bin from the cumulative distribution (counts spread uniformly inside each source bin).
        cum = np.concatenate([[0.0], np.cumsum(counts)])
        at = np.interp(grid, edges, cum)
        z.append(_floats(np.diff(at)))
    return {"kind": kind, "key": key, "keys": keys, "step": [h.step for h in hists], "edges": grid.tolist(), "z": z}


def graph(run: Run) -> dict[str, Any]:
    """The module tree with parameter counts and shapes, frozen/shared flags and the recorded train/eval modes."""
    models = run.events("model")
    modules: list[dict[str, Any]] = []
    shared_groups: list[list[str]] = []
    for ev in models:
        modules.extend(ev.get("modules", []))
        shared_groups.extend(ev.get("shared", []))
    shared_with: dict[str, list[str]] = {}
    for group in shared_groups:
        for p in group:
            shared_with[p] = [q for q in group if q != p]
    modes: dict[str, dict[str, Any]] = {}
    for ev in run.events("modes"):
        phase = ev.get("phase", "train")
        for name, m in (ev.get("modules") or {}).items():
            modes.setdefault(name, {})[phase] = {"training": m.get("training"), "step": ev.get("step")}
    nodes = []
    for m in modules:
        params = m.get("params", [])
        own = sum(int(p.get("numel", 0)) for p in params)
        frozen = bool(params) and all(not p.get("requires_grad", True) for p in params)
        shared = sorted({q for p in params for q in shared_with.get(p.get("path") or p.get("name"), [])})
        nodes.append({"name": m.get("name"), "parent": m.get("parent"), "class": m.get("class"),
                      "training": m.get("training"), "extra": m.get("extra", ""), "params": params,
                      "own_params": own, "frozen": frozen, "shared_with": shared,
                      "modes": modes.get(m.get("name"), {}), "activation_kind": m.get("activation_kind")})
    # Totals per subtree, children before parents.
    by_name = {n["name"]: n for n in nodes}
    for n in nodes:
        n["total_params"] = n["own_params"]
    for n in sorted(nodes, key=lambda n: -str(n["name"]).count(".")):
        parent = by_name.get(n["parent"])
        if parent is not None and parent is not n:
            parent["total_params"] += n["total_params"]
    return {"roots": [ev.get("root") for ev in models], "nodes": nodes,
            "total_params": sum(int(ev.get("total_params", 0)) for ev in models),
            "trainable_params": sum(int(ev.get("trainable_params", 0)) for ev in models),
            "shared": shared_groups}


def data(run: Run, max_batches: int = 40) -> dict[str, Any]:
    """Data loaders, sampled batches (with their examples), label distribution and input statistics per role."""
    loaders = run.events("dataloader")
    role_of = {ev.get("loader"): ev.get("role") for ev in loaders}
    for ev in run.events("loader_role"):
        role_of[ev.get("loader")] = ev.get("role")
    batches = run.events("batch")
    roles: dict[str, dict[str, Any]] = {}
    for b in batches:
        role = b.get("role") or role_of.get(b.get("loader")) or "unknown"
        r = roles.setdefault(role, {"batches": 0, "labels": {}, "x": [], "examples": None})
        r["batches"] += 1
        for cls, cnt in ((b.get("y") or {}).get("counts") or {}).items():
            r["labels"][str(cls)] = r["labels"].get(str(cls), 0) + int(cnt)
        x = b.get("x") or {}
        r["x"].append({k: x.get(k) for k in ("mean", "std", "min", "max", "nan", "inf") if k in x})
        if r["examples"] is None and x.get("examples"):
            shown = len(x["examples"].get("data") or [])
            r["examples"] = {**x["examples"], "step": b.get("step"), "index": b.get("index"),
                             "labels": ((b.get("y") or {}).get("sequence") or [])[:shown] or None}
        if "per_feature" in x:
            r["per_feature"] = x["per_feature"]
            r["shape"] = x.get("shape")
        r.setdefault("shape", x.get("shape"))
    for r in roles.values():
        stats = [s for s in r.pop("x") if s]
        agg: dict[str, Any] = {}
        for k in ("mean", "std"):
            vals = [s[k] for s in stats if isinstance(s.get(k), (int, float))]
            agg[k] = float(np.mean(vals)) if vals else None
        mins = [s["min"] for s in stats if isinstance(s.get("min"), (int, float))]
        maxs = [s["max"] for s in stats if isinstance(s.get("max"), (int, float))]
        agg["min"] = min(mins) if mins else None
        agg["max"] = max(maxs) if maxs else None
        agg["nan"] = sum(int(s.get("nan") or 0) for s in stats)
        agg["inf"] = sum(int(s.get("inf") or 0) for s in stats)
        r["input"] = agg
    recent = []
    for b in batches[-max_batches:]:
        x, y = b.get("x") or {}, b.get("y") or {}
        recent.append({"step": b.get("step"), "role": b.get("role"), "epoch": b.get("epoch"), "index": b.get("index"),
                       "shape": x.get("shape"), **{k: x.get(k) for k in ("mean", "std", "min", "max", "nan", "inf")},
                       "classes": len(y.get("counts") or {})})
    return {"loaders": loaders, "roles": roles, "batches": recent}


def hparams(run: Run) -> dict[str, Any]:
    """The run's hyperparameters (optimizers, their groups, changes over time, data loaders) and environment."""
    meta = {k: v for k, v in run.meta.items() if k != "kind"}
    env_keys = ("python", "torch", "numpy", "platform", "cpu_count", "torch_threads", "cuda", "hostname", "pid",
                "cwd", "argv", "seed", "rank")
    env = {k: meta.pop(k) for k in env_keys if k in meta}
    return {"meta": meta, "environment": env, "optimizers": run.events("optimizer"),
            "hparam_changes": run.events("hparams"),
            "dataloaders": run.events("dataloader"), "end": run.event("end")}
