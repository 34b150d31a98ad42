"""Tensor snapshots: a bounded 2-D view of one tensor at one step, its statistics and its histogram.

Two sources:

* tensors the user marks: ``td.tensor("name", t)`` on a :func:`traindoctor.watch` session, or
  ``traindoctor.tensor("name", t)`` in a script run by ``traindoctor run``; one snapshot per call;
* a few weights the collector picks itself: the first two and the last two parameters with two or
  more dimensions (at most ``AUTO_WEIGHTS``), at steps 0, 1, 2, 5, 10, 20, 50, 100, ... (when each
  step opens, before its update) and once more when the run ends. That is a few dozen snapshots in
  a long run, so the cost does not show next to the per-step statistics.

The view: a tensor is laid out as a matrix (a scalar as 1x1, a vector as one row, an N-D tensor as
``(shape[0], prod(shape[1:]))``, so a conv weight is ``(out, in*kh*kw)``). A matrix larger than
``MAX_SIDE`` on a side is reduced by blocks to at most ``MAX_SIDE x MAX_SIDE``: the mean of each
block and its largest magnitude (so a single outlier is not averaged away); the record says so.
Statistics (``TENSOR_FIELDS``) and the histogram are those of the whole tensor.

A weight changes in place at the next optimizer step, so the training thread takes what it needs
at once: on an accelerator the snapshot is computed there into new tensors (asynchronously; the
writer thread copies the small results to the host), on the CPU the training thread makes one copy
and the writer thread does the rest. The record is a columnar block of table ``tensor`` (see
:meth:`traindoctor.record.Run.tensor_snapshots`).
"""
from __future__ import annotations

import math
import warnings
import weakref
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from ..record.run import TENSOR_FIELDS
from .stats import device_ready, histogram, tensor_stats

if TYPE_CHECKING:
    from .torch import Collector

#: Largest side of a stored view; larger matrices are reduced by blocks.
MAX_SIDE = 128
HIST_BINS = 64
#: Weights snapshotted automatically (the first and last ones of two or more dimensions).
AUTO_WEIGHTS = 4

_ACTIVE: "weakref.ref[Collector] | None" = None


def activate(collector: "Collector") -> None:
    """The collector that installed the global hooks is the one :func:`record_active` writes to."""
    global _ACTIVE
    _ACTIVE = weakref.ref(collector)


def _recording() -> "Collector | None":
    """The collector of the run being recorded, while it records."""
    collector = _ACTIVE() if _ACTIVE is not None else None
    return collector if collector is not None and not collector.closed and collector.enabled else None


def record_active(name: str, tensor: Any, step: int | None = None) -> bool:
    """Snapshot ``tensor`` into the run being recorded, if any. Returns whether one was recorded."""
    collector = _recording()
    if collector is None:
        return False
    return bool(collector._guarded("tensor", record_user, collector, name, tensor, step))


def log_active(step: int | None = None, **scalars: Any) -> bool:
    """Record metrics into the run being recorded, if any (``traindoctor.log``). Returns whether one records."""
    collector = _recording()
    if collector is None:
        return False
    collector._guarded("log", lambda: collector.log(step, **scalars))
    return True


def is_snapshot_step(step: int) -> bool:
    """0, 1, 2, 5, 10, 20, 50, 100, 200, 500, ..."""
    if step < 3:
        return step >= 0
    while step % 10 == 0:
        step //= 10
    return step in (1, 2, 5)


def record_user(collector: "Collector", name: str, tensor: Any, step: int | None = None) -> bool:
    """A tensor the user marked, at ``step`` (default: the current training step).

    A call that cannot be recorded (no name, not convertible to a tensor) is skipped with a warning;
    call it through ``collector._guarded("tensor", ...)`` so that an internal error is reported once
    and switches off only the user's snapshots.
    """
    why = None
    if not isinstance(name, str) or not name:
        why = f"a tensor snapshot needs a non-empty name, got {name!r}"
    elif not torch.is_tensor(tensor):
        try:
            tensor = torch.as_tensor(tensor)
        except Exception as exc:
            why = f"{name!r}: not a tensor ({type(exc).__name__}: {exc})"
    if why is not None:
        warnings.warn(f"traindoctor.tensor: {why}; not recorded", stacklevel=3)
        return False
    put(collector, name, tensor, collector._forward_step() if step is None else int(step), "user")
    return True


# ---------------------------------------------------------------------- collector hooks
class _State:
    def __init__(self) -> None:
        self.weights: list[int] | None = None
        self.last_step = -1


def _state(collector: "Collector") -> _State:
    st = collector.__dict__.get("_snapshots")
    if st is None:
        st = collector.__dict__["_snapshots"] = _State()
    return st


def on_step_begin(collector: "Collector") -> None:
    """A step opens (weights not yet updated): snapshot the picked weights at the snapshot steps."""
    step = collector.step
    if not is_snapshot_step(step):
        return
    _snapshot_weights(collector, _state(collector), step)


def on_close(collector: "Collector") -> None:
    """The run ends: the final weights, unless the last snapshot already shows them."""
    st = _state(collector)
    if collector.step != st.last_step and collector._params:
        _snapshot_weights(collector, st, collector.step)


def _snapshot_weights(collector: "Collector", st: _State, step: int) -> None:
    if st.weights is None:
        if not collector._params:
            return
        st.weights = pick_weights(collector._params)
    for i in st.weights:
        put(collector, collector._param_names[i], collector._params[i], step, "weight")
    st.last_step = step


def pick_weights(params: list[torch.Tensor], n: int = AUTO_WEIGHTS) -> list[int]:
    """The first ``n // 2`` and the last ``n - n // 2`` floating parameters of two or more dimensions."""
    mats = [i for i, p in enumerate(params) if p.dim() >= 2 and p.is_floating_point() and not p.is_sparse]
    if len(mats) <= n:
        return mats
    return mats[: n // 2] + mats[len(mats) - (n - n // 2):]


# ---------------------------------------------------------------------- the snapshot
def as_matrix(t: torch.Tensor) -> tuple[torch.Tensor, str]:
    """The tensor laid out as a matrix, and how (``as is``, ``one row``, ``(out, in*kh*kw)``...)."""
    if t.dim() == 0:
        return t.reshape(1, 1), "a scalar, as 1x1"
    if t.dim() == 1:
        return t.reshape(1, -1), "a vector, as one row"
    if t.dim() == 2:
        return t, "as is"
    rest = "*".join(f"d{k}" for k in range(1, t.dim()))
    layout = "(out, in*kh*kw)" if t.dim() == 4 else f"(d0, {rest})"
    return t.reshape(t.shape[0], -1), layout


def reduce_matrix(m: torch.Tensor, max_side: int = MAX_SIDE) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(values, absmax)``: the matrix itself (a copy) when it fits, else block means and block max |x|."""
    rows, cols = m.shape
    if rows <= max_side and cols <= max_side or m.numel() == 0:
        return m.float().clone(), None
    # half precision is pooled as it is on an accelerator (no full-size float copy), as float on the CPU
    x = m if m.dtype in (torch.float32, torch.float64) or m.device.type != "cpu" else m.float()
    size = (min(rows, max_side), min(cols, max_side))
    mean = F.adaptive_avg_pool2d(x[None, None], size)[0, 0].float()
    absmax = F.adaptive_max_pool2d(x.abs()[None, None], size)[0, 0].float()
    return mean, absmax


def summarise(t: torch.Tensor) -> dict[str, torch.Tensor]:
    """The columns of a snapshot record, computed where ``t`` is: ``values`` (and ``absmax`` when the view is
    reduced), ``stats`` (``TENSOR_FIELDS`` of the whole tensor), ``edges`` and ``counts`` of its histogram."""
    values, absmax = reduce_matrix(as_matrix(t)[0])
    out = {"values": values}
    if absmax is not None:
        out["absmax"] = absmax
    out["stats"] = tensor_stats([t])[0]
    if t.numel() == 0:
        out.update(edges=t.new_zeros(HIST_BINS + 1, dtype=torch.float32),
                   counts=t.new_zeros(HIST_BINS, dtype=torch.float32))
        return out
    out["edges"], out["counts"] = histogram(t, HIST_BINS)
    return out


def put(collector: "Collector", name: str, tensor: torch.Tensor, step: int, source: str) -> None:
    """Snapshot ``tensor`` and hand it to the writer thread.

    On an accelerator the snapshot is computed on the device, asynchronously, and only its small results
    wait in the writer's queue. A CPU tensor is copied (one ``memcpy``: a weight changes in place at the
    next step) and summarised on the writer thread, off the training loop.
    """
    t = tensor.detach()
    note, own = None, False  # own: t is a new tensor already, not the (mutable) original
    if t.is_complex():
        t, note, own = t.abs(), "magnitude of a complex tensor", True
    elif not t.is_floating_point():
        t, own = t.float(), True
    if t.is_sparse:
        t, own = t.to_dense(), True
    m, layout = as_matrix(t)
    rows, cols = m.shape
    r, c = min(rows, MAX_SIDE), min(cols, MAX_SIDE)
    reduced = None
    if (r, c) != (rows, cols) and t.numel():
        reduced = {"method": "block", "to": [r, c], "block": [rows / r, cols / c], "views": ["mean", "absmax"]}
    keys = ["values", "stats", "edges", "counts"] + (["absmax"] if reduced else [])
    if t.device.type == "cpu":
        summary = _deferred(collector, t if own else t.clone(), (r, c), keys)
    else:
        done = summarise(t)
        ready = device_ready(done.values())  # computed on the training's stream: read once it is done

        def summary() -> dict[str, torch.Tensor]:
            ready()
            return done
    columns = {k: (lambda k=k: summary()[k].float().cpu().numpy()) for k in keys}
    collector.writer.put_block("tensor", columns, {
        "name": name, "step": int(step), "source": source, "shape": list(tensor.shape),
        "dtype": str(tensor.dtype).replace("torch.", ""), "matrix": [rows, cols], "layout": layout,
        "reduced": reduced, "note": note, "fields": list(TENSOR_FIELDS)})


def _deferred(collector: "Collector", t: torch.Tensor, view: tuple[int, int], keys: list[str]):
    """``summarise(t)`` once, when the writer thread first asks. A failure there is reported once (and
    switches the snapshots off); the record then holds NaNs rather than stopping the writer."""
    done: dict[str, torch.Tensor] = {}

    def summary() -> dict[str, torch.Tensor]:
        if not done:
            try:
                done.update(summarise(t))
            except Exception as exc:
                collector._report_failure("snapshot", exc)
                shapes = {"values": view, "absmax": view, "stats": (len(TENSOR_FIELDS),), "edges": (HIST_BINS + 1,),
                          "counts": (HIST_BINS,)}
                done.update({k: torch.full(shapes[k], math.nan) for k in keys})
        return done

    return summary
