"""What the Tensors panel and the op view of the Model graph panel need: recorded tensor snapshots
(statistics, a heatmap of the stored 2-D view, the values of a slice of it, a histogram, the
difference to the previous snapshot) and the traced op graphs. Plain JSON-ready dicts, no HTTP here.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..record.run import Run, TensorSnapshot
from .views import _floats

#: Default and largest side of the value table of a slice.
SLICE_DEFAULT = 16
SLICE_MAX = 64
VIEWS = ("mean", "absmax")


class NotFound(LookupError):
    """The run holds no such thing (tensor, step): a 404 with this message."""


def tensor_list(run: Run) -> dict[str, Any]:
    """Every recorded tensor: its name, source, shape, 2-D layout, reduction and recorded steps."""
    out: dict[str, dict[str, Any]] = {}
    for s in run.tensor_snapshots():
        t = out.get(s.name)
        if t is None:
            t = out[s.name] = {"name": s.name, "source": s.source, "shape": s.shape, "dtype": s.dtype,
                               "matrix": s.matrix, "layout": s.layout, "reduced": s.reduced, "steps": []}
        if not t["steps"] or t["steps"][-1] != s.step:
            t["steps"].append(s.step)
    return {"tensors": list(out.values())}


def tensor_at(run: Run, name: str, step: int | None = None, rows: str | None = None, cols: str | None = None,
              view: str = "mean") -> dict[str, Any]:
    """Tensor ``name`` at ``step`` (default: its last recorded step): statistics of the whole tensor,
    its stored 2-D view as a heatmap, the values of the slice ``rows`` x ``cols`` of that view
    (``"a:b"``, half-open, default the first 16 x 16), the histogram, and the difference to the
    previous recorded step. ``view``: ``mean`` or, for a block-reduced view, ``absmax``."""
    if not name:
        raise ValueError("give the tensor's name=")
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    snaps = run.tensor_snapshots(name)
    if not snaps:
        known = sorted({s.name for s in run.tensor_snapshots()})
        raise NotFound(f"no tensor {name!r} recorded in this run" +
                       (f"; recorded: {', '.join(known[:20])}" if known else " (it recorded no tensors)"))
    steps = sorted({s.step for s in snaps})
    if step is None:
        step = steps[-1]
    at = [s for s in snaps if s.step == step]
    if not at:
        raise NotFound(f"tensor {name!r} has no snapshot at step {step}; recorded steps: "
                       f"{', '.join(map(str, steps[:50]))}{', …' if len(steps) > 50 else ''}")
    cur = at[-1]
    if view == "absmax" and cur.absmax is None:
        raise ValueError(f"tensor {name!r} at step {step} is stored as it is (no block reduction): use view=mean")
    z = _pick(cur, view)
    r, c = z.shape
    row_lo, row_hi = _span(rows, r, "rows")
    col_lo, col_hi = _span(cols, c, "cols")
    earlier = [s for s in snaps if s.step < step]
    previous = None
    if earlier:
        prev = earlier[-1]
        pz = _pick(prev, view) if view == "mean" or prev.absmax is not None else None
        same = pz is not None and pz.shape == z.shape
        previous = {"step": prev.step, "stats": prev.stats,
                    "diff": [_floats(row) for row in (z.astype(np.float64) - pz)] if same else None,
                    "why_no_diff": None if same else "the previous snapshot's view has another shape"}
    row_cells = _cells(cur.matrix[0], r)
    col_cells = _cells(cur.matrix[1], c)
    return {
        "name": name, "step": step, "steps": steps, "source": cur.source, "shape": cur.shape, "dtype": cur.dtype,
        "matrix": cur.matrix, "layout": cur.layout, "reduced": cur.reduced, "note": cur.note, "view": view,
        "stats": cur.stats,
        "heatmap": {"z": [_floats(row) for row in z], "rows": row_cells[0], "cols": col_cells[0],
                    "row_ends": row_cells[1], "col_ends": col_cells[1],
                    "nonfinite": int(np.count_nonzero(~np.isfinite(z)))},
        "slice": {"rows": [row_lo, row_hi], "cols": [col_lo, col_hi],
                  "row_labels": _labels(row_cells, row_lo, row_hi), "col_labels": _labels(col_cells, col_lo, col_hi),
                  "values": [_floats(row) for row in z[row_lo:row_hi, col_lo:col_hi]]},
        "histogram": {"edges": _floats(cur.edges), "counts": _floats(cur.counts)},
        "previous": previous,
    }


def _pick(s: TensorSnapshot, view: str) -> np.ndarray:
    z = np.asarray(s.absmax if view == "absmax" else s.values, dtype=np.float64)
    return z if z.ndim == 2 else z.reshape(1, -1)


def _span(spec: str | None, n: int, what: str) -> tuple[int, int]:
    """``"a:b"`` (either end may be left out) or ``"a"`` as a half-open range inside ``[0, n)``."""
    if spec is None or spec.strip() == "":
        return 0, min(n, SLICE_DEFAULT)
    parts = spec.split(":")
    if len(parts) > 2:
        raise ValueError(f"{what}={spec!r}: write a:b")
    try:
        lo = int(parts[0]) if parts[0].strip() else 0
        hi = (int(parts[1]) if parts[1].strip() else n) if len(parts) == 2 else lo + 1
    except ValueError:
        raise ValueError(f"{what}={spec!r}: the bounds must be integers") from None
    lo, hi = max(0, min(lo, n)), max(0, min(hi, n))
    if hi <= lo:
        raise ValueError(f"{what}={spec!r} selects nothing of the {n} {what} of this view")
    return lo, min(hi, lo + SLICE_MAX)


def _cells(size: int, cells: int) -> tuple[list[int], list[int]]:
    """``(starts, ends)``: the rows (or columns) of the matrix that each cell of the view covers, ends
    exclusive; adaptive pooling's bins, which overlap by one where ``size / cells`` is not whole."""
    if cells >= size:
        return list(range(size)), list(range(1, size + 1))
    return ([math.floor(i * size / cells) for i in range(cells)],
            [math.ceil((i + 1) * size / cells) for i in range(cells)])


def _labels(cells: tuple[list[int], list[int]], lo: int, hi: int) -> list[str]:
    starts, ends = cells
    return [str(starts[i]) if ends[i] - starts[i] <= 1 else f"{starts[i]}–{ends[i] - 1}" for i in range(lo, hi)]


def opgraphs(run: Run) -> dict[str, Any]:
    """The traced op graphs (one per model), each op with its layer (the longest chain of ops before it;
    an op that reads no other op, such as the transpose of a weight, sits just before its first reader)
    and the ops that consume its outputs; or why there is none."""
    graphs = []
    for ev in run.events("opgraph"):
        ops = ev.get("ops") or []
        layer = [0] * len(ops)
        users: list[list[int]] = [[] for _ in ops]
        for i, op in enumerate(ops):
            for inp in op.get("in", []):
                src = inp.get("from")
                if src and 0 <= src[0] < i:
                    layer[i] = max(layer[i], layer[src[0]] + 1)
                    if i not in users[src[0]]:
                        users[src[0]].append(i)
        for i, op in enumerate(ops):
            if users[i] and not any(inp.get("from") for inp in op.get("in", [])):
                layer[i] = max(0, min(layer[u] for u in users[i]) - 1)
        graphs.append({**{k: v for k, v in ev.items() if k not in ("ops", "kind")},
                       "ops": [{**op, "id": i, "layer": layer[i], "users": users[i]} for i, op in enumerate(ops)]})
    why = None
    if not graphs:
        err = next((e for e in run.events("internal_error") if e.get("part") == "opgraph"), None)
        why = (f"the op tracing failed and was switched off: {err.get('error')}" if err else
               "this run recorded no op graph (it is traced at the first training forward of a model "
               "watched by traindoctor; imported runs have none)")
    return {"graphs": graphs, "why_none": why}
