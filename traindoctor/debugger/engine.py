"""The live engine: watchpoints evaluated on every training step, as a collector step plugin.

Per step, each watched tensor gets one row of raw statistics (``conditions.BASE_FIELDS``
plus the range columns the watchpoints ask for), computed on the tensor's device and
only for the fields its watchpoints need: an L1 norm for everything (its finiteness
is the overflow check), ``_foreach`` kernels over all weights or gradients at once,
one reduction per activation. At the end of the step the rows are concatenated and
moved to the host in one transfer, every watchpoint is evaluated over the block
(``conditions.evaluate``) and the hits are written as ``hit`` events in execution
order (initial weights, module outputs in forward order, gradients, updated weights).
The rows are also recorded as the ``watch`` table so that ``traindoctor hits`` can
re-evaluate other conditions offline.

When ``tensor_overflow`` first hits a module output the engine re-executes that
module under a dispatch mode (``localize.py``) and names the first non-finite op.
A watchpoint marked ``break_on`` pauses the training thread after the step, serving
the control channel (``control.py``) until the user continues, steps or stops.
"""
from __future__ import annotations

import math
import time
import weakref
from typing import Any

import numpy as np
import torch

from ..collect.plugins import FINITE_OUTPUT, StepPlugin
from ..collect.stats import RAW_ACTIVATION, change_sample, on_device
from ..collect.torch import _first_float_tensor
from . import conditions as C
from .control import Server
from .localize import first_nonfinite_gradient, first_nonfinite_op
from .watchpoints import Watchpoint, parse_all

#: How many module outputs are localised at op level per run (each costs one re-execution).
MAX_LOCALIZATIONS = 3
#: Hit events written per (watchpoint, node); later hits are counted in ``watch_summary`` (a NaN that
#: persists would otherwise write one event per node per step). The ``watch`` table keeps every step's
#: statistics, so ``traindoctor hits RUN --watch ...`` still finds them all.
HIT_EVENTS_PER_NODE = 50
#: ...and per watchpoint: a NaN that reaches every module and parameter hit each of them at once, and an
#: evaluation of 64 steps handed the writer thousands of events in one go, past its queue (3,700 records
#: dropped, and the report's warning, on a residual MLP that went NaN at step 0).
HIT_EVENTS_PER_WATCHPOINT = 400
#: Elements per weight that the change-ratio conditions compare beyond this size: a fixed sample of
#: CHANGE_CHUNKS contiguous runs (16 elements each). The ratio is one of two means of |values|, which 16,384
#: elements estimate to about 1% (the test compares with the exact ratio at 2%); many short runs cover the
#: rows and columns of a weight better than few long ones, and the sample's passes cost half of 65,536's.
CHANGE_SAMPLE = 1 << 14
CHANGE_CHUNKS = 1021
#: Without breakpoints, the watchpoints are evaluated over this many steps' rows at once (or the rows of
#: EVALUATE_SECONDS, whichever comes first): hits reach the record a second later at most, and the
#: per-step cost of the evaluation is divided by the number of steps. An evaluation has a fixed part (each
#: watchpoint's selection and outcome) of about 1 ms on the debugger benchmark's MLP: every half second,
#: as before, it cost 0.4% of the training time.
EVALUATE_STEPS = 64
EVALUATE_SECONDS = 1.0
#: Elements above which range counts are taken on a prefix of whole samples (see _count_in_range).
RANGE_SAMPLE = 1 << 16
#: Steps of ``watch`` rows buffered before they are handed to the writer.
WATCH_FLUSH_STEPS = 64
_ACTIVE: "weakref.ref[Debugger] | None" = None
#: positions in the collector's raw activation row (``stats.RAW_ACTIVATION``): the exact sum and non-finite count
_SUM, _NONFINITE = RAW_ACTIVATION.index("sum"), RAW_ACTIVATION.index("nonfinite")
_LOW_PRECISION = (torch.float16, torch.bfloat16)
_ZERO = torch.zeros(())
#: Module classes whose output is never below zero (NaN aside).
_RECTIFIERS = frozenset({"ReLU", "ReLU6"})


def mark(name: str, tensor: torch.Tensor) -> None:
    """Watch ``tensor`` under ``name`` in the current step (conditions whose target is ``tensor``)."""
    dbg = _ACTIVE() if _ACTIVE is not None else None
    if dbg is not None and torch.is_tensor(tensor) and tensor.is_floating_point():
        dbg._guard(dbg._add_tensor, "tensor", name, None, tensor, None, None)


class _Rows:
    """The statistics rows not yet evaluated, on their devices, with host-side labels."""

    def __init__(self) -> None:
        #: (the field positions a block holds, its rows, one column per position: [rows], or 0-d for a single
        #: row); the fields it does not hold are NaN. Stacked only at evaluation (``_Transfer``), over many
        #: steps at once: a stack per module output and step cost more than the statistics themselves.
        self.blocks: list[tuple[tuple[int, ...], int, list[torch.Tensor]]] = []
        #: kind, node, module class, step, initial, numel, exact non-finite count (NaN: unknown)
        self.labels: list[tuple[str, str, str | None, int, bool, float, float]] = []

    def __len__(self) -> int:
        return len(self.labels)


class Debugger(StepPlugin):
    """Evaluates watchpoints on every step; records hits; pauses on breakpoints."""

    def __init__(self, collector: Any, watchpoints: list[Watchpoint]) -> None:
        global _ACTIVE
        self.watchpoints = watchpoints
        self.collector = collector
        self.range_fields = sorted({f for wp in watchpoints for f in wp.cond.needs(wp.params)
                                    if f.startswith("in_range[")})
        self.fields = C.BASE_FIELDS + ("initial",) + tuple(self.range_fields)
        #: per range field: (lo, hi, p) where every watchpoint reading it is ``range_percentage_lt`` and p the
        #: largest threshold (a lower bound of the inside share at or above p settles them all); else p None
        self._ranges: dict[str, tuple[float, float, float | None]] = {}
        for f in self.range_fields:
            lo, hi = (float(x) for x in f[len("in_range["):-1].split(","))
            ps = [wp.params.get("range_percentage_lt") for wp in watchpoints
                  if f in wp.cond.needs(wp.params) and wp.cond.family == "range"]
            only_lt = ps and all(p is not None for p in ps) and not any(
                "range_percentage_gt" in wp.params for wp in watchpoints if f in wp.cond.needs(wp.params))
            self._ranges[f] = (lo, hi, max(float(p) for p in ps) if only_lt else None)
        self._fi = {f: i for i, f in enumerate(self.fields)}
        self._select_cache: dict[tuple[str, str, str | None], tuple[list[Watchpoint], frozenset[str]]] = {}
        self._overflow_of: dict[int, bool] = {}
        self._interned: dict[frozenset[str], frozenset[str]] = {}
        self._present: dict[tuple[str, ...], tuple[int, ...]] = {}
        self._nan_vectors: dict[int, torch.Tensor] = {}
        self._groups_cache: dict[tuple[bool, int], list[tuple[tuple, list[int]]]] = {}
        self._limits_cache: dict[tuple[str, tuple[int, ...]], tuple[list[int], np.ndarray]] = {}
        self._views_cache: dict[tuple[int, ...], tuple[list, list[str], list[torch.Tensor | None]]] = {}
        #: the fields that _stat_columns computes from the tensors (without, and with, the sum)
        self._computed = frozenset({"abs_sum", "min", "max", "nonzero", *self.range_fields})
        self._computed_sum = self._computed | {"sum"}
        self._rows = _Rows()
        self._nan: dict[torch.device, torch.Tensor] = {}
        self._prev: dict[int, torch.Tensor] = {}  # initial values, and the previous values of exact views
        self._change_state: dict[tuple[int, ...], _ChangeBuffers] = {}  # sampled views' previous values
        self._scales: dict[tuple, torch.Tensor] = {}  # numel / sampled, per (weights, sizes)
        self._layouts: dict[tuple, list[tuple[Watchpoint, np.ndarray]]] = {}
        self._initial_done = False
        self._done_step = -1
        self._weights_due: int | None = None  # a step whose hand-written update comes after its completion
        self._evaluated_step = -1
        self._forward_bad: set[int] = set()  # steps whose forward pass produced a non-finite output (CPU)
        self._evaluated_at = time.monotonic()
        # this step's columns by tensor (address, shape, strides, dtype, version), with a weak reference to the
        # tensor: a freed tensor's memory goes to a later one of the same shape, which must not get its columns
        self._seen_dedupe: dict[tuple, tuple[weakref.ref, dict]] = {}
        self._inflight: list[tuple[_Rows, _Transfer]] = []  # rows on their way to the host, oldest first
        self._origins: dict[tuple[int, str], dict] = {}
        self._localized = 0
        self._armed: set[str] = set()
        self._probe_backward = False
        self._grad_probes = 0
        self._grads_seen: set[int] = set()
        self._grad_origins: dict[int, dict] = {}
        self._counts = {wp.id: {s: 0 for s in C.STATE_NAMES.values()} for wp in watchpoints}
        self._cannot_reported: set[tuple[int, str]] = set()
        self._hit_counts: dict[Any, int] = {}  # per (watchpoint, node), and per watchpoint
        self._suppressed = 0
        self._watch_buf: list[tuple[np.ndarray, list[str], np.ndarray]] = []
        self._replaying = False
        self._stop = False
        self._step_mode = False
        self.hits = 0
        self.breaks = any(wp.break_on for wp in watchpoints)
        # an overflow check on module outputs reads the collector's exact sums, taken with the script's threads
        self.exact_activation_sums = any(wp.cond.family == "overflow" and wp.cond.target in ("tensor", "activation")
                                         for wp in watchpoints)
        self._keep: dict[str, torch.Tensor] = {}
        self._last_host: dict[str, dict[str, float]] = {}
        self._prev_host: dict[str, dict[str, float]] = {}
        self._pause_hits: list[dict] = []
        self.server = Server(collector.run_dir, collector.rank) if self.breaks else None
        if self.server is not None:
            self.server.publish({"status": "running", "step": 0, "watchpoints": [w.to_json() for w in watchpoints]})
        collector.writer.put_json({"kind": "watchpoints", "watchpoints": [w.to_json() for w in watchpoints],
                                   "fields": list(self.fields)})
        _ACTIVE = weakref.ref(self)

    @classmethod
    def from_specs(cls, collector: Any, watch: list[str], break_on: list[str]) -> "Debugger":
        return cls(collector, parse_all(watch, break_on))

    # ------------------------------------------------------------------ helpers
    def _guard(self, fn: Any, *args: Any) -> Any:
        """An internal error is reported once and switches the debugger off; the training goes on."""
        if "debugger" in self.collector._disabled:
            return None
        try:
            return fn(*args)
        except (SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            self.collector._report_failure("debugger", exc)
            return None

    def _select(self, kind: str, node: str, cls: str | None) -> tuple[list[Watchpoint], set[str]]:
        key = (kind, node, cls)
        hit = self._select_cache.get(key)
        if hit is None:
            wps = [wp for wp in self.watchpoints if wp.selects(node, kind, cls)]
            needs: set[str] = set()
            for wp in wps:
                needs |= wp.cond.needs(wp.params)
            interned = self._interned.setdefault(frozenset(needs), frozenset(needs))  # one object per need set
            hit = self._select_cache[key] = (wps, interned)
        return hit

    def _watches_overflow(self, wps: list[Watchpoint]) -> bool:
        """Whether an overflow condition is among ``wps`` (a list ``_select`` caches: keyed by its id)."""
        got = self._overflow_of.get(id(wps))
        if got is None:
            got = self._overflow_of[id(wps)] = any(wp.cond.family == "overflow" for wp in wps)
        return got

    def _nan_vector(self, n: int) -> torch.Tensor:
        """NaN ``[n]`` on the CPU, shared (rows only read it)."""
        t = self._nan_vectors.get(n)
        if t is None:
            t = self._nan_vectors[n] = torch.full((n,), math.nan)
        return t

    def _nan_of(self, dev: torch.device) -> torch.Tensor:
        t = self._nan.get(dev)
        if t is None:
            t = self._nan[dev] = torch.tensor(math.nan, device=dev)
        return t

    # ------------------------------------------------------------------ statistics
    def _stat_columns(self, ts: list[torch.Tensor], needs: frozenset[str] | set[str], detect: bool = True,
                      nonneg: bool = False, limits: np.ndarray | None = None,
                      l2: torch.Tensor | None = None, skip_sum: bool = False) -> dict[str, torch.Tensor]:
        """Columns [n] for the fields ``needs`` asks for, on the tensors' device.

        The overflow check is the finiteness of a sum or a norm: on the CPU ``sum`` costs a tenth of
        ``isfinite().all()`` and a sixth of an L1 norm (measured on one core), and any NaN/Inf makes it
        non-finite. Over many tensors (weights, gradients) it is the L2 norm from one ``_foreach_norm``
        dispatch, or the norms the collector already took (``l2``, gradients). ``abs_sum`` is computed only
        for the abs-mean parameters; on the CPU, with the per-tensor ``limits`` (``[n, 5]``: the largest
        ``abs_mean_lt``, the smallest ``abs_mean_gt``, the element count, and the L2 norms that rule both
        out), only for the tensors that the L2 norm's bounds leave undecided (``conditions.abs_mean_bounds``).
        ``skip_sum``: the caller has the sum.
        """
        if not detect and l2 is None and needs.isdisjoint(self._computed if skip_sum else self._computed_sum) and \
                ("limit" not in needs or not any(t.dtype in _LOW_PRECISION for t in ts)):
            return {}  # nothing to compute: the common case of a module output between full steps
        f32 = [t if t.dtype in (torch.float32, torch.float64) else t.float() for t in ts]
        cols: dict[str, torch.Tensor] = {}
        if l2 is None and len(f32) > 1 and (detect or "abs_sum" in needs):
            l2 = torch.stack(torch._foreach_norm(f32)).float()
        if l2 is not None:
            cols["l2"] = l2
        if "abs_sum" in needs:
            if limits is not None and l2 is not None and l2.device.type == "cpu":
                # no abs sum where the norm's bounds rule every abs-mean threshold out; a tensor that may
                # trigger gets its exact abs sum, so that a hit's statistics are exact
                v = l2.numpy()  # (C.abs_mean_bounds: L2/n <= abs_mean <= L2/sqrt(n), in the norms' terms)
                ruled_out = np.isfinite(v) & (v >= limits[:, 3]) & (v <= limits[:, 4])
                if ruled_out.all():
                    cols["abs_sum"] = self._nan_vector(len(f32))
                else:
                    exact = np.nonzero(~ruled_out)[0].tolist()
                    a = torch.full((len(f32),), math.nan)
                    a[exact] = torch.stack([f32[k].abs().sum() for k in exact]).float()
                    cols["abs_sum"] = a
            else:
                cols["abs_sum"] = torch.stack([t.abs().sum() for t in f32]).float()
        if "sum" in needs and not skip_sum:
            cols["sum"] = torch.stack([t.sum() for t in f32]).float()
        elif detect and l2 is None and "abs_sum" not in needs:
            cols["detector"] = f32[0].sum().float().reshape(1)  # a single output: its sum is the cheaper pass
        if "min" in needs or "max" in needs:
            mm = [torch.aminmax(t) if t.numel() else (t.new_tensor(math.nan),) * 2 for t in f32]
            cols["min"] = torch.stack([m[0] for m in mm]).float()
            cols["max"] = torch.stack([m[1] for m in mm]).float()
        if "nonzero" in needs:
            cols["nonzero"] = torch.stack([t.ne(0).sum(dtype=_count_dtype(t)) for t in ts]).float()
        if "limit" in needs:
            lows = [t.dtype in _LOW_PRECISION for t in ts]
            if any(lows):
                nan = self._nan_of(ts[0].device)
                cols["limit"] = torch.stack([
                    ((t.abs() >= torch.finfo(t.dtype).max) | torch.isnan(t)).sum().float() if low else nan
                    for t, low in zip(ts, lows)])
        for f in self.range_fields:
            if f in needs:
                lo, hi, p = self._ranges[f]
                counts = []
                for t in f32:
                    c = _inside_lower_bound(t, lo, hi, p) if p is not None else None
                    counts.append(c if c is not None else _count_in_range(t, lo, hi, nonneg))
                cols[f] = torch.stack(counts).float()
        det = self._detector(cols)
        if det is not None and det.device.type != "cpu":  # 0/1 on the device; on the CPU _nonfinite_host
            cols["nonfinite"] = (~torch.isfinite(det)).float()  # reads the detector and counts exactly
        return cols

    @staticmethod
    def _detector(cols: dict[str, torch.Tensor]) -> torch.Tensor | None:
        for k in ("l2", "abs_sum", "sum", "detector"):  # l2 first: an abs sum may be taken for some rows only
            if k in cols:
                return cols[k]
        return None

    def _abs_limits(self, kind: str, name: str) -> tuple[float, float]:
        """(largest abs_mean_lt, smallest abs_mean_gt) over the watchpoints on this node."""
        key = ("limits", kind, name)
        hit = self._select_cache.get(key)
        if hit is None:
            params = [wp.params for wp in self._select(kind, name, None)[0]]
            lt = max((float(p["abs_mean_lt"]) for p in params if "abs_mean_lt" in p), default=-math.inf)
            gt = min((float(p["abs_mean_gt"]) for p in params if "abs_mean_gt" in p), default=math.inf)
            hit = self._select_cache[key] = (lt, gt)
        return hit

    def _append(self, kind: str, nodes: list[str], step: int, cols: dict[str, torch.Tensor], numels: list[float],
                nonfinite: list[float], initial: bool = False, cls: str | None = None) -> None:
        keys = tuple(cols)
        present = self._present.get(keys)
        if present is None:
            present = self._present[keys] = tuple(self._fi[f] for f in keys if f in self._fi and f != "initial")
        self._rows.blocks.append((present, len(nodes), [cols[self.fields[i]] for i in present]))
        for node, numel, nf in zip(nodes, numels, nonfinite):
            self._rows.labels.append((kind, node, cls, step, initial, numel, nf))

    def _nonfinite_host(self, cols: dict[str, torch.Tensor], ts: list[torch.Tensor]) -> list[float]:
        """Exact NaN/Inf counts on the CPU (reading a CPU scalar costs nothing, and a non-finite sum is then
        confirmed element by element); NaN elsewhere, where the evaluation reads the detector's finiteness."""
        det = self._detector(cols)
        if det is None or det.device.type != "cpu":
            return [math.nan] * len(ts)
        vals = det.tolist() if det.dim() else [float(det)]
        return [0.0 if math.isfinite(v) else float((~torch.isfinite(t)).sum()) for v, t in zip(vals, ts)]

    # ------------------------------------------------------------------ hooks
    def on_step_begin(self, collector: Any, step: int) -> None:
        if self._stop:
            raise SystemExit(0)
        self._grads_seen = set()
        if self._weights_due is not None:
            due, self._weights_due = self._weights_due, None
            self._guard(self._weights, collector, due, False)
        if not self._initial_done:
            self._initial_done = True
            self._guard(self._weights, collector, step, True)

    def on_module_output(self, collector: Any, name: str | None, module: Any, args: Any, output: Any,
                         row: Any = None) -> None:
        if self._replaying:
            return
        functional = isinstance(module, str)  # F.relu & co. inside a module: called from a guarded collector part
        if self._stop and not functional:
            raise SystemExit(0)
        t = _first_float_tensor(output)
        if t is None:
            return
        cls = module if functional else type(module).__name__
        node = name or cls
        self._guard(self._add_tensor, "activation", node, cls, t, None if functional else module, args,
                    row)

    def _add_tensor(self, kind: str, node: str, cls: str | None, t: torch.Tensor, module: Any, args: Any,
                    row: torch.Tensor | None = None) -> None:
        wps, needs = self._select(kind, node, cls)
        if not wps:
            return
        src, t = t, t.detach()  # the script's tensor (alive while its memory is in use), and ours to read
        step = self.collector._forward_step()
        cpu = t.device.type == "cpu"
        if row is FINITE_OUTPUT and not needs.isdisjoint(("sum", "abs_sum")):
            row = None  # the collector took no exact sum of this output: the statistics are taken here
        if row is FINITE_OUTPUT:
            # finite without a pass (a ReLU or pooling of outputs whose exact sums were finite, on the CPU)
            cols_row = self._stat_columns([t], needs, detect=False, nonneg=cls in _RECTIFIERS, skip_sum=True)
            cols_row["nonfinite"] = _ZERO
        elif row is not None and row.dim() == 0 and "abs_sum" not in needs:
            # between the collector's full steps: its sum of this output is the overflow detector
            cols_row = self._stat_columns([t], needs, detect=False, nonneg=cls in _RECTIFIERS, skip_sum=True)
            cols_row["sum"] = row
            if not cpu:
                cols_row["nonfinite"] = (~torch.isfinite(row)).float()
        elif row is not None and "abs_sum" not in needs and row.numel() == len(RAW_ACTIVATION):
            # The collector's row holds the exact non-finite count and sum of this output: no second pass.
            cols_row = self._stat_columns([t], needs, detect=False, nonneg=cls in _RECTIFIERS, skip_sum=True)
            cols_row["nonfinite"] = row[_NONFINITE]
            if "sum" in needs:
                cols_row["sum"] = row[_SUM]
        else:
            # passes over the tensor: shared with the same tensor seen again in this step (a container's
            # output is its last child's), unless that one was freed and its memory reused
            key = (t.data_ptr(), t.shape, t.stride(), t.dtype, t._version, id(needs)) if t.numel() else None
            seen = self._seen_dedupe.get(key) if key is not None else None
            cols_row = seen[1] if seen is not None and seen[0]() is not None else None
            if cols_row is None:
                cols_row = self._stat_columns([t], needs, nonneg=cls in _RECTIFIERS)
                if key is not None:
                    self._seen_dedupe[key] = (weakref.ref(src), cols_row)
        if not cpu:
            nonfinite = [math.nan]
        elif "nonfinite" in cols_row:
            nonfinite = [float(cols_row["nonfinite"])]
        else:
            nonfinite = self._nonfinite_host(cols_row, [t])
        if self.breaks:
            self._keep[f"{kind}:{node}"] = t
            if args is not None:
                for i, a in enumerate(args if isinstance(args, (tuple, list)) else (args,)):
                    if torch.is_tensor(a):
                        self._keep[f"input:{node}[{i}]"] = a.detach()
        if module is not None and self._localized < MAX_LOCALIZATIONS and self._watches_overflow(wps):
            bad = nonfinite[0] > 0 if cpu else (
                node in self._armed and not bool(torch.isfinite(t).all()))
            if bad and not any(o.get("found") for o in self._origins.values()) \
                    and not any(s == step for s, _ in self._origins):
                self._localized += 1
                self._armed.discard(node)
                self._replaying = True
                try:
                    origin = first_nonfinite_op(module, tuple(args) if isinstance(args, (tuple, list)) else (args,),
                                                node, self.collector)
                finally:
                    self._replaying = False
                origin.update(step=step, node=node, module_class=cls)
                self._origins[(step, node)] = origin
                self.collector.writer.put_json({"kind": "nonfinite_op", **_jsonable(origin)})
        if kind == "activation" and nonfinite[0] > 0 and len(self._forward_bad) < 10000:
            self._forward_bad.add(step)
        self._append(kind, [node], step, cols_row, [float(t.numel())], nonfinite, cls=cls)

    def on_backward(self, collector: Any, loss: Any) -> None:
        """After a gradient went non-finite while the forward pass stayed finite, probe the next backward
        whose loss is finite and name the first autograd node that produced a non-finite gradient."""
        if not self._probe_backward or self._replaying or not bool(torch.isfinite(loss.detach()).all()):
            return
        self._grad_probes += 1
        self._probe_backward = False
        step = collector._forward_step()
        params = [p for p in collector._params if p.requires_grad]
        origin = self._guard(first_nonfinite_gradient, loss, params) or {"found": False}
        origin["step"] = step
        self._grad_origins[step] = origin
        collector.writer.put_json({"kind": "nonfinite_op", **_jsonable(origin)})
        if not origin.get("found") and self._grad_probes < MAX_LOCALIZATIONS:
            self._probe_backward = True

    def on_gradients(self, collector: Any, step: int, param_idxs: list[int]) -> None:
        self._guard(self._gradients, collector, step, param_idxs)

    def _gradients(self, collector: Any, step: int, param_idxs: list[int]) -> None:
        self._grads_seen.update(param_idxs)
        by_dev: dict[tuple, list[int]] = {}
        for i in param_idxs:
            p = collector._params[i]
            g = p.grad
            if g is None or not g.is_floating_point() or g.is_sparse:
                continue
            wps, needs = self._select("gradient", collector._param_names[i], None)
            if wps:
                by_dev.setdefault((g.device, frozenset(needs)), []).append(i)
        grad_norms = getattr(collector, "grad_norms", None)
        for (dev, needs), idxs in by_dev.items():
            gs = [collector._params[i].grad.detach() for i in idxs]
            names = [collector._param_names[i] for i in idxs]
            shared = grad_norms(idxs) if grad_norms is not None else None
            limits = self._limits("gradient", idxs, gs) if "abs_sum" in needs else None
            cols = self._stat_columns(gs, needs, limits=limits, l2=shared)
            if self.breaks:
                for n, g in zip(names, gs):
                    self._keep[f"gradient:{n}"] = g
            nonfinite = self._nonfinite_host(cols, gs)
            self._append("gradient", names, step, cols, [float(g.numel()) for g in gs], nonfinite)
            if self._grad_probes == 0 and step not in self._forward_bad and any(v > 0 for v in nonfinite) \
                    and any(wp.condition == "gradient_exploding" for wp in self.watchpoints):
                self._probe_backward = True  # known now on the CPU: the next finite backward is probed

    def on_scaler_step(self, collector: Any, step: int, optimizer: Any, found_inf: Any) -> None:
        # A skipped optimizer step calls no optimizer hook: watch its (unscaled) gradients here.
        missing = [collector._param_index[id(p)] for g in getattr(optimizer, "param_groups", [])
                   for p in g["params"] if id(p) in collector._param_index
                   and collector._param_index[id(p)] not in self._grads_seen] if step > self._done_step else []
        if missing:
            self._guard(self._gradients, collector, step, missing)
        wps, needs = self._select("tensor", "GradScaler", "GradScaler")
        if not wps or not torch.is_tensor(found_inf):
            return
        f = found_inf.reshape(1).float()
        self._append("tensor", ["GradScaler"], step, {"sum": torch.zeros_like(f), "limit": f}, [1.0], [0.0],
                     cls="GradScaler")

    def _change_kind(self, i: int) -> str | None:
        """``exact`` (weight_not_changed needs every element), ``sampled`` (change ratios), or None."""
        fams = {w.cond.family for w in self._select("weight", self.collector._param_names[i], None)[0]}
        if "not_changed" in fams:
            return "exact"
        return "sampled" if fams & {"change_large", "change_small"} else None

    def _change_view(self, w: torch.Tensor, kind: str) -> torch.Tensor:
        """The elements the change conditions compare: all of them, or a fixed sample of a large tensor
        (``collect.stats.change_sample``: contiguous runs spread over it).

        The update ratio is a ratio of means, so a sample of CHANGE_SAMPLE elements estimates it within a few
        percent while costing a gather instead of three passes (subtract, norm, copy) over every weight.
        """
        return w.reshape(-1) if kind == "exact" else change_sample(w, CHANGE_SAMPLE, CHANGE_CHUNKS)

    def _weight_groups(self, collector: Any, initial: bool) -> list[tuple[tuple, list[int]]]:
        """The watched weights grouped by (device, needs), made again when the parameters change."""
        key = (initial, len(collector._params))
        cached = self._groups_cache.get(key)
        params = collector._params
        if cached is not None and all(params[idxs[0]].device == dev for (dev, _), idxs in cached):
            return cached
        groups: dict[tuple, list[int]] = {}
        for i, p in enumerate(params):
            if not p.is_floating_point():
                continue
            wps, needs = self._select("weight", collector._param_names[i], None)
            wps = [w for w in wps if w.cond.initial_only == initial]
            if wps:
                needs = set().union(*(w.cond.needs(w.params) for w in wps))
                if not initial and self._change_kind(i):
                    needs.add("change")
                groups.setdefault((p.device, frozenset(needs)), []).append(i)
        out = self._groups_cache[key] = list(groups.items())
        return out

    def _limits(self, kind: str, idxs: list[int], ts: list[torch.Tensor]) -> np.ndarray:
        """``[n, 5]``: each tensor's largest abs_mean_lt, smallest abs_mean_gt (``_abs_limits``), size, and the
        L2 norms between which both are ruled out: ``lt * n <= L2 <= gt * sqrt(n)`` (``abs_mean_bounds``
        turned around, so that a step compares the norms once instead of deriving the bounds)."""
        key = (kind, tuple(idxs))
        numel = [t.numel() for t in ts]
        hit = self._limits_cache.get(key)
        if hit is None or hit[0] != numel:
            names = self.collector._param_names
            lim = np.array([(*self._abs_limits(kind, names[i]), n) for i, n in zip(idxs, numel)],
                           np.float64).reshape(-1, 3)
            with np.errstate(invalid="ignore"):
                n = np.where(lim[:, 2] > 0, lim[:, 2], np.nan)
                lim = np.concatenate([lim, (lim[:, 0] * n)[:, None], (lim[:, 1] * np.sqrt(n))[:, None]], 1)
            hit = self._limits_cache[key] = (numel, lim)
        return hit[1]

    def _weights(self, collector: Any, step: int, initial: bool) -> None:
        groups = self._weight_groups(collector, initial)
        if initial:  # the baseline of the first step's change is the initial value
            for i, p in enumerate(collector._params):
                kind = self._change_kind(i) if p.is_floating_point() else None
                if kind:
                    self._prev[i] = self._change_view(p.detach(), kind).clone()
        weight_norms = getattr(collector, "weight_norms", None)
        for (dev, needs), idxs in groups:
            ws = [collector._params[i].detach() for i in idxs]
            names = [collector._param_names[i] for i in idxs]
            limits = self._limits("weight", idxs, ws) if "abs_sum" in needs else None
            # the norms are shared with the recording, which takes them instead of its own pass next step
            shared = weight_norms(idxs) if weight_norms is not None and len(ws) > 1 else None
            cols = self._stat_columns(ws, needs, limits=limits, l2=shared)
            if "change" in needs:
                self._changes(idxs, ws, cols)
            if self.breaks and not initial:
                for n, w in zip(names, ws):
                    self._keep[f"weight:{n}"] = w
            self._append("weight", names, step, cols, [float(w.numel()) for w in ws],
                         self._nonfinite_host(cols, ws), initial=initial)

    def _change_views(self, idxs: list[int], ws: list[torch.Tensor]) -> tuple[list[str], list[torch.Tensor]]:
        """The kinds and ``_change_view`` of these weights, made once: a view follows the optimizer's in-place
        updates, and is made again when a weight's storage or shape changed. A non-contiguous weight's
        view is a copy, made every step."""
        key = tuple(idxs)
        ident = [(w.data_ptr(), w.shape) for w in ws]
        cached = self._views_cache.get(key)
        if cached is None or cached[0] != ident:
            kinds = [self._change_kind(i) or "sampled" for i in idxs]
            cached = self._views_cache[key] = (ident, kinds, [
                self._change_view(w, k) if w.is_contiguous() else None for w, k in zip(ws, kinds)])
        _, kinds, views = cached
        if any(v is None for v in views):
            views = [v if v is not None else self._change_view(w, k) for v, w, k in zip(views, ws, kinds)]
        return kinds, views

    def _changes(self, idxs: list[int], ws: list[torch.Tensor], cols: dict[str, torch.Tensor]) -> None:
        """prev_abs_sum, update_abs_sum (scaled from the sample to the whole tensor) and not_close."""
        kinds, views = self._change_views(idxs, ws)
        key = (tuple(idxs), tuple(w.numel() for w in ws))  # a replaced weight may change size
        scale = self._scales.get(key)
        if scale is None:
            if len(self._scales) > 64:
                self._scales.clear()
            scale = self._scales[key] = on_device([w.numel() / max(v.numel(), 1) for w, v in zip(ws, views)],
                                                  ws[0].device)
        if "exact" not in kinds:  # a group's weights share their watchpoints: all sampled, or all exact
            self._sampled_changes(tuple(idxs), views, cols, scale)
            return
        if not all(i in self._prev and self._prev[i].shape == v.shape for i, v in zip(idxs, views)):
            for i, v in zip(idxs, views):  # new or reshaped parameters: the next step has a previous value
                self._prev[i] = v.clone()
            return
        prev = [self._prev[i] for i in idxs]
        wp = next(w for w in self.watchpoints if w.cond.family == "not_changed")
        nan = self._nan_of(ws[0].device)
        cols["not_close"] = torch.stack([
            (~torch.isclose(v, p, float(wp.params["rtol"]), float(wp.params["atol"]),
                            bool(wp.params.get("equal_nan", False)))).sum().float() if k == "exact" else nan
            for v, p, k in zip(views, prev, kinds)])
        cols["prev_abs_sum"] = torch.stack([p.abs().sum() for p in prev]).float() * scale
        torch._foreach_sub_(prev, views)
        cols["update_abs_sum"] = torch.stack([p.abs().sum() for p in prev]).float() * scale
        torch._foreach_copy_(prev, views)

    def _sampled_changes(self, key: tuple[int, ...], views: list[torch.Tensor], cols: dict[str, torch.Tensor],
                         scale: torch.Tensor) -> None:
        """The change columns of a group of sampled weights, from their ``_ChangeBuffers``. The first step of
        a group compares with the initial values (``_weights(initial=True)``) where it has them; a group
        whose views changed shape starts again (no previous value: its columns are left out this step)."""
        state = self._change_state.get(key)
        shapes = [v.shape for v in views]
        if state is None or state.shapes != shapes:
            state = self._change_state[key] = _ChangeBuffers(views)
            initial = [self._prev.pop(i, None) for i in key]
            if not all(p is not None and p.shape == v.shape for p, v in zip(initial, views)):
                state.set_prev(views)
                return
            state.set_prev(initial)
        prev_abs, update_abs = state.step(views)
        cols["prev_abs_sum"] = prev_abs * scale
        cols["update_abs_sum"] = update_abs * scale

    def on_step_complete(self, collector: Any, step: int) -> None:
        if self._stop:
            raise SystemExit(0)
        if step <= self._done_step:
            if step == self._weights_due and getattr(collector, "_optimizers", True):
                # an optimizer that the collector first met at this step's update (built before it was
                # installed): the step had been taken for a hand-written update, now the weights are updated
                self._weights_due = None
                self._guard(self._weights, collector, step, False)
            return
        self._done_step = step
        if getattr(collector, "_optimizers", True):
            self._guard(self._weights, collector, step, False)
        else:
            # no optimizer known: the step completes at its backward and a hand-written update comes after
            # it; the weights after it are checked when the next step begins, with this step's number
            self._weights_due = step
        hits: list[dict] = []
        # Without a breakpoint nothing waits on the outcome: the rows of several steps are evaluated together.
        if self.breaks or step - self._evaluated_step >= EVALUATE_STEPS or \
                time.monotonic() - self._evaluated_at >= EVALUATE_SECONDS:
            self._evaluated_step, self._evaluated_at = step, time.monotonic()
            hits = self._guard(self._evaluate, step, bool(self.breaks)) or []
        elif self._inflight and self._inflight[0][1].ready():
            hits = self._guard(self._drain, False) or []
        self._seen_dedupe.clear()
        if self.server is not None:
            self._maybe_pause(collector, step, hits)
        self._keep.clear()
        self._keep_prev()

    def on_close(self, collector: Any) -> None:
        global _ACTIVE
        if self._weights_due is not None:
            due, self._weights_due = self._weights_due, None
            self._guard(self._weights, collector, due, False)
        if len(self._rows) or self._inflight:
            self._guard(self._evaluate, collector.step, True)
        self._flush_watch()
        collector.writer.put_json({"kind": "watch_summary", "hits": self.hits, "hits_not_written": self._suppressed,
                                   "outcomes": [
            {"watchpoint": wp.id, "condition": wp.condition, **self._counts[wp.id]} for wp in self.watchpoints]})
        if self.server is not None:
            self.server.publish({"status": "stopped" if self._stop else "ended", "step": collector.step})
        if _ACTIVE is not None and _ACTIVE() is self:
            _ACTIVE = None

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, step: int, wait: bool = True) -> list[dict]:
        """Start moving the rows gathered since the last evaluation to the host, and evaluate every batch
        whose transfer is done, in order (all of them when ``wait``). On the CPU that is at once. From an
        accelerator the copy runs behind the training (pinned memory and an event), and without a
        breakpoint its rows are evaluated at a later step's end: the host never waits for the device."""
        rows = self._rows
        self._rows = _Rows()
        if len(rows):
            self._inflight.append((rows, _Transfer(rows.blocks, len(self.fields))))
        return self._drain(wait)

    def _drain(self, wait: bool) -> list[dict]:
        hits: list[dict] = []
        while self._inflight and (wait or self._inflight[0][1].ready()):
            rows, transfer = self._inflight.pop(0)
            hits += self._evaluate_rows(rows, transfer.result())
        return hits

    def _evaluate_rows(self, rows: "_Rows", host: np.ndarray) -> list[dict]:
        cols = {f: host[:, i].astype(np.float64) for i, f in enumerate(self.fields)}
        labels = rows.labels
        numel = np.array([l[5] for l in labels])
        nonfinite_exact = np.array([l[6] for l in labels])
        cols["numel"] = numel
        # exact counts where known on the host, else the device column (a shared row's count, or a 0/1 flag)
        cols["nonfinite"] = np.where(~np.isnan(nonfinite_exact), nonfinite_exact, cols["nonfinite"])
        initial = np.array([l[4] for l in labels])
        cols["initial"] = initial.astype(np.float64)
        kinds = [l[0] for l in labels]
        nodes = [l[1] for l in labels]
        classes = [l[2] for l in labels]
        steps = [l[3] for l in labels]
        self._buffer_watch(steps, kinds, nodes, host, cols)
        per_row: list[list[dict]] = [[] for _ in labels]
        for wp, idx in self._selections(labels):
            counts = self._counts[wp.id]
            fam = wp.cond.family
            if fam == "overflow" and not (cols["nonfinite"][idx] != 0).any() or \
                    fam == "op_overflow" and not (cols["limit"][idx] > 0).any():
                # the common case, decided without building the outcome: every row finite
                if fam == "op_overflow":
                    na = int(np.isnan(cols["limit"][idx]).sum())
                    counts["not_applicable"] += na
                    counts["not_hit"] += len(idx) - na
                else:
                    counts["not_hit"] += len(idx)
                continue
            sub = {k: v[idx] for k, v in cols.items()}
            out = C.evaluate(wp.cond, wp.params, sub)
            tally = np.bincount(out.state, minlength=len(C.STATE_NAMES))
            for st, name in C.STATE_NAMES.items():
                counts[name] += int(tally[st])
            for j in np.nonzero((out.state == C.HIT) | (out.state == C.CANNOT_CHECK))[0]:
                r = idx[j]
                st = int(out.state[j])
                if st == C.HIT:
                    hit = {"kind": "hit", "condition": wp.condition, "target": kinds[r], "node": nodes[r],
                           "step": steps[r], "stats": C.hit_stats(wp.cond, wp.params, out, j),
                           "watchpoint": wp.id, "params": dict(wp.params), "triggered": out.triggered[j]}
                    origin = self._origins.get((steps[r], nodes[r]))
                    if origin is not None and wp.cond.family == "overflow" and kinds[r] == "activation":
                        hit["origin"] = _jsonable({k: v for k, v in origin.items() if k not in ("step", "node")})
                    elif wp.cond.family == "overflow" and kinds[r] == "activation" and not self._origins:
                        self._armed.add(nodes[r])  # off the CPU: localise at this module's next call
                    if wp.condition == "gradient_exploding" and steps[r] in self._grad_origins:
                        hit["origin"] = _jsonable({k: v for k, v in self._grad_origins[steps[r]].items()
                                                   if k != "step"})
                    if wp.break_on:
                        hit["break"] = True
                    per_row[r].append(hit)
                elif st == C.CANNOT_CHECK and (wp.id, nodes[r]) not in self._cannot_reported \
                        and len(self._cannot_reported) < 1000:
                    self._cannot_reported.add((wp.id, nodes[r]))
                    self.collector.writer.put_json({"kind": "watch_check", "state": "cannot_check",
                                                    "condition": wp.condition, "watchpoint": wp.id,
                                                    "target": kinds[r], "node": nodes[r], "step": steps[r],
                                                    "reason": out.reason[j]})
        hits = [h for row in per_row for h in row]
        written = []
        for h in hits:
            k = (h["watchpoint"], h["node"])
            n = self._hit_counts[k] = self._hit_counts.get(k, 0) + 1
            total = self._hit_counts[h["watchpoint"]] = self._hit_counts.get(h["watchpoint"], 0) + 1
            if (n <= HIT_EVENTS_PER_NODE and total <= HIT_EVENTS_PER_WATCHPOINT) or h.get("break"):
                written.append(h)
            else:
                self._suppressed += 1
        forward_bad = {h["step"] for h in hits if h["condition"] == "tensor_overflow"}
        if self._grad_probes == 0 and any(h["condition"] == "gradient_exploding" and h["step"] not in forward_bad
                                          for h in hits):
            self._probe_backward = True
        for h in written:
            self.collector.writer.put_json(h)
        self.hits += len(hits)
        if not self.breaks:
            return hits
        d = C.derived_stats(cols)
        for r, (k, n) in enumerate(zip(kinds, nodes)):
            self._last_host[f"{k}:{n}"] = {f: C.json_number(float(v[r])) for f, v in d.items()
                                           if not math.isnan(float(v[r]))}
        return hits

    def _selections(self, labels: list[tuple]) -> list[tuple[Watchpoint, np.ndarray]]:
        """The rows each watchpoint reads, step by step: a step's rows usually repeat the previous step's
        layout, whose selection is cached."""
        parts: dict[int, list[np.ndarray]] = {}
        start = 0
        while start < len(labels):
            end = start + 1
            while end < len(labels) and labels[end][3] == labels[start][3]:
                end += 1
            seg = labels[start:end]
            layout = tuple((l[0], l[1], l[2], l[4]) for l in seg)
            selections = self._layouts.get(layout)
            if selections is None:
                selections = []
                initial = np.array([l[4] for l in seg])
                for wp in self.watchpoints:
                    sel = np.array([wp.selects(l[1], l[0], l[2]) for l in seg], bool)
                    sel &= (initial == wp.cond.initial_only)
                    if sel.any():
                        selections.append((wp, np.nonzero(sel)[0]))
                if len(self._layouts) > 64:
                    self._layouts.clear()
                self._layouts[layout] = selections
            for wp, idx in selections:
                parts.setdefault(wp.id, []).append(idx + start)
            start = end
        return [(wp, np.concatenate(parts[wp.id])) for wp in self.watchpoints if wp.id in parts]

    def _buffer_watch(self, steps: list[int], kinds: list[str], nodes: list[str], host: np.ndarray,
                      cols: dict[str, np.ndarray]) -> None:
        vals = host.copy()
        vals[:, self._fi["numel"]] = cols["numel"]
        vals[:, self._fi["nonfinite"]] = cols["nonfinite"]
        vals[:, self._fi["initial"]] = cols["initial"]
        keys = [f"{k}:{n}" for k, n in zip(kinds, nodes)]
        self._watch_buf.append((np.asarray(steps, np.int64), keys, vals))
        if len(self._watch_buf) >= WATCH_FLUSH_STEPS:
            self._flush_watch()

    def _flush_watch(self) -> None:
        buf, self._watch_buf = self._watch_buf, []
        if not buf:
            return
        names: dict[str, int] = {}
        key = np.concatenate([np.array([names.setdefault(k, len(names)) for k in keys], np.int32) for _, keys, _ in buf])
        seq = np.concatenate([np.arange(len(keys), dtype=np.int32) for _, keys, _ in buf])
        self.collector.writer.put_block("watch", {"step": np.concatenate([s for s, _, _ in buf]), "key": key,
                                                  "seq": seq, "values": np.concatenate([v for _, _, v in buf])},
                                        {"keys": list(names), "fields": list(self.fields)})

    # ------------------------------------------------------------------ pause
    def _keep_prev(self) -> None:
        if self.breaks:
            self._prev_host, self._last_host = self._last_host, {}

    def _maybe_pause(self, collector: Any, step: int, hits: list[dict]) -> None:
        breaking = [h for h in hits if h.get("break")]
        action = self.server.pending_action()
        if not breaking and not self._step_mode and action != "pause":
            if action == "stop":
                self._stop_now(collector, step)
            return
        reason = "breakpoint" if breaking else ("step" if self._step_mode else "pause")
        collector.flush()
        collector.writer.put_json({"kind": "debug_pause", "step": step, "reason": reason,
                                   "hits": len(breaking)})
        self._flush_watch()
        collector.writer.flush()
        self._pause_hits = breaking or hits
        self.server.publish({"status": "paused", "step": step, "reason": reason, "hits": self._pause_hits,
                             "tensors": sorted(self._keep), "watchpoints": [w.to_json() for w in self.watchpoints]})
        action = self.server.serve_until_resumed(self._handle)
        self._keep.clear()
        if action == "stop":
            self._stop_now(collector, step)
        self._step_mode = action == "step"
        self.server.publish({"status": "running", "step": step + 1, "after": action})

    def _stop_now(self, collector: Any, step: int) -> None:
        self._stop = True
        collector.writer.put_json({"kind": "debug_stop", "step": step})
        if self.server is not None:
            self.server.publish({"status": "stopped", "step": step})
        raise SystemExit(0)

    def _handle(self, req: dict[str, Any]) -> dict[str, Any]:
        action = req.get("action")
        if action == "state":
            return {"ok": True, "step": self._done_step, "hits": self._pause_hits, "tensors": sorted(self._keep)}
        if action == "tensors":
            return {"ok": True, "tensors": sorted(self._keep)}
        if action == "inspect":
            return self._inspect(str(req.get("tensor", "")), req.get("slice"), int(req.get("bins", 20)))
        return {"ok": False, "error": f"unknown action {action!r} (state, tensors, inspect, continue, step, stop)"}

    def _inspect(self, name: str, slc: str | None, bins: int) -> dict[str, Any]:
        if name not in self._keep:
            matches = [k for k in self._keep if k.split(":", 1)[1] == name]
            if len(matches) != 1:
                return {"ok": False, "error": f"no tensor {name!r}; tensors: {', '.join(sorted(self._keep))}"}
            name = matches[0]
        t = self._keep[name].detach()
        from ..collect.stats import histogram, input_stats

        flat = t.reshape(-1)
        part = _apply_slice(t, slc) if slc else flat[:16]
        edges, counts = histogram(t, max(1, min(bins, 256)))
        out = {"ok": True, "tensor": name, "step": self._done_step, "stats": input_stats(t),
               "slice": {"spec": slc or "first 16 (flattened)", "shape": list(part.shape),
                         "values": [C.json_number(float(v)) for v in part.reshape(-1)[:1024].float().tolist()]},
               "histogram": {"edges": [C.json_number(float(v)) for v in edges.tolist()],
                             "counts": [int(c) for c in counts.tolist()]},
               "previous": {"step": self._done_step - 1, "stats": self._prev_host.get(name)},
               "current": {"stats": self._last_host.get(name)}}
        return out


class _ChangeBuffers:
    """The previous values of a group of weights' sampled change views (``Debugger._change_view``), in two
    sets of buffers that take turns as the current and the previous values. A step copies the views into
    the current set with one ``_foreach_copy_`` and reduces each buffer in a few ops, where the per-weight
    way took an abs and a sum per weight for the previous values, the same again for the change, and a copy
    back: measured in situ (after a matmul, one thread), a transformer-like group of 27 weights went from
    358 to 202 us per step, the 6 weights of the overhead benchmark's MLP from 112 to 105 us, and on an
    accelerator 4 launches per weight become 5 per buffer.

    A buffer holds the views whose size rounds up to the same power of two, one zero-padded row per view:
    the padding stays zero in both sets and adds nothing to the sums. Sampled views hold at most
    ``CHANGE_SAMPLE`` elements: two sets cost at most 4 x 64 KB per weight (128 KB for a large weight's
    sample), where the per-weight way kept one copy. Exact views (``weight_not_changed``: every element of
    the weight) keep their single copy and the per-weight way."""

    def __init__(self, views: list[torch.Tensor]) -> None:
        dev = views[0].device
        dtype = torch.float64 if any(v.dtype == torch.float64 for v in views) else torch.float32
        self.shapes = [v.shape for v in views]
        sizes = [v.numel() for v in views]
        by_len: dict[int, list[int]] = {}
        for k, n in enumerate(sizes):
            by_len.setdefault(1 << max(n - 1, 0).bit_length(), []).append(k)
        sets = [[torch.zeros(len(ks), length, dtype=dtype, device=dev) for length, ks in by_len.items()]
                for _ in range(2)]
        self.sets = sets
        self.rows: list[list[torch.Tensor]] = [[views[0]] * len(views) for _ in range(2)]
        for s in range(2):
            for b, ks in enumerate(by_len.values()):
                for j, k in enumerate(ks):
                    self.rows[s][k] = sets[s][b][j, :sizes[k]].view(self.shapes[k])
        order = [k for ks in by_len.values() for k in ks]
        self.perm = None if order == sorted(order) else torch.tensor(order, device=dev).argsort()
        self.cur = 0

    def set_prev(self, values: list[torch.Tensor]) -> None:
        torch._foreach_copy_(self.rows[1 - self.cur], values)

    def step(self, views: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """(abs sums of the previous values, abs sums of the change) ``[len(views)]``, float32; the views'
        values become the previous ones."""
        cur, prev = self.sets[self.cur], self.sets[1 - self.cur]
        torch._foreach_copy_(self.rows[self.cur], views)
        prev_abs = [p.abs().sum(1) for p in prev]
        change_abs = [(c - p).abs_().sum(1) for c, p in zip(cur, prev)]
        self.cur = 1 - self.cur
        out = []
        for parts in (prev_abs, change_abs):
            t = parts[0] if len(parts) == 1 else torch.cat(parts)
            out.append((t if self.perm is None else t[self.perm]).float())
        return out[0], out[1]


class _Transfer:
    """The rows ``[n, width]`` of the blocks' columns on their way to the host, NaN where a block holds no
    column: per device, the single-row (0-d) columns in one stack and the others in one concatenation, each
    moved in one copy. From a CUDA device the copies go to pinned memory without blocking, and an event
    says when they are done (``ready``); ``result`` waits only if they are not."""

    def __init__(self, blocks: list[tuple[tuple[int, ...], int, list[torch.Tensor]]], width: int) -> None:
        self.out = np.full((sum(n for _, n, _ in blocks), width), np.nan, np.float32)
        scalars: dict[torch.device, list[torch.Tensor]] = {}
        vectors: dict[torch.device, list[torch.Tensor]] = {}
        self.s_at: dict[torch.device, tuple[list[int], list[int]]] = {}  # (row, field) of each scalar
        self.v_at: list[tuple[torch.device, int, int, int, int, int]] = []  # device, offset, length, row, rows, field
        v_len: dict[torch.device, int] = {}
        r = 0
        for present, n, columns in blocks:
            for pos, c in zip(present, columns):
                d = c.device
                if c.dim() == 0 and n == 1:
                    scalars.setdefault(d, []).append(c)
                    rows, fields = self.s_at.setdefault(d, ([], []))
                    rows.append(r)
                    fields.append(pos)
                else:
                    if c.dim() != 1:
                        c = c.reshape(-1)
                    off = v_len.get(d, 0)
                    v_len[d] = off + c.numel()
                    vectors.setdefault(d, []).append(c)
                    self.v_at.append((d, off, c.numel(), r, n, pos))
            r += n
        self.events: list[Any] = []
        self.scalars = {d: self._to_host(torch.stack(cs).float()) for d, cs in scalars.items()}
        self.vectors = {d: self._to_host(torch.cat(cs).float()) for d, cs in vectors.items()}

    def _to_host(self, t: torch.Tensor) -> torch.Tensor:
        if t.device.type != "cuda":
            return t.cpu()
        host = torch.empty(t.shape, dtype=t.dtype, pin_memory=True)
        host.copy_(t, non_blocking=True)
        event = torch.cuda.Event()
        event.record(torch.cuda.current_stream(t.device))
        self.events.append(event)
        return host

    def ready(self) -> bool:
        return all(e.query() for e in self.events)

    def result(self) -> np.ndarray:
        for e in self.events:
            e.synchronize()
        out = self.out
        for d, t in self.scalars.items():
            rows, fields = self.s_at[d]
            out[rows, fields] = t.numpy()
        host = {d: t.numpy() for d, t in self.vectors.items()}
        for d, off, k, r, n, pos in self.v_at:
            out[r:r + n, pos] = host[d][off:off + k]  # a one-element column of a block of rows broadcasts
        return out


def _count_dtype(t: torch.Tensor) -> torch.dtype:
    return torch.int32 if t.numel() < 2 ** 31 else torch.int64


def _range_head(t: torch.Tensor) -> torch.Tensor:
    """The part of ``t`` that range statistics read: all of it up to RANGE_SAMPLE elements; beyond, a
    contiguous prefix of whole samples (dimension 0), as the collector's activation statistics take."""
    n = t.numel()
    if n > RANGE_SAMPLE and t.dim() >= 2 and t.shape[0] > 1:
        rows = max(1, RANGE_SAMPLE // max(n // t.shape[0], 1))
        if rows < t.shape[0]:
            return t[:rows]
    return t


def _count_in_range(t: torch.Tensor, lo: float, hi: float, nonneg: bool = False) -> torch.Tensor:
    """Elements of ``t`` in [lo, hi], counted on ``_range_head`` and scaled to the whole tensor. A range
    condition reads a percentage, which the prefix estimates closely, at a fraction of the passes over a
    large convolution output."""
    head = _range_head(t)
    count = _count_in_range_exact(head, lo, hi, nonneg).float()
    return count if head is t else count * (t.numel() / head.numel())


def _inside_lower_bound(t: torch.Tensor, lo: float, hi: float, p: float) -> torch.Tensor | None:
    """On the CPU, where a compare-and-count costs ~10x a dot product: a lower bound on the elements of
    ``t`` in [lo, hi], returned negated (``-bound``: the column's marker of a bound, see
    ``conditions.derived_stats``) when it is at least ``p`` percent, else None (count them).

    An element outside the range is farther than h = (hi - lo) / 2 from its centre c, so the outside share
    is at most mean((x - c)^2) / h^2 (Chebyshev). A tanh or sigmoid output that is not saturated has a
    mean square far below h^2, and the recommended presets (inside share below 0.1%: saturated) are
    settled by one dot product. On the same part of ``t`` as ``_count_in_range`` (``_range_head``)."""
    if t.device.type != "cpu" or not (-math.inf < lo < hi < math.inf) or not t.numel():
        return None
    n = t.numel()
    flat = _range_head(t).reshape(-1)
    c, h = (lo + hi) / 2.0, (hi - lo) / 2.0
    m = flat.numel()
    # mean((x - c)^2) = mean(x^2) - 2 c mean(x) + c^2: no temporary the size of the sample (a fresh 256 KB
    # buffer per call cost more in page faults than the passes themselves)
    msq = float(torch.dot(flat, flat)) / m
    if c != 0.0:
        msq = max(msq - 2.0 * c * float(flat.sum()) / m + c * c, 0.0)
    share = 1.0 - msq / (h * h)
    # 0.01 percentage points of margin: far above the rounding of the float32 sums (about 1e-6 of h^2)
    if not math.isfinite(msq) or 100.0 * share < p + 0.01:
        return None
    return torch.tensor(-share * n)


def _count_in_range_exact(t: torch.Tensor, lo: float, hi: float, nonneg: bool = False) -> torch.Tensor:
    """Elements in [lo, hi] (NaN never counts), from one compare and a count: on the CPU a bool sum into
    int32 is 3x faster than the default int64 one and 6x faster than ``histc`` or ``count_nonzero``.
    ``nonneg``: the tensor is a rectifier's output, never below 0, so a bound ``lo <= 0`` needs no pass."""
    if nonneg and lo <= 0.0 and hi == 0.0:
        # a rectifier's zeros: the sign of a non-negative tensor is 0 or 1, and a float sum of it is exact
        # below 2**24 elements and 3x cheaper than a compare-and-count
        return t.numel() - torch.sign(t).sum(dtype=torch.float32) if t.numel() < 2 ** 24 else \
            t.le(0).sum(dtype=_count_dtype(t))
    dt = _count_dtype(t)
    if nonneg and lo <= 0.0:
        lo = -math.inf
    if lo == -hi and hi < math.inf:  # a symmetric range: one compare (NaN's abs is NaN: not counted)
        return t.abs().le(hi).sum(dtype=dt)
    if lo > -math.inf and hi < math.inf:
        # one compare instead of two: an element is in range where clamping leaves it unchanged (NaN never
        # equals itself); on 2 CPU threads 40 us against 60 us for 65,536 elements
        return t.clamp(lo, hi).eq(t).sum(dtype=dt)
    if hi < math.inf:
        return t.le(hi).sum(dtype=dt)
    return t.ge(lo).sum(dtype=dt) if lo > -math.inf else (~torch.isnan(t)).sum(dtype=dt)


def _apply_slice(t: torch.Tensor, spec: str) -> torch.Tensor:
    """``"0:2, 3"`` style indexing, parsed (never evaluated)."""
    idx: list[Any] = []
    for part in spec.split(","):
        part = part.strip()
        if part == "...":
            idx.append(Ellipsis)
        elif ":" in part:
            a = [int(x) if x.strip() else None for x in part.split(":")]
            idx.append(slice(*a))
        elif part:
            idx.append(int(part))
    return t[tuple(idx)]


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return C.json_number(obj)
    return obj
