"""MindSpore recording: ``DoctorCallback`` for ``Model.train``/``Model.fit``.

::

    from traindoctor.collect.mindspore import DoctorCallback
    model.train(epochs, ds_train, callbacks=[DoctorCallback("tdruns/try1")], dataset_sink_mode=False)

It writes the same run directory as the PyTorch collector (``rank<R>.tdr``, same
scalar names, the same ``weight``/``grad``/``activation`` table and ``hist`` block
layouts, ``model``/``optimizer``/``hparams``/``modes``/``nonfinite``/``end`` events),
so ``traindoctor doctor`` and ``serve`` read it like any other run. It can sit
beside ``SummaryCollector`` or replace it.

What it records, per step ``cur_step_num - 1``:

* ``train/loss`` from the network output (the loss-scale cell's overflow flag and
  scale as ``amp/skipped``/``amp/scale``), ``opt0/group0/lr`` from ``optimizer.get_lr()``;
  evaluation metrics (``Model.fit``'s validation or ``model.eval(..., callbacks=[cb])``)
  as ``eval/<metric>``;
* weight statistics at each step's start and the update of the step before
  (``update`` table: ‖Δw‖ and ‖Δw‖/‖w‖, so hand-written updates count too); gradient statistics every ``grad_every``
  steps, from a separate gradient computation on the step's own batch before the
  update (``mindspore.value_and_grad`` over the loss cell: the training cell does
  not expose its gradients). That probe costs one forward and backward; parameters
  the forward updates (BatchNorm moving statistics) are restored after it;
* activation statistics through Cell forward hooks, **in PyNative mode only**: graph
  mode compiles ``construct`` and runs no Python hooks, so a graph-mode run has
  loss, learning rate, weights and gradients but no ``activation`` table and no
  non-finite origin (``meta["activations"]`` says so). In PyNative the first cell
  whose output goes non-finite from finite inputs is reported with its inputs and
  the dividing/logarithm primitives it holds;
* hyperparameters (optimizer, lr, momentum, weight decay, batch size, epochs, dataset
  size, loss function) and the Cell tree with each Dropout's ``keep_prob``/``p``.

Nothing raised here reaches the training: an internal error is reported once, in
the run and on stderr, and that part of the recording stops.
"""
from __future__ import annotations

import inspect
import os
import platform
import re
import socket
import sys
import time
import traceback
from typing import Any, Callable

import numpy as np

try:
    from mindspore.train import Callback as _Callback
except ImportError as _exc:  # pragma: no cover - only without MindSpore
    raise ImportError("traindoctor.collect.mindspore needs MindSpore (pip install mindspore)") from _exc

from ..importers._imported import activation_kind
from ..record import format as fmt
from ..record.run import ACTIVATION_FIELDS, TENSOR_FIELDS, UPDATE_FIELDS
from ..record.writer import StreamWriter

#: Primitives whose inputs can make NaN/Inf: the seed's "use DivNoNan where the divisor can be zero".
RISKY_PRIMITIVES = ("Div", "RealDiv", "Reciprocal", "Log", "Sqrt", "Rsqrt", "Pow", "FloorDiv")
_RISKY_CALLS = re.compile(r"\bops\.(div|true_divide|log|sqrt|rsqrt|reciprocal|pow)\s*\(|[^/]/[^/=]")
_MODE_CELLS = ("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
               "LayerNorm", "GroupNorm")
HIST_BINS = 64


def _np(x: Any) -> np.ndarray:
    return x.asnumpy() if hasattr(x, "asnumpy") else np.asarray(x)


@np.errstate(all="ignore")  # a diverging run overflows float64 sums: that is data, not a warning
def tensor_stats(a: np.ndarray) -> list[float]:
    """One row of ``TENSOR_FIELDS`` (the PyTorch collector's statistics, in numpy)."""
    a = np.asarray(a, np.float64).reshape(-1)
    n = a.size
    if n == 0:
        return [np.nan] * 7 + [0.0]
    fin = np.isfinite(a)
    nonfinite = float(n - fin.sum())
    b = a if nonfinite == 0 else a[fin]
    if b.size == 0:
        return [np.nan] * 6 + [nonfinite, float(n)]
    return [float(b.mean()), float(b.std()), float(b.min()), float(b.max()), float(np.sqrt(np.dot(b, b))),
            float((a == 0).sum() / n), nonfinite, float(n)]


@np.errstate(all="ignore")
def activation_stats(a: np.ndarray, kind: str, bounds: tuple[float, float] | None) -> list[float]:
    """One row of ``ACTIVATION_FIELDS``."""
    a = np.asarray(a, np.float32)
    n = a.size
    if n == 0:
        return [np.nan] * len(ACTIVATION_FIELDS)
    flat = a.reshape(-1)
    fin = np.isfinite(flat)
    nonfinite = float(n - fin.sum())
    b = flat if nonfinite == 0 else flat[fin]
    if b.size == 0:
        return [np.nan] * 7 + [nonfinite, float(n)]
    sat = dead = np.nan
    if bounds is not None:
        lo, hi = bounds
        sat = float(((b <= lo + 1e-3) | (b >= hi - 1e-3)).mean())
    elif kind == "rectifier" and a.ndim >= 2:
        axes = (0,) + tuple(range(2, a.ndim))
        dead = float((a[:64].max(axis=axes) <= 0).mean())
    return [float(b.mean()), float(b.std()), float(b.min()), float(b.max()), float((b == 0).mean()), sat, dead,
            nonfinite, float(n)]


@np.errstate(all="ignore")
def input_stats(a: np.ndarray) -> dict[str, Any]:
    """Host-side summary of a cell input or output for the non-finite origin report."""
    dtype = str(np.asarray(a).dtype)
    a = np.asarray(a, np.float64)
    fin = a[np.isfinite(a)]
    out = {"shape": list(a.shape), "dtype": dtype, "numel": int(a.size), "nan": int(np.isnan(a).sum()),
           "inf": int(np.isinf(a).sum()), "zeros": int((a == 0).sum()), "negatives": int((a < 0).sum())}
    if fin.size:
        out.update(min=float(fin.min()), max=float(fin.max()), mean=float(fin.mean()),
                   abs_min=float(np.abs(fin).min()))
    return out


_BOUNDS = {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0), "Hardtanh": (-1.0, 1.0), "Softsign": (-1.0, 1.0),
           "HSigmoid": (0.0, 1.0), "Hardsigmoid": (0.0, 1.0)}


class DoctorCallback(_Callback):
    """Records a MindSpore training into a traindoctor run directory.

    Args:
        run_dir: where to write (default ``tdruns/<script>-<time>``).
        grad_every: gradient statistics every this many steps (0: never). Each costs
            one extra forward and backward on the step's batch.
        activations: record cell outputs (PyNative mode only).
        hist_every: weight (and gradient) histograms every this many steps.
        target: the accuracy expected, e.g. ``{"val_acc": 0.95}``.
    """

    def __init__(self, run_dir: str | None = None, *, name: str | None = None, grad_every: int = 10,
                 activations: bool = True, hist_every: int = 50, target: dict[str, float] | None = None,
                 flush_interval: float = 0.5) -> None:
        super().__init__()
        script = os.path.splitext(os.path.basename(sys.argv[0] or "python"))[0] if sys.argv else "python"
        self.name = name or (os.path.basename(run_dir.rstrip("/")) if run_dir else
                             f"{script}-{time.strftime('%Y%m%d-%H%M%S')}")
        self.run_dir = os.path.abspath(run_dir or os.path.join("tdruns", self.name))
        self.grad_every = grad_every
        self.activations = activations
        self.hist_every = hist_every
        self.target = dict(target or {})
        self.flush_interval = flush_interval
        self.step = 0
        self.writer: StreamWriter | None = None
        self.closed = False
        self._disabled: set[str] = set()
        self._params: list[Any] = []
        self._param_names: list[str] = []
        self._cell_keys: list[str] = []
        self._cells: dict[int, tuple[int, str, str, tuple[float, float] | None]] = {}
        self._hooks: list[Any] = []
        self._pynative = False
        self._probing = False
        self._stack: list[tuple[Any, bool, list[np.ndarray]]] = []  # cells whose forward is running
        self._origin_reported = -1
        self._grad_fn: Callable | None = None
        self._state_params: list[Any] = []
        self._prev_weights: dict[int, np.ndarray] = {}
        self._prev_step = -2
        self._buf_scalars: list[tuple[int, str, float, float]] = []
        self._buf_tables: dict[str, list[tuple[int, int, int, list[float]]]] = {}
        self._buf_hist: list[tuple[int, int, int, np.ndarray, np.ndarray]] = []
        self._act_seq = 0
        self._t_step = 0.0
        self._last_flush = time.monotonic()
        self._started = False

    # ------------------------------------------------------------------ safety
    def _guarded(self, part: str, fn: Callable, *args: Any) -> Any:
        if part in self._disabled or self.closed:
            return None
        try:
            return fn(*args)
        except (KeyboardInterrupt, SystemExit):
            if self.closed:  # closing the record: it finishes (a debugger's stop, raised again by its
                return None  # plugin at the last step's end, left the run without its end record)
            raise  # the user's Ctrl-C (or a signal handler's exit) that landed while a recorder ran
        except BaseException as exc:  # nothing from traindoctor reaches the training
            self._disabled.add(part)
            sys.stderr.write(f"traindoctor: internal error in the {part} recorder ({type(exc).__name__}: {exc}); "
                             "its recording is switched off, the training goes on unaffected\n")
            if self.writer is not None:
                self.writer.put_json({"kind": "internal_error", "part": part, "error": repr(exc),
                                      "traceback": traceback.format_exc(limit=8), "step": self.step})
            return None

    # ------------------------------------------------------------------ callback hooks
    def on_train_begin(self, run_context: Any) -> None:
        self._guarded("setup", self._begin, run_context.original_args())

    def on_train_step_begin(self, run_context: Any) -> None:
        if self.writer is None:  # setup failed (reported once): record nothing rather than buffer forever
            return
        cb = run_context.original_args()
        self.step = int(cb.cur_step_num) - 1
        self._t_step = time.perf_counter()
        self._act_seq = 0
        self._stack.clear()
        self._guarded("weight", self._weights)
        if self.grad_every and self.step % self.grad_every == 0:
            self._guarded("grad", self._grads, cb)

    def on_train_step_end(self, run_context: Any) -> None:
        if self.writer is None:
            return
        self._guarded("steps", self._step_end, run_context.original_args())

    def on_eval_end(self, run_context: Any) -> None:
        cb = run_context.original_args()
        if self.closed and self.writer is not None:
            # model.eval(..., callbacks=[cb]) after model.train: append to the finished run, end it again
            self.writer = StreamWriter(self.writer.path, flush_interval=self.flush_interval)
            self.closed = False
            self._guarded("eval", self._eval_end, cb)
            self.close()
        else:
            self._guarded("eval", self._eval_end, cb)

    def on_train_end(self, run_context: Any) -> None:
        self.close()

    def __exit__(self, *err: Any) -> None:
        # Model enters and exits its callbacks around training and around each evaluation
        # in fit: only an exception ends the run here; a normal end is on_train_end.
        if err and err[0] is not None:
            self.close(status="crashed", error="".join(traceback.format_exception(*err)))

    # ------------------------------------------------------------------ begin
    def _begin(self, cb: Any) -> None:
        import mindspore as ms

        if self._started:
            return
        self._started = True
        os.makedirs(self.run_dir, exist_ok=True)
        rank = int(os.environ.get("RANK_ID", os.environ.get("RANK", "0")) or 0)
        self.writer = StreamWriter(os.path.join(self.run_dir, f"rank{rank}{fmt.STREAM_SUFFIX}"),
                                   flush_interval=self.flush_interval)
        self._pynative = ms.get_context("mode") == ms.PYNATIVE_MODE
        net = cb.network
        self.writer.put_json({
            "kind": "meta", "name": self.name, "start_time": time.time(), "pid": os.getpid(),
            "hostname": socket.gethostname(), "rank": rank, "argv": list(sys.argv), "cwd": os.getcwd(),
            "python": platform.python_version(), "mindspore": ms.__version__, "numpy": np.__version__,
            "platform": platform.platform(), "framework": "mindspore",
            "mode": "pynative" if self._pynative else "graph", "device_target": ms.get_context("device_target"),
            "format": 1, "target": self.target,
            "activations": ("recorded through Cell forward hooks" if self._pynative and self.activations else
                            "not recorded: graph mode compiles construct and runs no Python hooks"
                            if self.activations else "switched off"),
        })
        self._model_event(net)
        self._optimizer_event(cb)
        if self._pynative and self.activations:
            for _, cell in net.cells_and_names():
                if id(cell) in self._cells:
                    self._hooks.append(cell.register_forward_pre_hook(self._on_enter))
                    self._hooks.append(cell.register_forward_hook(self._on_forward))
        loss_net = getattr(cb.train_network, "network", None)
        if self.grad_every and loss_net is not None and cb.optimizer is not None:
            self._grad_fn = ms.value_and_grad(loss_net, grad_position=None, weights=cb.optimizer.parameters)
            self._state_params = [p for p in loss_net.get_parameters() if not p.requires_grad]

    def _model_event(self, net: Any) -> None:
        names = {id(p): n for n, p in net.parameters_and_names()}
        modules = []
        for cname, cell in net.cells_and_names():
            cls = type(cell).__name__
            key = cname or cls
            kind = activation_kind(cls)
            self._cells[id(cell)] = (len(self._cell_keys), key, kind, _BOUNDS.get(cls))
            self._cell_keys.append(key)
            params = []
            for pname, p in cell._params.items():
                full = names.get(id(p), f"{cname}.{pname}" if cname else pname)
                if full not in self._param_names:
                    self._params.append(p)
                    self._param_names.append(full)
                params.append({"name": full, "path": full, "shape": list(p.shape), "numel": int(np.prod(p.shape)),
                               "requires_grad": bool(p.requires_grad), "dtype": str(p.dtype)})
            entry = {"name": key, "path": cname, "class": cls, "module": type(cell).__module__,
                     "parent": (cname.rsplit(".", 1)[0] if "." in cname else type(net).__name__) if cname else None,
                     "training": bool(cell.training), "extra": _extend_repr(cell), "params": params,
                     "activation_kind": kind, "children": [n for n, _ in cell.name_cells().items()],
                     "primitives": sorted({type(p).__name__ for p in getattr(cell, "_primitives", {}).values()
                                           if p is not None})}
            if cls.startswith("Dropout"):
                entry["dropout"] = {"keep_prob": getattr(cell, "keep_prob", None), "p": getattr(cell, "p", None)}
            modules.append(entry)
        total = sum(int(np.prod(p.shape)) for p in self._params)
        self.writer.put_json({"kind": "model", "root": type(net).__name__, "class": type(net).__name__,
                              "modules": modules, "step": 0, "shared": [], "total_params": total,
                              "trainable_params": sum(int(np.prod(p.shape)) for p in self._params if p.requires_grad),
                              "framework": "mindspore"})
        modes = {m["name"]: {"class": m["class"], "training": m["training"],
                             **({"p": 1.0 - m["dropout"]["keep_prob"] if m["dropout"]["p"] is None
                                 else m["dropout"]["p"]} if "dropout" in m else {})}
                 for m in modules if m["class"] in _MODE_CELLS}
        self.writer.put_json({"kind": "modes", "phase": "train", "step": 0, "modules": modes})

    def _optimizer_event(self, cb: Any) -> None:
        opt = cb.optimizer
        hp: dict[str, Any] = {}
        if opt is not None:
            hp["lr"] = _scalar(opt.get_lr())
            for attr in ("momentum", "weight_decay", "beta1", "beta2", "eps", "loss_scale"):
                v = getattr(opt, attr, None)
                if v is not None:
                    try:
                        hp[attr] = _scalar(v)
                    except (TypeError, ValueError):
                        pass
            names = {id(p): n for p, n in zip(self._params, self._param_names)}
            self.writer.put_json({"kind": "optimizer", "index": 0, "class": type(opt).__name__,
                                  "module": type(opt).__module__, "defaults": dict(hp),
                                  "groups": [{"params": [names.get(id(p), p.name) for p in opt.parameters], **hp}],
                                  "step": 0})
        ds = getattr(cb, "train_dataset", None)
        extra: dict[str, Any] = {"epochs": getattr(cb, "epoch_num", None), "batch_num": getattr(cb, "batch_num", None)}
        if ds is not None:
            try:
                extra["batch_size"] = int(ds.get_batch_size())
                extra["dataset_size"] = int(ds.get_dataset_size()) * extra["batch_size"]
            except Exception:
                pass
        loss_fn = getattr(cb, "loss_fn", None)
        if loss_fn is not None:
            extra["loss_function"] = type(loss_fn).__name__
        self.writer.put_json({"kind": "hparams", "optimizer": 0, "group": 0, "step": 0, **hp,
                              **{k: v for k, v in extra.items() if v is not None}})

    # ------------------------------------------------------------------ per step
    @np.errstate(all="ignore")
    def _weights(self) -> None:
        """Weight statistics at the step's start, and the previous step's update ‖Δw‖ and ‖Δw‖/‖w‖."""
        hist = self.hist_every and self.step % self.hist_every == 0
        prev, self._prev_weights = self._prev_weights, {}
        for i, p in enumerate(self._params):
            a = _np(p)
            self._buf_tables.setdefault("weight", []).append((self.step, i, i, tensor_stats(a)))
            if hist:
                self._histogram(i, 0, a)
            if p.requires_grad:
                before = prev.get(i)
                if before is not None and self._prev_step == self.step - 1:
                    dn = float(np.linalg.norm((a - before).astype(np.float64)))
                    wn = float(np.linalg.norm(a.astype(np.float64)))
                    self._buf_tables.setdefault("update", []).append((self.step - 1, i, i, [dn, dn / max(wn, 1e-12)]))
                self._prev_weights[i] = a.copy()
        self._prev_step = self.step

    def _grads(self, cb: Any) -> None:
        from mindspore import Tensor

        batch = getattr(cb, "train_dataset_element", None)
        if self._grad_fn is None or batch is None:
            return
        saved = [(p, _np(p).copy()) for p in self._state_params]
        self._probing = True
        try:
            _, grads = self._grad_fn(*batch)
        finally:
            self._probing = False
            for p, v in saved:
                p.set_data(Tensor(v))
        names = {id(p): i for i, p in enumerate(self._params)}
        hist = self.hist_every and self.step % self.hist_every == 0
        for p, g in zip(cb.optimizer.parameters, grads):
            i = names.get(id(p))
            if i is None:
                continue
            a = _np(g)
            self._buf_tables.setdefault("grad", []).append((self.step, i, i, tensor_stats(a)))
            if hist:
                self._histogram(i, 1, a)

    def _histogram(self, key: int, kind: int, a: np.ndarray) -> None:
        a = np.asarray(a, np.float64).reshape(-1)
        a = a[np.isfinite(a)]
        if a.size == 0:
            return
        lo, hi = float(a.min()), float(a.max())
        if not np.isfinite(hi - lo):  # a diverged tensor spans more than float64: no bins to draw
            return
        counts, edges = np.histogram(a, bins=HIST_BINS, range=(lo, max(hi, lo + 1e-12)))
        self._buf_hist.append((self.step, key, kind, edges.astype(np.float32), counts.astype(np.float32)))

    def _on_enter(self, cell: Any, inputs: Any) -> None:
        # evaluation passes (cell.training off) and the gradient probe are not training activations
        if self._probing or self.closed or not cell.training or "activation" in self._disabled:
            return
        self._guarded("activation", self._enter, cell, inputs)

    def _on_forward(self, cell: Any, inputs: Any, output: Any) -> None:
        if self._probing or self.closed or not cell.training or "activation" in self._disabled:
            return
        self._guarded("activation", self._record_activation, cell, output)

    def _enter(self, cell: Any, inputs: Any) -> None:
        """A cell starts: a non-finite input made from the finite inputs of the cell around it
        was made by that cell's own operators (between its children), so it is the origin."""
        ins = [_np(t) for t in (inputs if isinstance(inputs, (tuple, list)) else (inputs,)) if hasattr(t, "asnumpy")]
        finite = all(np.isfinite(x).all() for x in ins if np.issubdtype(x.dtype, np.floating))
        if not finite and self._stack and self._stack[-1][1] and self._origin_reported != self.step:
            parent, _, parent_ins = self._stack[-1]
            bad = next(x for x in ins if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all())
            self._report_origin(parent, parent_ins, bad, f"the input it hands to {self._cells[id(cell)][1]}")
        self._stack.append((cell, finite, ins))

    def _record_activation(self, cell: Any, output: Any) -> None:
        entry = self._stack.pop() if self._stack and self._stack[-1][0] is cell else None
        info = self._cells.get(id(cell))
        out = _first_tensor(output)
        if info is None or out is None:
            return
        idx, key, kind, bounds = info
        a = _np(out)
        if not np.issubdtype(a.dtype, np.floating):
            return
        row = activation_stats(a, kind, bounds)
        self._buf_tables.setdefault("activation", []).append((self.step, idx, self._act_seq, row))
        self._act_seq += 1
        if row[7] > 0 and entry is not None and entry[1] and self._origin_reported != self.step:
            self._report_origin(cell, entry[2], a, "its output")

    def _report_origin(self, cell: Any, ins: list[np.ndarray], value: np.ndarray, where: str) -> None:
        self._origin_reported = self.step
        self.writer.put_json({"kind": "nonfinite", "phase": "forward", "step": self.step,
                              "module": self._cells[id(cell)][1], "class": type(cell).__name__, "where": where,
                              "inputs": [input_stats(x) for x in ins],
                              "params": {n: input_stats(_np(p)) for n, p in cell._params.items()},
                              "output": input_stats(value), "risky_ops": _risky_ops(cell)})

    def _step_end(self, cb: Any) -> None:
        now = time.time()
        out = cb.net_outputs
        loss = out[0] if isinstance(out, (tuple, list)) else out
        if loss is not None:
            self._buf_scalars.append((self.step, "train/loss", _scalar(loss), now))
        if isinstance(out, (tuple, list)) and len(out) >= 3:  # TrainOneStepWithLossScaleCell: loss, overflow, scale
            self._buf_scalars.append((self.step, "amp/skipped", float(_scalar(out[1])), now))
            self._buf_scalars.append((self.step, "amp/scale", _scalar(out[2]), now))
        opt = cb.optimizer
        if opt is not None:
            lr = opt.get_lr()
            if isinstance(lr, (tuple, list)):
                for j, v in enumerate(lr):
                    self._buf_scalars.append((self.step, f"opt0/group{j}/lr", _scalar(v), now))
            else:
                self._buf_scalars.append((self.step, "opt0/group0/lr", _scalar(lr), now))
        self._buf_scalars.append((self.step, "perf/step_time", time.perf_counter() - self._t_step, now))
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self.flush()

    def _eval_end(self, cb: Any) -> None:
        from ..importers._imported import canonical_tag

        metrics = getattr(cb, "metrics", None) or getattr(cb, "eval_results", None) or {}
        now = time.time()
        step = self.step + 1 if self._started else 0
        for k, v in metrics.items():
            try:
                value = _scalar(v)
            except (TypeError, ValueError):
                continue
            tag = canonical_tag(f"eval/{k}") or f"eval/{k}"
            self._buf_scalars.append((step, tag, value, now))
        if self.writer is not None:
            self.writer.put_json({"kind": "eval", "role": "eval", "step": step,
                                  "metrics": {k: _scalar(v) for k, v in metrics.items() if _is_number(v)}})
            self.flush()

    # ------------------------------------------------------------------ writing
    def flush(self) -> None:
        if self.writer is None:
            return
        self._last_flush = time.monotonic()
        self._guarded("writer", self._flush)

    def _flush(self) -> None:
        buf, self._buf_scalars = self._buf_scalars, []
        if buf:
            tags: dict[str, int] = {}
            self.writer.put_block("scalars", {
                "step": np.array([b[0] for b in buf], np.int64),
                "tag": np.array([tags.setdefault(b[1], len(tags)) for b in buf], np.int32),
                "value": np.array([b[2] for b in buf], np.float64),
                "wall": np.array([b[3] for b in buf], np.float64)}, {"tags": list(tags)})
        tables, self._buf_tables = self._buf_tables, {}
        for name, rows in tables.items():
            keys = self._cell_keys if name == "activation" else self._param_names
            fields = {"activation": ACTIVATION_FIELDS, "update": UPDATE_FIELDS}.get(name, TENSOR_FIELDS)
            self.writer.put_block(name, {
                "step": np.array([r[0] for r in rows], np.int64), "key": np.array([r[1] for r in rows], np.int32),
                "seq": np.array([r[2] for r in rows], np.int32),
                "values": np.array([r[3] for r in rows], np.float32).reshape(len(rows), len(fields))},
                {"keys": list(keys), "fields": list(fields)})
        hist, self._buf_hist = self._buf_hist, []
        if hist:
            self.writer.put_block("hist", {
                "step": np.array([h[0] for h in hist], np.int64), "key": np.array([h[1] for h in hist], np.int32),
                "kind": np.array([h[2] for h in hist], np.int8), "edges": np.stack([h[3] for h in hist]),
                "counts": np.stack([h[4] for h in hist])}, {"keys": list(self._param_names), "kinds": ["weight", "grad"]})

    def close(self, status: str = "finished", error: str | None = None) -> None:
        """Finish the run: flush what is buffered, write the end record, close the file."""
        if self.closed or self.writer is None:
            return
        self.flush()
        self.closed = True
        for h in self._hooks:
            try:
                h.remove()
            except Exception:
                pass
        self.writer.put_json({"kind": "end", "status": status, "exit_code": 0 if status == "finished" else 1,
                              "time": time.time(), "steps": self.step + 1, "error": error,
                              "dropped": self.writer.dropped, "disabled": sorted(self._disabled)})
        self.writer.close()


# ---------------------------------------------------------------------- helpers
def _scalar(v: Any) -> float:
    a = _np(v)
    return float(np.asarray(a, np.float64).reshape(-1)[0])


def _is_number(v: Any) -> bool:
    try:
        _scalar(v)
        return True
    except (TypeError, ValueError, IndexError):
        return False


def _first_tensor(out: Any) -> Any:
    if hasattr(out, "asnumpy"):
        return out
    if isinstance(out, (tuple, list)):
        for o in out:
            t = _first_tensor(o)
            if t is not None:
                return t
    return None


def _extend_repr(cell: Any) -> str:
    try:
        return str(cell.extend_repr())[:200]
    except Exception:
        return ""


def _risky_ops(cell: Any) -> list[str]:
    """Primitives (and functional calls in ``construct``) of ``cell`` that can turn finite inputs into NaN/Inf."""
    found = {type(p).__name__ for p in getattr(cell, "_primitives", {}).values()
             if p is not None and type(p).__name__ in RISKY_PRIMITIVES}
    try:
        src = inspect.getsource(type(cell).construct)
    except (OSError, TypeError):
        src = ""
    src = re.sub(r"#[^\n]*", "", src)  # a "0/0" in a comment is not a division
    for m in _RISKY_CALLS.finditer(src):
        found.add(m.group(1) or "/")
    return sorted(found)
