"""The PyTorch collector: global hooks that record a training run without changing it.

Lifecycle of a step (the unit every signal is indexed by):

* a step *opens* at the first ``backward()`` of a training iteration; the forward
  passes run since the previous step was complete belong to it;
* it is *complete* once every optimizer that takes part in training has stepped
  (or, in a script without ``torch.optim``, after its backward); backward calls
  inside ``optimizer.step`` (LBFGS closures) stay in the step;
* the next ``backward()`` after a complete step closes it and opens the next one.

Weights are summarised when a step opens, gradients when their optimizer is about
to step (after accumulation, before the update), updates as the change between two
step openings (so hand-written updates count too), activations in each training
forward pass. Everything stays on the tensors' device until the writer thread
moves a whole block to the host.
"""
from __future__ import annotations

import atexit
import contextlib
import functools
import inspect
import itertools
import math
import os
import platform
import socket
import sys
import threading
import time
import traceback
import warnings
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..record import format as fmt
from ..record.run import ACTIVATION_FIELDS, TENSOR_FIELDS, UPDATE_FIELDS
from ..record.writer import StreamWriter
from . import cause_signals, opgraph, printed, snapshots
from .plugins import FINITE_OUTPUT
from . import data as datamod
from .stats import (_as_float, activation_kind, activation_raw, expand_norm_rows, finish_activation_rows, histogram, input_stats,
                    norms, change_sample, device_ready, on_device, sparse_stats, sums_raw, tensor_stats)

_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
#: Backward passes with an optimizer built and none of its steps taken, after which each backward is a step:
#: a script that forgot optimizer.step() was recorded as one step of thousands of losses, and nothing judged it
#: (gradient accumulation steps every few micro-batches, far fewer than this).
NO_STEP_AFTER = 64
_LOSS_FUNCTIONS = ("cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
                   "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss")
#: losses whose target is a sign, 1 or -1, and where it sits among their arguments: a 0 there adds nothing
#: (cosine_embedding_loss and hinge_embedding_loss score neither branch; margin_ranking_loss a constant margin)
_SIGN_TARGET_LOSSES = {"cosine_embedding_loss": 2, "margin_ranking_loss": 2, "hinge_embedding_loss": 1}
#: F.relu itself is not wrapped: it calls torch.relu (torch.relu_ in place), which is, and torch compares it by
#: identity (TransformerEncoderLayer's `activation is F.relu` chose its fast path; with F.relu wrapped, a model
#: built under traindoctor ran the slow path and warned that nested tensors were off). F.tanh and F.sigmoid call
#: Tensor methods, so they are wrapped themselves.
_FUNCTIONAL_ACTIVATIONS = (("relu", torch, "relu"), ("relu", torch, "relu_"), ("sigmoid", torch, "sigmoid"),
                           ("tanh", torch, "tanh"), ("sigmoid", F, "sigmoid"), ("tanh", F, "tanh"))
#: functional dropouts whose ``training`` argument defaults to True
_FUNCTIONAL_DROPOUTS = ("dropout", "dropout1d", "dropout2d", "dropout3d")
_ACTIVATION_MODULES = ("ReLU", "ReLU6", "Sigmoid", "Tanh", "Hardtanh", "Softsign", "Hardsigmoid", "LeakyReLU",
                       "GELU", "SiLU", "ELU")


def _user_frame_warnings(show: Callable) -> Callable:
    """``warnings.showwarning`` that names the caller of our wrappers: a torch function that warns about its
    caller (F.mse_loss's "Using a target size that is different to the input size", stacklevel=2) would name
    our wrapper's line in collect/torch.py instead of the user's, where a plain run names the user's."""
    def showwarning(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
                    line: Any = None) -> None:
        if filename == __file__:
            f = sys._getframe(1)
            while f is not None and f.f_code.co_filename != __file__:  # up to the wrapper that called torch
                f = f.f_back
            while f is not None and f.f_code.co_filename == __file__:  # and past it
                f = f.f_back
            if f is not None:
                filename, lineno, line = f.f_code.co_filename, f.f_lineno, None
        show(message, category, filename, lineno, file, line)

    showwarning.__wrapped_by_traindoctor__ = show  # type: ignore[attr-defined]
    return showwarning


def _script_as_original(wrapped: Callable, orig: Callable) -> None:
    """TorchScript compiles the original where the code it scripts calls our wrapper of a torch function
    (``torch.jit.script(model)`` failed on every module calling torch.tanh or F.relu while the collector was
    installed: it tried to compile the wrapper, and inspect found no source for the builtin it wraps). A builtin
    op is registered under the op of the original; a Python function is marked the way
    ``torch.jit._script_if_tracing`` marks its wrappers, which scripting replaces with ``__original_fn``."""
    try:
        from torch.jit import _builtins

        op = _builtins._find_builtin(orig)
        if op is not None:
            _builtins._register_builtin(wrapped, op)  # removed by uninstall: the id may be reused once it is gone
        elif inspect.isfunction(orig):
            setattr(wrapped, "__original_fn", orig)
            setattr(wrapped, "__script_if_tracing_wrapper", True)
    except Exception:  # a TorchScript without these: scripting a model fails as it did, the recording does not
        pass


def _forget_script_builtin(wrapped: Callable) -> None:
    try:
        from torch.jit import _builtins

        if _builtins._builtin_table is not None:
            _builtins._builtin_table.pop(id(wrapped), None)
    except Exception:
        pass


@dataclass
class CollectOptions:
    """What to record, and how much of the training time it may take.

    Every step records the loss, learning rates, step time, the norm and non-finite count of every
    weight, gradient and update (a large CPU weight's norm between full steps estimated from a fixed
    sample, see ``exact_weight_norms``), the update/weight ratio, and the mean of every module output
    (``activation_sums``; on the CPU a non-finite forward pass is then replayed in full, which names the
    first module that went non-finite). The full statistics (mean, std, min, max, zero fraction of weights and gradients; every
    activation statistic) are taken on the first ``full_steps`` steps, on any step where something
    went non-finite, and then as often as ``stats_budget`` allows: their interval adapts to their
    measured cost against the step time, as the histograms' does.
    """

    activations: bool = True
    weights: bool = True
    grads: bool = True
    updates: bool = True
    #: Steps at the start of training that always get the full statistics.
    full_steps: int = 5
    #: Between full steps, every module output's sum (its mean; on the CPU its finiteness is checked at the
    #: end of the forward pass, and a non-finite pass is replayed in full).
    activation_sums: bool = True
    #: The exact norm of every weight every step. Off (the default), between full steps a CPU weight's norm is
    #: estimated from the fixed sample whose change the update measures, calibrated against the exact norm at
    #: each full step; a step where something went non-finite gets the exact pass. (On an accelerator the norms
    #: are always exact: the pass there is cheap.)
    exact_weight_norms: bool = False
    #: Fraction of the training time that the full statistics may take; their interval adapts to it.
    #: (Every step already has each weight's, gradient's and update's norm and non-finite count and each
    #: module output's mean: the full statistics add the spread, range and fractions.)
    stats_budget: float = 0.01
    #: Fraction of the training time that histograms may take; their interval adapts to it.
    histogram_budget: float = 0.003
    #: Histograms every this many steps whatever they cost (``--histograms-every``), instead of the budget's
    #: interval: on a small model the budget allows one every hundred steps or so, too few for a short run.
    histogram_every: int | None = None
    histogram_bins: int = 64
    #: Batches sampled per loader: the first ``batch_head`` of every epoch, then every ``batch_every``-th.
    batch_head: int = 6
    batch_every: int = 50
    #: Fraction of the training time that batch sampling may take.
    batch_budget: float = 0.01
    flush_interval: float = 0.5
    max_steps_buffered: int = 256
    target: dict[str, float] = field(default_factory=dict)
    #: Read the accuracies and losses the script prints (``val_acc 0.87``) as ``printed/<stage>_<metric>``,
    #: through a stand-in for ``sys.stdout`` and ``sys.stderr`` that passes every write on first.
    printed_metrics: bool = True
    # -- step plugins (collect/plugins.py): the debugger's watchpoints and breakpoints, extra plugins
    #: Watchpoint specs (``traindoctor run --watch``); empty: no debugger.
    watch: list[str] = field(default_factory=list)
    #: Watchpoint specs that pause the training at their first hit (``traindoctor run --break-on``).
    break_on: list[str] = field(default_factory=list)
    plugins: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        every = self.histogram_every
        if every is not None and (isinstance(every, bool) or not isinstance(every, int) or every < 1):
            raise ValueError(f"histogram_every must be a whole number of steps >= 1, not {every!r}")


class _OneThread:
    """``with _OneThread():`` runs the block on one intra-op thread and restores the training's count."""

    __slots__ = ("threads",)

    def __enter__(self) -> None:
        self.threads = torch.get_num_threads()
        if self.threads > 1:
            torch.set_num_threads(1)

    def __exit__(self, *exc: Any) -> None:
        if self.threads > 1:
            torch.set_num_threads(self.threads)


def _is_compiling_fn() -> Callable[[], bool]:
    f = getattr(getattr(torch, "compiler", None), "is_compiling", None)
    if f is None:  # torch < 2.3
        try:
            from torch._dynamo import is_compiling as f
        except Exception:
            return lambda: False
    return f


_is_compiling = _is_compiling_fn()
_functorch_stack = getattr(getattr(torch._C, "_functorch", None), "peek_interpreter_stack", None) or (lambda: None)


def _compiling() -> bool:
    """True while TorchDynamo traces (``torch.compile``) or inside a torch.func transform (``vmap``, ``grad``,
    ``jacrev``: per-sample gradients through ``functional_call``). The hooks and wrappers then step aside at
    once. Compiled: the graph holds none of their Python (tracing it broke the script: dynamo cannot follow
    the collector's state) and the compiled code runs as it would without traindoctor; activations inside a
    compiled module are therefore not recorded, its root output, weights, gradients and loss are. In a
    transform the tensors are batched or wrapped stand-ins with no storage: reading them failed and switched
    the activation recording and the debugger off for the rest of the run."""
    return _is_compiling() or _functorch_stack() is not None


_is_lazy = getattr(nn.parameter, "is_lazy", lambda p: False)


def _eager(module: Any) -> Any:
    """The module that ``torch.compile(module)`` wrapped (an ``OptimizedModule``'s ``_orig_mod``), else itself."""
    if type(module).__name__ == "OptimizedModule" and type(module).__module__.startswith("torch._dynamo"):
        return getattr(module, "_orig_mod", module)
    return module


#: PyTorch warns at every call of a compiled module while global module hooks are installed that they
#: fire once more for the ``OptimizedModule``: the collector counts on that call (its hooks step aside
#: inside the compiled code), so the warning is not shown to the script.
_COMPILE_HOOK_WARNING = r"Using `torch.compile\(module\)` when there are global hooks on modules"

#: True inside the autograd engine's backward (``-1``: no graph task runs on this thread).
_in_backward: Callable[[], bool] = (lambda: torch._C._current_graph_task_id() != -1) \
    if hasattr(torch._C, "_current_graph_task_id") else (lambda: False)

#: Collectors not closed yet. One still open at interpreter exit is closed then (its buffered steps
#: flushed, the end record written), before its writer's own exit handler runs: ``traindoctor run`` and
#: ``watch()`` close theirs, a script that builds a ``Collector`` and never closes it lost its last
#: half second of records.
_OPEN: "weakref.WeakSet[Collector]" = weakref.WeakSet()


@atexit.register
def _close_open() -> None:
    for c in list(_OPEN):
        try:
            if not c.closed:
                c.close()
        except BaseException:
            pass


class _ModuleInfo:
    __slots__ = ("name", "idx", "kind", "record", "cls")

    def __init__(self, name: str, idx: int, kind: str, record: bool, cls: str) -> None:
        self.name, self.idx, self.kind, self.record, self.cls = name, idx, kind, record, cls


class _Loader:
    __slots__ = ("idx", "name", "role", "epoch", "sampled", "ref", "rows", "label_index", "pending", "tries", "width")

    def __init__(self, idx: int, name: str | None, role: str | None, ref: Any) -> None:
        self.idx, self.name, self.role, self.epoch, self.sampled = idx, name, role, -1, 0
        self.ref = ref
        self.rows: tuple[int, ...] = ()  # the last batch's sizes (_batch_rows)
        #: which element of a batch of three or more is the labels: the one a loss call was given as its target
        #: (``(ids, offsets, y)``: the second element is an EmbeddingBag's offsets); None while not known
        self.label_index: int | None = None
        self.pending: list[tuple[int, int] | None] | None = None  # the last batch's (data_ptr, numel), to match
        self.tries = 0
        self.width = 0  # how many elements its batches have


class _LoaderIter:
    """Wraps a DataLoader iterator: the same batches, with a sample of them summarised."""

    def __init__(self, inner: Any, collector: "Collector", loader: _Loader) -> None:
        self._inner, self._collector, self._loader, self._index = inner, collector, loader, 0

    def __iter__(self) -> "_LoaderIter":
        return self

    def __next__(self) -> Any:
        try:
            batch = next(self._inner)
        except StopIteration:
            c = self._collector
            if c.enabled:
                c._guarded("data", c._on_loader_end, self._loader)
            raise
        c = self._collector
        if c.enabled:
            c._guarded("data", c._on_batch, self._loader, self._index, batch)
        self._index += 1
        return batch

    def __len__(self) -> int:
        return len(self._inner)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _grad_fn_names(loss: torch.Tensor, depth: int = 3) -> list[str]:
    """The names of the autograd nodes at the top of a loss's graph, breadth first, ``depth`` levels (a hinge or
    triplet loss: MeanBackward0, ClampMinBackward0, ...), at most 16."""
    out: list[str] = []
    level = [loss.grad_fn]
    for _ in range(depth):
        nxt = []
        for fn in level:
            if fn is None or len(out) >= 16:
                continue
            out.append(type(fn).__name__)
            nxt.extend(f for f, _ in fn.next_functions)
        level = nxt
    return out


class Collector:
    """Records one process's training into ``<run_dir>/rank<R>.tdr``.

    Use :meth:`install` for scripts run by ``traindoctor run`` (global hooks), or
    :func:`traindoctor.watch` for the explicit API; both end with :meth:`close`.
    """

    #: a hand-computed evaluation's labels outside the outputs' classes on more than this share of its samples
    #: were not class ids (sequence lengths); on fewer, they are classes numbered apart from training's
    LABELS_OUTSIDE_SHARE = 0.5

    def __init__(self, run_dir: str, name: str | None = None, options: CollectOptions | None = None,
                 meta: dict[str, Any] | None = None, stream: str | None = None) -> None:
        self.options = options or CollectOptions()
        self.run_dir = os.path.abspath(run_dir)
        os.makedirs(self.run_dir, exist_ok=True)
        self.rank = int(os.environ.get("RANK", os.environ.get("LOCAL_RANK", "0")) or 0)
        # ``stream``: a worker process beside a launcher that holds rank{R} names its own file (rank{R}-...)
        self.writer = StreamWriter(os.path.join(self.run_dir, f"{stream or f'rank{self.rank}'}{fmt.STREAM_SUFFIX}"),
                                   flush_interval=self.options.flush_interval, on_error=self._writer_error)
        self.enabled = True
        self.closed = False
        self._lock = threading.RLock()
        self._disabled: set[str] = set()
        self._inject = set(filter(None, os.environ.get("TRAINDOCTOR_INJECT_FAULT", "").split(",")))
        self._handles: list[Any] = []
        self._opt_handles: list[Any] = []  # the optimizer step hooks' (replaced once torch.compile is used)
        self._compile_seen = False
        self._compiled_roots: set[int] = set()
        self._patches: list[tuple[Any, str, Any]] = []
        # model
        self._roots: list[nn.Module] = []
        self._mods: dict[int, _ModuleInfo] = {}
        self._act_keys: list[str] = []
        self._params: list[torch.Tensor] = []
        self._param_names: list[str] = []
        self._param_index: dict[int, int] = {}
        self._depth = 0
        self._in_activation_fn = False  # a wrapped functional activation is running
        self._opt_ngroups: dict[int, int] = {}  # each announced optimizer's param groups when it was announced
        self._lazy_roots: dict[int, nn.Module] = {}  # models with lazy modules, registered once they have shapes
        self._sparse_grads = False  # a sparse gradient was met: each step splits them from the dense ones
        self._recompute_depth = 0  # > 0: inside a forward that the backward runs again (activation checkpointing)
        self._stack: list[nn.Module] = []
        self._last_top: nn.Module | None = None  # the module of the last top-level forward (the evaluated model)
        #: a sampled batch's input, until the model's next forward shows what the model got of it
        self._input_probe: tuple[_Loader, int, torch.Tensor] | None = None
        self._top_forwards = 0  # top-level forwards of a model so far: which loss calls share one forward
        self._params_at_backward = 0  # parameters known at the step's last backward: the ones it could reach
        self._leaf_losses = 0  # backward passes on a loss with no graph behind it (rebuilt from .item())
        # optimizer.zero_grad() after a training backward that no step of that optimizer used: its gradients
        # thrown away (step() once per epoch, zero_grad() and backward() once per batch)
        self._backwards = 0
        self._backwards_per_step: dict[int, list[int]] = {}  # optimizer -> the running count at its first steps
        self._grads_used_at: dict[int, int] = {}  # optimizer -> self._backwards at its last step or zero_grad
        self._discarded: dict[int, int] = {}  # optimizer -> zero_grad() calls that discarded gradients
        # (Embedding, phase) -> the id range of its inputs so far, and the forwards read (EMBEDDING_FORWARDS)
        self._emb_ranges: dict[tuple[str, str], tuple[int, int]] = {}
        self._emb_said: dict[str, tuple[int, int]] = {}  # Embedding -> the training range last written
        self._bag_reads_left = 8  # training forwards of an EmbeddingBag whose offsets are read
        self._float_masks_left = 3  # attention calls whose attn_mask is read for a float 0/1 mask
        self._eval_dropouts: set[tuple[str, str]] = set()  # (module, function) of dropouts run at evaluation
        self._reinits: dict[str, int] = {}  # parameter -> nn.init calls on it after training stepped
        self._emb_padding: dict[str, dict] = {}  # Embedding -> where its padding_idx sits in training's ids
        self._emb_reads: dict[tuple[str, str], int] = {}
        self._detached_losses = 0  # loss-function calls on a detached output of a training forward
        # mixup/cutmix: one training output scored against two label sets in a step (lam * CE(out, ya) + ...);
        # the last training class-index loss call's (input, target, step), and whether such a pair was seen
        self._last_class_loss: tuple[Any, Any, int] | None = None
        self._mixed_targets = False
        self._clip_after_step = False  # a clipping function called after the optimizer step was seen
        self._last_root_output: Any = None  # a weak reference to the last model forward's tensor output
        self._last_root_id: int | None = None
        # the last training forward's first tensor input, while the first training losses are read
        self._last_root_input: Any = None
        self._compare_inputs = True  # until three training and three evaluation loss calls were read
        self._compared: set[str] = set()
        self._loss_graph_seen = False  # the first training loss's top autograd nodes were written
        self._last_fwd_trains = False  # the last top-level forward ran in train mode with autograd on
        self._fn_calls: dict[tuple[int, str], int] = {}
        self._schedulers: dict[int, int] = {}  # id of each LR scheduler met -> its index
        self._root_names: dict[int, str] = {}  # id of each registered model -> its name in the record
        self._grad_roots: set[int] = set()  # models that ran a forward with autograd on (the others: no_grad only)
        self._batch_seq = 0  # batches fetched from any DataLoader so far
        # inputs of no DataLoader (hand-made batches, a whole validation tensor): the model sampled, its forwards
        self._free_root: int | None = None
        self._free_forwards = {"train": 0, "eval": 0}
        self._free_sampled = 0
        self._no_grad_steps: dict[int, list[int]] = {}  # optimizer -> [first step, count] of steps with no gradient
        self._clip_seen: tuple | None = None  # the last clipping setting written
        # optimizers
        self._optimizers: list[Any] = []
        self._opt_index: dict[int, int] = {}
        self._opt_params: dict[int, list[int]] = {}
        self._opt_hparams: dict[tuple[int, int], dict] = {}
        #: per (optimizer, group): the group's keys and values as last read, and their _hparams
        self._opt_hparams_raw: dict[tuple[int, int], tuple[list, list, dict]] = {}
        self._active_opts: set[int] = set()
        self._stepped: set[int] = set()
        self._in_opt_step = 0
        self._opt_calls = 0  # optimizer steps taken in the whole run
        # NO_STEP_AFTER backward passes and not one optimizer step: each backward ends a step (see _on_backward)
        self._no_opt_step = False
        self._scaled: dict[int, tuple[Any, Any]] = {}
        # step state
        self.step = 0
        self._step_open = False
        self._step_t0 = 0.0
        self._step_time_ema: float | None = None
        self._losses: list[torch.Tensor] = []
        # the losses of this step by the optimizer that stepped on them (a GAN: D's loss, then G's)
        self._opt_losses: dict[int, list[torch.Tensor]] = {}
        self._loss_mark = 0  # the first of self._losses that no optimizer stepped on yet
        self._train_correct: list[tuple[torch.Tensor, int]] = []
        self._pending_correct: list[tuple[torch.Tensor, int]] = []
        # (module index, raw reductions or, between full steps, the output's sum, numel, sampled numel)
        self._pending_act: list[tuple[int, torch.Tensor, int, int]] = []
        self._fwd_act_start = 0
        #: the module outputs seen finite in the current forward pass (exact sums): id -> (weak ref, version)
        self._seen_finite: dict[int, tuple[weakref.ref, int]] = {}
        self._step_act: list[tuple[int, torch.Tensor]] = []
        self._step_grad: dict[int, torch.Tensor] = {}
        self._grad_seen: set[int] = set()
        #: (parameter indices, their gradients' L2 norms) as this step's recording took them (grad_norms)
        self._grad_norms: list[tuple[list[int], torch.Tensor]] = []
        self._missing_grad_reported: frozenset[int] | None = None
        self._prev_weights: list[torch.Tensor] | None = None
        self._views_cache: tuple[list[int], list[torch.Tensor]] | None = None
        self._norm_cache: tuple[tuple[int, ...], list[int], list[int], torch.Tensor] | None = None
        #: per device: (parameter indices, exact / sampled weight norm at the last full step)
        self._weight_calib: dict[torch.device, tuple[tuple[int, ...], torch.Tensor]] = {}
        self._exact_weights_due = False  # something went non-finite: the next step's weights get the full pass
        self._last_whole_sum: tuple[torch.Tensor, int, torch.Tensor] | None = None  # (output, version, its sum)
        self._prev_step_for_update = -1
        self._origin_step = -1
        self._modes_dirty = True
        self._last_modes: dict | None = None
        # histograms
        # the full statistics' cadence (CollectOptions.stats_budget)
        self._full = True  # the open step records the full statistics
        self._full_next = 0  # the next step that does
        self._full_every = 1
        self._cadence_written: int | None = None  # the interval last written as a stats_cadence event
        self._full_cost: dict[int, float] = {}  # seconds the full statistics took, per step
        self._fn_keys: dict[str, int] = {}  # activation row keys of functional activations
        self._update_scales: dict[tuple, torch.Tensor] = {}  # sqrt(numel / sampled) per (device, params, sizes)
        self._act_full = True  # the forward pass under way records full activation rows
        self._root_call: tuple[nn.Module, Any, torch.Tensor] | None = None
        self._replaying = False  # a non-finite forward pass is being replayed (_check_root_output)
        self._groups: tuple[int, list[tuple[torch.device, list[int]]]] | None = None
        self._hist_next = 0  # the next step whose weights and gradients get histograms
        self._hist_due = False  # this step is one of them
        self._hist_cost = 0.0  # seconds its histograms took so far
        # data
        self._loaders: dict[int, _Loader] = {}
        self._current_loader: _Loader | None = None
        self._last_y: torch.Tensor | None = None
        # the width of the class scores: the logits of a training cross_entropy/nll_loss, else the classes of
        # the sampled training labels (an evaluation's output is read as class scores only at that width)
        self._train_logit_width: int | None = None
        #: a binary classifier's decision threshold on its one output (0 for logits, 0.5 for probabilities), where
        #: training called a binary cross-entropy on ``(N,)`` or ``(N, 1)`` scores against 0/1 targets
        self._train_binary: float | None = None
        self._paired_out: tuple[Any, str] | None = None  # (weakref to the output, split) of a paired forward
        self._label_classes: int | None = None
        self._batch_cost = 0.0
        self._t_start = time.perf_counter()
        # eval phase
        self._eval: dict[str, Any] | None = None
        self._loss_calls: dict[tuple[str, str], int] = {}
        #: key padding masks still to summarise (the first training calls of attention), and the arguments of
        #: the current forward pass's model call, whose token ids the masks are compared with
        self._attn_masks_left = ATTENTION_MASK_CALLS
        self._sign_calls_left = 3  # training calls of a sign-target loss whose targets are summarised
        self._triplet_calls_left = 3  # training calls of triplet_margin_loss whose distances are summarised
        #: training calls of attention read for their masks at most, found or not
        self._attention_calls_left = ATTENTION_CALLS_READ
        self._causal_checks_left = 4  # training calls of a decoder's self-attention read for a causal mask
        self._root_args: tuple = ()
        # buffers handed to the writer
        self._buf_scalars: list[tuple[int, str, Any]] = []
        self._buf_tables: dict[str, list[tuple[int, list[int], torch.Tensor, list[int] | None]]] = {}
        self._buf_hist: list[tuple[int, int, str, torch.Tensor, torch.Tensor]] = []
        self._act_sizes: list[tuple[int, int]] = []
        self._last_flush = time.monotonic()
        self._steps_since_flush = 0
        self._user_step: int | None = None
        meta_ev = self._meta(name)
        meta_ev.update(meta or {})
        meta_ev["target"] = dict(self.options.target)
        self.writer.put_json(meta_ev)
        # -- step plugins (collect/plugins.py)
        from .plugins import make_plugins

        self.plugins: list[Any] = make_plugins(self)
        self._exact_sums = any(getattr(p, "exact_activation_sums", False) for p in self.plugins)
        _OPEN.add(self)

    def _plugins_call(self, hook: str, *args: Any) -> None:
        """Call ``hook`` on every step plugin, on one intra-op thread (see ``_guarded``); an internal error
        switches that plugin off."""
        with _OneThread():
            self._plugins_loop(hook, args)

    def _plugins_loop(self, hook: str, args: tuple) -> None:
        for plugin in list(self.plugins):
            part = f"plugin:{type(plugin).__name__}"
            if part in self._disabled:
                continue
            try:
                getattr(plugin, hook)(self, *args)
            except (SystemExit, KeyboardInterrupt):
                raise  # the debugger's "stop", or the user's Ctrl-C while paused
            except BaseException as exc:
                self._report_failure(part, exc)
        # -- end step plugins

    # ------------------------------------------------------------------ errors
    def _writer_error(self, exc: BaseException) -> None:
        self._report_failure("writer", exc)

    def _report_failure(self, part: str, exc: BaseException) -> None:
        if part in self._disabled:
            return
        self._disabled.add(part)
        msg = f"traindoctor: internal error in the {part} collector ({type(exc).__name__}: {exc}); " \
              f"its recording is switched off, the training goes on unaffected"
        try:
            sys.stderr.write(msg + "\n")
            self.writer.put_json({"kind": "internal_error", "part": part, "error": repr(exc),
                                  "traceback": traceback.format_exc(limit=8), "step": self.step})
        except BaseException:
            pass

    def _guarded(self, part: str, fn: Callable, *args: Any, one_thread: bool = True) -> Any:
        """Runs a part of the collector: an exception is reported once and switches that part off.

        The work runs on one intra-op thread (unless ``one_thread`` is False: a single large pass that the
        script's threads share well). It is many small reductions between the training's own operations,
        and on a CPU each of them split across the OpenMP team costs a fork, a join and often a wake-up of
        the sleeping workers: on 2 cores that alone took the MLP benchmark's recording from 1.12x to 1.34x
        (benchmarks/overhead.py).
        """
        if part in self._disabled:
            return None
        # (inline rather than a context manager: this runs some 20 times a step)
        threads = torch.get_num_threads() if one_thread else 1
        if threads > 1:
            torch.set_num_threads(1)
        try:
            if self._inject and part in self._inject:
                raise RuntimeError(f"fault injected into the {part} collector (TRAINDOCTOR_INJECT_FAULT)")
            return fn(*args)
        except (KeyboardInterrupt, SystemExit):
            if self.closed:  # closing the record: it finishes (a debugger's stop, raised again by its
                return None  # plugin at the last step's end, left the run without its end record)
            raise  # the user's Ctrl-C (or a signal handler's exit) that landed while a collector ran
        except BaseException as exc:  # no exception from traindoctor reaches the user's script
            self._report_failure(part, exc)
            return None
        finally:
            if threads > 1:
                torch.set_num_threads(threads)

    # ------------------------------------------------------------------ meta
    def _meta(self, name: str | None) -> dict[str, Any]:
        cuda = []
        try:
            if torch.cuda.is_available():
                cuda = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        except Exception:
            pass
        return {
            "kind": "meta", "name": name or os.path.basename(self.run_dir), "start_time": time.time(),
            "pid": os.getpid(), "hostname": socket.gethostname(), "rank": self.rank,
            "argv": list(sys.argv), "cwd": os.getcwd(), "python": platform.python_version(),
            "torch": torch.__version__, "numpy": np.__version__, "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "cuda": cuda,
            "seed": int(torch.initial_seed()), "format": 1,
        }

    # ------------------------------------------------------------------ install
    def install(self) -> "Collector":
        """Switch on the global hooks (forward, backward, optimizer, data loader, loss functions)."""
        from torch.nn.modules import module as modmod

        self._handles.append(modmod.register_module_forward_pre_hook(self._pre_hook))
        self._handles.append(modmod.register_module_forward_hook(self._post_hook, always_call=True))
        warnings.filterwarnings("ignore", _COMPILE_HOOK_WARNING, UserWarning)
        from torch.optim import optimizer as optmod

        self._opt_handles = [optmod.register_optimizer_step_pre_hook(self._opt_pre_hook),
                             optmod.register_optimizer_step_post_hook(self._opt_post_hook)]
        self._handles.extend(self._opt_handles)
        self._patch(torch.autograd, "backward", self._wrap_backward)
        self._patch(torch.optim.Optimizer, "__init__", self._wrap_opt_init)
        self._patch(torch.utils.data.DataLoader, "__iter__", self._wrap_loader_iter)
        self._patch(nn.Module, "train", self._wrap_train)
        self._patch(torch.optim.Optimizer, "zero_grad", self._wrap_zero_grad)
        if callable(getattr(torch, "compile", None)):
            self._patch(torch, "compile", self._wrap_compile)
        for fn in _LOSS_FUNCTIONS:
            if hasattr(F, fn):
                self._patch(F, fn, functools.partial(self._wrap_loss_fn, fn), in_graph=True)
        if hasattr(F, "multi_head_attention_forward"):  # what nn.MultiheadAttention runs in training
            self._patch(F, "multi_head_attention_forward",
                        self._observe("graph", self._on_attention, self._attention_wanted), in_graph=True)
        for label, mod, attr in _FUNCTIONAL_ACTIVATIONS:
            if hasattr(mod, attr):
                self._patch(mod, attr, functools.partial(self._wrap_activation_fn, label), in_graph=True)
        for fn in _SIGN_TARGET_LOSSES:
            if hasattr(F, fn):
                self._patch(F, fn, self._observe("graph", functools.partial(self._on_sign_loss, fn),
                                                 functools.partial(self._training_calls_left, "_sign_calls_left")),
                            in_graph=True)
        if hasattr(F, "triplet_margin_loss"):
            self._patch(F, "triplet_margin_loss", self._observe(
                "graph", self._on_triplet_loss, functools.partial(self._training_calls_left, "_triplet_calls_left")),
                in_graph=True)
        for fn in _FUNCTIONAL_DROPOUTS:
            if hasattr(F, fn):
                self._patch(F, fn, functools.partial(self._wrap_dropout, fn), in_graph=True)
        from torch.optim import lr_scheduler as lrs

        self._patch(lrs.LRScheduler, "__init__", self._observe("optimizer", self._register_scheduler))
        if lrs.ReduceLROnPlateau.__init__ is not lrs.LRScheduler.__init__:  # its own, not calling the base's
            self._patch(lrs.ReduceLROnPlateau, "__init__", self._observe("optimizer", self._register_scheduler))
        self._patch(lrs.ReduceLROnPlateau, "step", self._observe("optimizer", self._on_plateau_step))
        self._patch(nn.Module, "load_state_dict", self._observe("graph", self._on_load_state_dict,
                                                                wanted=lambda: self.step > 0))
        for fn in _INIT_FUNCTIONS:
            if hasattr(nn.init, fn):
                self._patch(nn.init, fn, functools.partial(self._wrap_init, fn))
        from torch.nn.utils import clip_grad

        for owner in {torch.nn.utils, clip_grad}:
            if hasattr(owner, "clip_grad_norm_"):
                self._patch(owner, "clip_grad_norm_", self._observe("grad", self._on_clip))
            if hasattr(owner, "clip_grad_value_"):
                self._patch(owner, "clip_grad_value_", self._observe("grad", self._on_clip_value))
        try:
            from torch.amp import grad_scaler as gs

            self._patch(gs.GradScaler, "scale", self._wrap_scaler_scale)
            self._patch(gs.GradScaler, "step", self._wrap_scaler_step)
            self._patch(gs.GradScaler, "update", self._wrap_scaler_update)
        except ImportError:
            pass
        self._showwarning_prev = warnings.showwarning
        warnings.showwarning = _user_frame_warnings(self._showwarning_prev)
        # -- cause signals: workers started by torch.multiprocessing.spawn record their own rank streams
        self._guarded("causes", cause_signals.install_spawn, self)
        snapshots.activate(self)  # traindoctor.tensor() writes here
        if self.options.printed_metrics:
            self._restore_streams = printed.install(self._on_printed)
        return self

    def _on_printed(self, name: str, value: float) -> None:
        if self.enabled:
            self._scalar(self._forward_step(), f"printed/{name}", value)

    def _patch(self, owner: Any, attr: str, make: Callable[[Callable], Callable], in_graph: bool = False) -> None:
        orig = getattr(owner, attr)
        wrapped = make(orig)
        functools.update_wrapper(wrapped, orig)
        wrapped.__wrapped_by_traindoctor__ = orig  # type: ignore[attr-defined]
        if in_graph:
            # A torch function that TorchDynamo puts in its graphs (F.relu, F.cross_entropy): dynamo's table of
            # them is built by looking their names up, and rebuilt whenever its cache is cleared, which
            # init_process_group does. Built while we are installed, it held our wrapper, not torch.relu: every
            # later compile, ours or not, broke its graph at each relu. Dynamo unwraps this attribute, both
            # when it builds the table and when it meets the function in traced code (our wrapper steps aside
            # while compiling anyway).
            wrapped._torchdynamo_inline = orig  # type: ignore[attr-defined]
            _script_as_original(wrapped, orig)
        setattr(owner, attr, wrapped)
        self._patches.append((owner, attr, orig))

    def uninstall(self) -> None:
        for h in self._handles:
            try:
                h.remove()
            except Exception:
                pass
        self._handles.clear()
        warnings.filters[:] = [f for f in warnings.filters if getattr(f[1], "pattern", None) != _COMPILE_HOOK_WARNING]
        prev = getattr(self, "_showwarning_prev", None)
        if prev is not None and getattr(warnings.showwarning, "__wrapped_by_traindoctor__", None) is prev:
            warnings.showwarning = prev  # (left alone if something replaced it after us)
        self._showwarning_prev = None
        for owner, attr, orig in reversed(self._patches):
            wrapped = getattr(owner, attr, None)
            if getattr(wrapped, "__wrapped_by_traindoctor__", None) is orig:
                _forget_script_builtin(wrapped)
            setattr(owner, attr, orig)
        self._patches.clear()
        restore, self._restore_streams = getattr(self, "_restore_streams", None), None
        if restore is not None:
            restore()

    # ------------------------------------------------------------------ registration
    def watch_model(self, model: nn.Module) -> None:
        self._guarded("graph", self._register_root, model)

    def watch_optimizer(self, opt: Any) -> None:
        self._guarded("optimizer", self._register_optimizer, opt)

    def _register_root(self, root: nn.Module) -> None:
        if id(root) in self._mods:
            return
        inner = _eager(root)
        if inner is not root:  # torch.compile(model): the user's model, with its names; its output is the root's
            self._mark_compiled(inner)
            info = self._mods.get(id(inner))
            if info is not None:
                self._mods[id(root)] = _ModuleInfo(info.name, info.idx, info.kind, True, info.cls)
                if id(inner) in self._root_names:
                    self._root_names[id(root)] = self._root_names[id(inner)]
            return
        if any(_is_lazy(p) for p in root.parameters()):
            # nn.LazyLinear & co.: shapes come with the first forward. The model is registered at the next
            # one (the first training forward's activations are not recorded), or when that forward ends;
            # reading the shape of an uninitialised parameter raised and switched the graph recording off
            self._lazy_roots[id(root)] = root
            return
        self._lazy_roots.pop(id(root), None)
        named = list(root.named_modules())
        prefix = self._root_prefix(root, named)
        self._roots.append(root)
        modules = []
        for mname, m in named:
            if id(m) in self._mods:
                continue
            cls = type(m).__name__
            key = (prefix + mname) if mname else (prefix.rstrip(".") or cls)
            record = not isinstance(m, _CONTAINERS) and not isinstance(m, nn.modules.loss._Loss)
            kind = activation_kind(cls)
            info = _ModuleInfo(key, len(self._act_keys), kind, record, cls)
            self._act_keys.append(key)
            self._mods[id(m)] = info
            params = []
            for pname, p in m.named_parameters(recurse=False, remove_duplicate=False):
                full = f"{key}.{pname}" if mname else (f"{prefix}{pname}")
                real = prefix + (mname + "." if mname else "") + pname
                if id(p) not in self._param_index:
                    self._add_param(p, real)
                elif self._param_names[self._param_index[id(p)]].startswith("opt"):
                    # first seen through an optimizer (e.g. LBFGS runs the forward inside step): use the real name
                    self._param_names[self._param_index[id(p)]] = real
                params.append({"name": self._param_names[self._param_index[id(p)]], "path": full,
                               "shape": list(p.shape), "numel": p.numel(), "requires_grad": p.requires_grad,
                               "dtype": str(p.dtype).replace("torch.", ""), "device": str(p.device)})
            base = _torch_base(type(m))
            modules.append({"name": key, "path": mname, "class": cls, "module": type(m).__module__,
                            **({"torch_class": base} if base else {}),
                            "parent": key.rsplit(".", 1)[0] if "." in key else (None if not mname else
                                                                                 (prefix.rstrip(".") or type(root).__name__)),
                            "training": m.training, "extra": _extra_repr(m), "params": params,
                            "activation_kind": kind,
                            # MultiheadAttention's layout is in no extra_repr
                            **({"batch_first": m.batch_first} if isinstance(getattr(m, "batch_first", None), bool)
                               else {}),
                            "children": [c for c, _ in m.named_children()]})
        shared: dict[int, list[str]] = {}
        for pname, p in root.named_parameters(remove_duplicate=False):
            shared.setdefault(id(p), []).append(prefix + pname)
        self._root_names[id(root)] = prefix.rstrip(".") or type(root).__name__
        self.writer.put_json({
            "kind": "model", "root": prefix.rstrip(".") or type(root).__name__, "class": type(root).__name__,
            "modules": modules, "step": self._forward_step(),
            "shared": [v for v in shared.values() if len(v) > 1],
            "total_params": sum(p.numel() for p in root.parameters()),
            "trainable_params": sum(p.numel() for p in root.parameters() if p.requires_grad),
        })
        self._record_modes("train")

    def _root_prefix(self, root: nn.Module, named: list[tuple[str, nn.Module]]) -> str:
        """The prefix of a model's names: none for the first, else the first of ``Class.``, ``Class2.``, ... under
        which none of its modules, its own name or its parameters is taken by a model met before (two models
        without children, an embedding table and a linear head, both had a parameter named ``weight``)."""
        taken = {m.name for m in self._mods.values()}
        taken_params = set(self._param_names)
        if not taken and not taken_params:
            return ""
        cls = type(root).__name__
        mnames = [n for n, m in named if id(m) not in self._mods]
        pnames = [n for n, p in root.named_parameters(remove_duplicate=False) if id(p) not in self._param_index]
        for k in itertools.count(1):  # finitely many names are taken: some prefix is free
            prefix = "" if k == 1 else (f"{cls}." if k == 2 else f"{cls}{k - 1}.")
            keys = {(prefix + n) if n else (prefix.rstrip(".") or cls) for n in mnames}
            if not keys & taken and not {prefix + n for n in pnames} & taken_params:
                return prefix
        raise AssertionError("unreachable")

    def _add_param(self, p: torch.Tensor, name: str) -> None:
        self._param_index[id(p)] = len(self._params)
        self._params.append(p)
        self._param_names.append(name)
        self._prev_weights = None  # the set of watched tensors changed: restart the update baseline

    def _register_optimizer(self, opt: Any) -> None:
        if id(opt) in self._opt_index:
            return
        self._opt_index[id(opt)] = len(self._optimizers)
        self._optimizers.append(opt)

    def _announce_optimizer(self, opt: Any) -> None:
        i = self._opt_index[id(opt)]
        if self._opt_ngroups.get(i) == len(opt.param_groups):
            return
        # first met, or grown by opt.add_param_group (a backbone unfrozen for fine-tuning): the new group's
        # parameters are recorded from now on, and a new optimizer event lists them
        self._opt_ngroups[i] = len(opt.param_groups)
        groups = []
        idxs = []
        for g in opt.param_groups:
            names = []
            for p in g["params"]:
                if id(p) not in self._param_index:
                    self._add_param(p, f"opt{i}.param{len(self._params)}")
                j = self._param_index[id(p)]
                idxs.append(j)
                names.append(self._param_names[j])
            groups.append({"params": names, **_hparams(g)})
        self._opt_params[i] = idxs
        self.writer.put_json({"kind": "optimizer", "index": i, "class": type(opt).__name__,
                              "module": type(opt).__module__, "defaults": _hparams(getattr(opt, "defaults", {})),
                              "groups": groups, "step": self.step})

    def _discover_leaves(self, loss: torch.Tensor) -> None:
        """Scripts with neither nn.Module nor torch.optim: find the trained leaf tensors from the graph."""
        seen, stack, leaves = set(), [loss.grad_fn], []
        while stack:
            fn = stack.pop()
            if fn is None or id(fn) in seen:
                continue
            seen.add(id(fn))
            var = getattr(fn, "variable", None)
            if var is not None and var.requires_grad:
                leaves.append(var)
            stack.extend(n for n, _ in fn.next_functions)
        names = {}
        f = sys._getframe(4)
        for _ in range(8):
            if f is None:
                break
            for scope in (f.f_locals, f.f_globals):
                for k, v in scope.items():
                    if torch.is_tensor(v) and not k.startswith("_"):
                        names.setdefault(id(v), k)
            f = f.f_back
        for t in sorted(leaves, key=lambda t: names.get(id(t), "~")):
            if id(t) not in self._param_index:
                self._add_param(t, names.get(id(t), f"leaf{len(self._params)}"))
        self.writer.put_json({"kind": "model", "root": "(tensors)", "class": "(no nn.Module)", "modules": [
            {"name": "(tensors)", "class": "(leaf tensors)", "parent": None, "training": True, "extra": "",
             "children": [], "activation_kind": "other",
             "params": [{"name": self._param_names[self._param_index[id(t)]], "path":
                         self._param_names[self._param_index[id(t)]], "shape": list(t.shape), "numel": t.numel(),
                         "requires_grad": True, "dtype": str(t.dtype).replace("torch.", ""), "device": str(t.device)}
                        for t in leaves]}], "shared": [], "step": self.step,
            "total_params": sum(t.numel() for t in leaves), "trainable_params": sum(t.numel() for t in leaves)})

    # ------------------------------------------------------------------ module hooks
    def _pre_hook(self, module: nn.Module, args: Any) -> None:
        if _compiling() or not self.enabled:
            return
        if self._recompute_depth or (not self._depth and _in_backward()):
            # torch.utils.checkpoint runs the forward of a segment again inside the backward: the same
            # outputs, already recorded in the forward pass (counted again, they doubled rows and named
            # a second functional activation per call)
            self._recompute_depth += 1
            return
        self._depth += 1
        self._stack.append(module)
        if self._depth == 1:
            self._fn_calls.clear()
            if self._replaying:
                return
            self._act_full = self._is_full(self._forward_step())
            # between full steps a CPU training forward is checked at its output only; its inputs and the
            # generator's state are kept so that a non-finite output can be replayed module by module
            # (on an accelerator the sums stay there and the flush flags a non-finite one: no replay)
            # (a compiled model's inner outputs are never seen: its non-finite output is replayed on full steps too)
            self._root_call = (module, args, torch.get_rng_state()) \
                if (not self._act_full or _eager(module) is not module) and torch.is_grad_enabled() \
                and module.training and not _on_accelerator(args) else None
            self._fwd_act_start = len(self._pending_act)
            self._seen_finite.clear()
            self._last_whole_sum = None
            if id(module) not in self._mods and not isinstance(module, nn.modules.loss._Loss) \
                    and "graph" not in self._disabled and _has_params(module):
                self._guarded("graph", self._register_root, module)
            if id(module) in self._mods:  # a model (a loss module or a parameter-free op is not one)
                self._last_top = module
                self._top_forwards += 1
                if self._compare_inputs and args:
                    first = args[0] if isinstance(args, tuple) else args
                    self._last_root_input = weakref.ref(first) if torch.is_tensor(first) else None
                if self._input_probe is not None:
                    self._guarded("data", self._probe_model_input, args)
                elif self._current_loader is None and args and torch.is_grad_enabled() and module.training \
                        and self._free_root in (None, id(module)) and self._free_due("train"):
                    self._guarded("data", self._sample_free_input, module, args, "train")
            self._guarded("opgraph", opgraph.on_root_enter, self, module)  # once per model: its op graph
            if self._attn_masks_left:
                self._root_args = args if isinstance(args, tuple) else (args,)

    def _post_hook(self, module: nn.Module, args: Any, output: Any) -> None:
        if _compiling() or not self.enabled:
            return
        if self._recompute_depth:
            self._recompute_depth -= 1
            return
        if self._stack:
            self._stack.pop()
            self._depth -= 1
            if self._depth == 0 and not self._replaying:
                self._last_fwd_trains = torch.is_grad_enabled() and module.training
                # the model's own output, to tell the loss was given it as it is (not permuted, not sliced)
                self._last_root_output = weakref.ref(output) if torch.is_tensor(output) else None
                self._last_root_id = id(module)  # the model an evaluation that follows is of
                opgraph.on_root_exit(self, module)
                if self._lazy_roots and id(module) in self._lazy_roots:  # its lazy modules have their shapes now
                    self._guarded("graph", self._register_root, module)
                if id(module) not in self._grad_roots and torch.is_grad_enabled() and id(module) in self._root_names:
                    # a model that only ever runs under no_grad is a frozen helper (a distillation teacher, an EMA
                    # or target network), not a model whose weights fail to train
                    self._grad_roots.add(id(module))
                    self.writer.put_json({"kind": "grad_forward", "root": self._root_names[id(module)],
                                          "step": self._forward_step()})
        if self._replaying:
            info = self._mods.get(id(module))
            if info is not None and info.record:
                self._guarded("activation", self._record_activation, info.idx, info.cls, module, args, output)
            return
        if self._depth == 0 and not (torch.is_grad_enabled() and module.training):
            if self._last_y is not None:
                self._guarded("eval", self._eval_forward, module, output)
            elif id(module) in self._grad_roots and args:  # a trained model, on no loader's batch
                self._guarded("eval", self._paired_eval_forward, module, args[0], output)
                if self._current_loader is None and self._free_root in (None, id(module)) and self._free_due("eval"):
                    self._guarded("data", self._sample_free_input, module, args, "eval")
        info = self._mods.get(id(module))
        if info is not None and isinstance(module, (nn.Embedding, nn.EmbeddingBag)) and args \
                and torch.is_tensor(args[0]):
            if isinstance(module, nn.Embedding):
                key = (info.name, "train" if torch.is_grad_enabled() and module.training else "eval")
                if self._emb_reads.get(key, 0) < self.EMBEDDING_FORWARDS:  # (past it, not even the guard's cost)
                    self._guarded("graph", self._embedding_range, key, module, args[0])
            elif self._bag_reads_left and len(args) > 1 and torch.is_tensor(args[1]) and torch.is_grad_enabled():
                self._guarded("graph", self._bag_offsets, info.name, args[0], args[1])
        row = None
        if not (info is None or not info.record or not self.options.activations or not torch.is_grad_enabled()
                or "activation" in self._disabled):
            if self._act_full:
                row = self._guarded("activation", self._record_activation, info.idx, info.cls, module, args, output)
            elif self.options.activation_sums:  # a plugin shares the sum where it is exact
                # the script's threads: a sample stays below the grain size, and a whole output is one large pass
                row = self._guarded("activation", self._activation_sum, info.idx, output, module, args,
                                    one_thread=False)
        if self._depth == 0 and self._root_call is not None and self._root_call[0] is module and self.options.activations:
            self._guarded("activation", self._check_root_output, module, output)
        if self.plugins and torch.is_grad_enabled():  # step plugins, given the row above to spare a second pass
            self._plugins_call("on_module_output", info.name if info is not None else None,
                               _eager(module) if self._depth == 0 else module, args, output, row)

    def _activation_sum(self, idx: int, output: Any, module: Any = None, args: Any = ()) -> Any:
        """Between full steps: the module output's sum, which gives its mean and which a NaN or Inf inside
        survives. One reduction on the output's own device. An output above ``SUM_SAMPLE`` elements is summed
        over its first whole samples, and the mean estimated from them: a full pass over each of a CNN's
        2M-element outputs cost 5% of its step, and a sum that CPU threads share paid a worker's wake-up,
        ~80 us on the 2-core MLP benchmark against ~5 us of work. A NaN outside the sample still reaches the
        model's output, which ``_check_root_output`` sums whole. Returns the sum where it is exact.

        When a step plugin asks for exact sums (``StepPlugin.exact_activation_sums``), every output is summed
        whole, except on the CPU the output of a module that keeps finite inputs finite (``_keeps_finite``)
        whose inputs were all seen finite in this forward pass (by their exact sums, or so inferred): it is
        finite, and the sample's sum serves for its mean. The plugin then gets ``FINITE_OUTPUT`` for it. On a
        CNN this spares the whole passes over the ReLU, pooling and flattening outputs."""
        out = _first_float_tensor(output)
        if out is None:
            return None
        exact, cpu = self._exact_sums, out.is_cpu
        finite = exact and cpu and _keeps_finite(module) and self._inputs_finite(args)
        # detached before it is cut: a slice of a tensor that requires grad records a view for autograd (~15 us)
        t, n = out.detach(), out.numel()
        m = n
        if n > SUM_SAMPLE and t.dim() >= 1 and t.shape[0] > 1 and (finite or not exact):
            k = max(1, SUM_SAMPLE * t.shape[0] // n)
            t, m = t.narrow(0, 0, k), k * (n // t.shape[0])
        total = t.sum(dtype=torch.float32)
        self._add_pending_act(idx, total, n, m)
        if m == n <= SUM_SAMPLE:  # the model's output is often this very tensor: _check_root_output takes its sum
            self._last_whole_sum = (out, out._version, total)
        if finite or (exact and cpu and math.isfinite(float(total))):
            self._seen_finite[id(out)] = (weakref.ref(out), out._version)
        if finite:
            return FINITE_OUTPUT
        return total if m == n else None

    def _inputs_finite(self, args: Any) -> bool:
        """Every floating-point tensor among ``args`` is one that this forward pass saw finite, unchanged since."""
        ins = [a for a in (args if isinstance(args, (tuple, list)) else (args,))
               if torch.is_tensor(a) and a.is_floating_point()]
        for a in ins:
            seen = self._seen_finite.get(id(a))
            if seen is None or seen[0]() is not a or seen[1] != a._version:
                return False
        return bool(ins)

    def _add_pending_act(self, idx: int, raw: torch.Tensor, n: int, m: int) -> None:
        """Holds a module output's row (or sum) until the step's backward claims it."""
        self._pending_act.append((idx, raw, n, m))
        if len(self._pending_act) > 8192:  # forward passes without a backward (grad-enabled evaluation)
            del self._pending_act[:4096]

    def _check_root_output(self, module: nn.Module, output: Any) -> None:
        """Between full steps, at the end of a CPU forward: the module outputs' sums and the model output's,
        read in one go. A NaN or Inf anywhere inside reaches one of them; then the forward pass is replayed
        with every module's output recorded in full (functional activations too), which names the first
        module that went non-finite with its inputs' statistics, as a full step would have. The replay's
        rows replace the pass's sums."""
        root, args, rng = self._root_call
        self._root_call = None
        t = _first_float_tensor(output)
        if t is None or t.device.type != "cpu":
            return
        start = min(self._fwd_act_start, len(self._pending_act))
        sums = [a[1] for a in self._pending_act[start:] if not a[1].dim()]
        last, self._last_whole_sum = self._last_whole_sum, None
        if t.numel() and not (last is not None and last[0] is t and last[1] == t._version):
            sums.append(t.detach().sum(dtype=torch.float32))
        # each sum read alone: a handful of scalars, where stacking them cost three more operations
        if math.isfinite(sum(float(s) for s in sums)):
            return
        self._exact_weights_due = True  # a weight written non-finite outside the sample shows in this step's row
        del self._pending_act[start:]
        if not isinstance(args, tuple):
            args = (args,)
        saved = [(b, b.detach().clone()) for b in root.buffers()]  # batch norm's running statistics
        state = torch.get_rng_state()
        self._replaying = True
        try:
            torch.set_rng_state(rng)  # the same dropout masks
            with torch.no_grad():
                _eager(root)(*args)  # a compiled model's own modules, each recorded
        finally:
            self._replaying = False
            torch.set_rng_state(state)
            # through .data: the copy must not bump the buffers' version counters, or the training's backward
            # fails on any buffer its forward saved ("modified by an inplace operation")
            with torch.no_grad():
                for b, v in saved:
                    b.data.copy_(v)

    def _paired_eval_forward(self, module: nn.Module, x: Any, output: Any) -> None:
        """A trained model run outside training on a whole tensor that no loader gave: its accuracy, where the
        script keeps the labels beside it under a paired name (``X_val`` and ``y_val``: ``data.paired_labels``).
        A hand-computed ``(model(X_val).argmax(1) == y_val).mean()`` left the run with no validation accuracy,
        and the verdict judged training alone."""
        out = self._class_scores(output, x.shape[0] if torch.is_tensor(x) and x.dim() else None)
        if not torch.is_tensor(x) or out is None or out.shape[0] < 2 or isinstance(module, nn.modules.loss._Loss):
            return
        found = datamod.paired_labels(x, int(out.shape[0]), int(out.shape[1]), binary=self._train_binary is not None)
        if found is None:
            self._unpaired_inference(module)
            return
        y, role = found
        role = "train_eval" if role == "train" else role
        self._paired_out = (weakref.ref(out), role)
        self._eval_forward(module, output, y.to(out.device), role)

    def _class_scores(self, output: Any, n: int | None) -> torch.Tensor | None:
        """The model output's class scores for ``n`` rows: its ``(n, C)`` float tensor, at the training classes'
        width C (none where that is not known). A model returning ``(reconstruction, logits)`` had its accuracy read from
        the reconstruction's argmax (0.06 against a printed 0.96); an embedding trained by a contrastive loss,
        16 wide for 10 classes, had one too."""
        width = self._train_logit_width or self._label_classes
        if n is None or (width is None and self._train_binary is None):
            return None  # no width known: a 16-wide embedding for 10 classes looks like scores
        found: list[torch.Tensor] = []
        _float_tensors(output, found)
        if self._train_binary is not None:
            # a binary classifier's one score per row, as the two columns whose argmax is its thresholded answer
            # (a tie, score == threshold, is class 0, as ``score > threshold`` says)
            one = [t for t in found if t.shape[:1] == (n,) and (t.dim() == 1 or t.dim() == 2 and t.shape[1] == 1)]
            if len(one) == 1:
                s = one[0].detach().reshape(n) - self._train_binary
                return torch.stack([-s, s], 1)
            return None
        found = [t for t in found if t.dim() == 2 and t.shape[0] == n and t.shape[1] == width >= 2]
        return found[0] if len(found) == 1 else None

    def _unpaired_inference(self, module: nn.Module) -> None:
        """A no_grad forward of the trained model, still in train mode, after its training loader ran out, and no
        labels to count an accuracy with (``model(X_test[y_test == c])`` per class): an evaluation all the
        same, whose modes graph.node_mode reads (BatchNorm updating its statistics from the evaluation data,
        normalising by the batch's own: training accuracy 0.99, test 0.18)."""
        if torch.is_grad_enabled() or not module.training or self._current_loader is not None or \
                self._eval is not None or not any(info.role == "train" for info in self._loaders.values()):
            return
        self._write_modes(*self._modes_event("eval"))

    def _eval_forward(self, module: nn.Module, output: Any, y: torch.Tensor | None = None,
                      role: str | None = None) -> None:
        """Evaluation accuracy from the model's output and the current batch's labels (or ``y``, given with the
        pass's ``role``, and ``output`` its class scores), for scripts that compute their metric by hand (no loss
        function called in evaluation)."""
        if id(module) not in self._mods or isinstance(module, nn.modules.loss._Loss):
            return
        if y is None:
            y = self._last_y
            self._last_y = None  # one batch, one forward
            if self._train_binary is not None and y.is_floating_point() and y.dim() <= 2 and \
                    y.shape[1:] in ((), (1,)):
                y = y.reshape(-1).long()  # a binary classifier's 0/1 labels, as class ids
        out = self._class_scores(output, y.shape[0] if y.dim() == 1 else None)  # class ids, one per row
        if out is None or out.device != y.device:
            return
        self._last_root_id = id(module)
        self._open_eval(self._current_loader if role is None else None, role=role,
                        target=y if role is not None else None)
        preds = out.detach().argmax(1)
        self._eval["fwd_correct"].append((preds == y).sum())
        self._eval["fwd_n"] += int(y.shape[0])
        c = out.shape[1]
        if not y.is_floating_point():
            self._eval["fwd_bad"].append(((y < 0) | (y >= c)).sum())  # read once, when the pass closes
        if c <= 1000 and not y.is_floating_point() and y.dim() == 1 and self._eval["classes"] in (None, c):
            # the confusion matrix, as an evaluation through a loss function keeps it (per-class recall, and
            # labels remapped between training and evaluation)
            # labels outside the outputs' classes (numbered 1..C) left out, without a sync: weighted by 0
            inside = ((y >= 0) & (y < c)).to(torch.float32)
            conf = torch.bincount(y.long().clamp(0, c - 1) * c + preds, weights=inside, minlength=c * c)[: c * c]
            self._eval["fwd_conf"] = conf if self._eval.get("fwd_conf") is None else self._eval["fwd_conf"] + conf
            self._eval["fwd_classes"] = c

    def _record_activation(self, idx: int, act_name: str, module: Any, args: Any,
                           output: Any) -> torch.Tensor | None:
        """Records the raw reductions of a module output (``stats.RAW_ACTIVATION``) and returns them."""
        t = _first_float_tensor(output)
        if t is None:
            return None
        t0 = time.perf_counter()
        raw, n, m, finite = activation_raw(t, act_name)
        self._spent(self._forward_step(), t0)
        self._add_pending_act(idx, raw, n, m)
        if not finite:
            self._nonfinite_origin(idx, module, args, t)
        return raw

    def _nonfinite_origin(self, idx: int, module: Any, args: Any, out: torch.Tensor) -> None:
        step = self._forward_step()
        if self._origin_step == step or (self._root_call is not None and self._root_call[0] is module):
            return  # a compiled model's output: the replay of its own modules names the origin
        self._origin_step = step
        ins = [input_stats(a) for a in (args if isinstance(args, (tuple, list)) else (args,)) if torch.is_tensor(a)]
        params = {}
        if isinstance(module, nn.Module):
            for pname, p in module.named_parameters(recurse=False):
                params[pname] = input_stats(p)
        self.writer.put_json({"kind": "nonfinite", "phase": "forward", "step": step, "module": self._act_keys[idx],
                              "class": type(module).__name__ if isinstance(module, nn.Module) else str(module),
                              "inputs": ins, "params": params, "output": input_stats(out)})

    def _on_sign_loss(self, fname: str, args: tuple, kwargs: dict, _: Any) -> None:
        """Losses that take a sign as their target (``CosineEmbeddingLoss``, ``MarginRankingLoss``,
        ``HingeEmbeddingLoss``): the values of the first three training calls' targets. A pair target of 1/0 where
        1/-1 is meant leaves every 0 pair out of the loss (probe M f08: a siamese encoder never pushed dissimilar
        digits apart; 0.50 against 0.97)."""
        where = _SIGN_TARGET_LOSSES[fname]
        target = args[where] if len(args) > where else kwargs.get("target")
        if not torch.is_tensor(target) or not target.numel():
            return
        self._sign_calls_left -= 1
        t = target.detach().reshape(-1)
        values = torch.unique(t[:4096])
        self.writer.put_json({"kind": "sign_target_loss", "function": fname, "step": self._forward_step(),
                              "values": [float(v) for v in values[:8]], "n": int(t.numel()),
                              "zero_share": float((t == 0).float().mean()),
                              "negative_share": float((t < 0).float().mean())})

    def _on_triplet_loss(self, args: tuple, kwargs: dict, out: Any) -> None:
        """``triplet_margin_loss``'s first three training calls: its margin, its value, and the mean distance of the
        anchors to what it is given as positives and as negatives. Before training, the network still keeps much
        of its inputs' similarity, so true positives sit nearer than negatives: farther, they are likely swapped
        (``crit(anchor, negative, positive)``; probe P f02)."""
        names = ("anchor", "positive", "negative")
        a, pos, neg = (args[i] if len(args) > i else kwargs.get(n) for i, n in enumerate(names))
        if not all(torch.is_tensor(t) and t.dim() == 2 for t in (a, pos, neg)):
            return
        self._triplet_calls_left -= 1
        margin = args[3] if len(args) > 3 else kwargs.get("margin", 1.0)
        with torch.no_grad():
            d_ap = float(F.pairwise_distance(a.detach(), pos.detach()).mean())
            d_an = float(F.pairwise_distance(a.detach(), neg.detach()).mean())
        self.writer.put_json({"kind": "triplet_loss", "step": self._forward_step(), "margin": float(margin),
                              "d_anchor_positive": d_ap, "d_anchor_negative": d_an,
                              **({"value": float(out.detach())} if torch.is_tensor(out) and out.numel() == 1 else {})})

    def _wrap_dropout(self, fname: str, orig: Callable) -> Callable:
        """The functional dropouts whose ``training`` argument defaults to True: called without it inside a model
        in eval mode, they keep dropping at evaluation (``F.dropout(h, self.p)``; nn.Dropout passes its mode;
        probe L f05). One comparison per call; an event the first time per module."""
        collector = self

        def dropout(*args: Any, **kwargs: Any) -> Any:
            out = orig(*args, **kwargs)
            # (training=True passed on purpose, Monte Carlo dropout at evaluation, is not reported)
            if collector._stack and not collector._stack[0].training and len(args) < 3 \
                    and "training" not in kwargs and collector.enabled and not _compiling():
                p = args[1] if len(args) > 1 else kwargs.get("p", 0.5)
                if isinstance(p, (int, float)) and p > 0:
                    collector._guarded("graph", collector._on_eval_dropout, fname, float(p), one_thread=False)
            return out

        return dropout

    def _on_eval_dropout(self, fname: str, p: float) -> None:
        info = self._mods.get(id(self._stack[-1]))
        name = info.name if info is not None else type(self._stack[-1]).__name__
        if (name, fname) in self._eval_dropouts:
            return
        self._eval_dropouts.add((name, fname))
        self.writer.put_json({"kind": "eval_dropout", "module": name, "function": fname, "p": p,
                              "step": self._forward_step()})

    def _wrap_activation_fn(self, label: str, orig: Callable) -> Callable:
        collector = self

        def activation(*args: Any, **kwargs: Any) -> Any:
            if _compiling() or collector._in_activation_fn:  # F.relu calls torch.relu: one activation, not two
                return orig(*args, **kwargs)
            collector._in_activation_fn = True
            try:
                out = orig(*args, **kwargs)
            finally:
                collector._in_activation_fn = False
            if collector._recompute_depth:
                return out
            # recorded on full steps and replays, and shown to step plugins: between full steps with no
            # plugin there is nothing to do (the call count that names it restarts with every forward)
            if collector.enabled and collector._stack and (torch.is_grad_enabled() or collector._replaying) \
                    and (collector._act_full or collector._replaying or collector.plugins):
                collector._guarded("activation", collector._record_functional, label, args, out)
            return out

        return activation

    def _record_functional(self, label: str, args: Any, out: Any) -> None:
        owner = self._stack[-1]
        info = self._mods.get(id(owner))
        if info is None or info.cls in _ACTIVATION_MODULES or not self.options.activations:
            return
        k = self._fn_calls.get((id(owner), label), 0)
        self._fn_calls[(id(owner), label)] = k + 1
        key = f"{info.name}.{label}[{k}]"
        idx = self._key_index(key)
        row = self._record_activation(idx, label, label, args, out) if self._act_full or self._replaying else None
        if self.plugins and not self._replaying:  # step plugins: a functional activation, named like its row
            self._plugins_call("on_module_output", key, label, args, out, row)

    def _key_index(self, key: str) -> int:
        cache = self._fn_keys
        if key not in cache:
            cache[key] = len(self._act_keys)
            self._act_keys.append(key)
        return cache[key]

    def _wrap_compile(self, orig: Callable) -> Callable:
        collector = self

        def compile(*args: Any, **kwargs: Any) -> Any:
            if collector.enabled:
                collector._guarded("graph", collector._on_compile, args[0] if args else kwargs.get("model"))
            return orig(*args, **kwargs)

        return compile

    def _on_compile(self, target: Any) -> None:
        """``torch.compile(model)`` or ``model.compile()`` (which compiles its bound ``_call_impl``): the model
        is registered now, with its own names, since its forward hooks will not run (they step aside inside
        compiled code).

        The first time, the optimizer step hooks and the ``backward`` wrapper are put behind
        ``torch.compiler.disable``. Code that the script compiles calls them in two ways: traced (a compiled
        ``optimizer.step``), or as frames that TorchDynamo would compile in turn (``loss.backward()`` in a
        compiled function, after the graph break that it is). Either way they now run as plain Python, with
        the collector's own work outside TorchDynamo, instead of being traced as a no-op (their
        ``_compiling`` check) or compiled with everything they call."""
        if not self._compile_seen:
            self._compile_seen = True
            disable = torch.compiler.disable
            from torch.optim import optimizer as optmod

            for h in self._opt_handles:
                h.remove()
            self._opt_handles = [optmod.register_optimizer_step_pre_hook(disable(self._opt_pre_hook)),
                                 optmod.register_optimizer_step_post_hook(disable(self._opt_post_hook))]
            self._handles.extend(self._opt_handles)
            self._patch(torch.autograd, "backward", disable)
        mod = target if isinstance(target, nn.Module) else getattr(target, "__self__", None)
        if isinstance(mod, nn.Module) and _has_params(_eager(mod)):
            self._mark_compiled(mod)

    def _mark_compiled(self, mod: nn.Module) -> None:
        """Registers a compiled model's own module tree, and says once that it is compiled."""
        inner = _eager(mod)
        self._register_root(inner)
        info = self._mods.get(id(inner))
        if info is not None and id(inner) not in self._compiled_roots:
            self._compiled_roots.add(id(inner))
            self.writer.put_json({"kind": "compiled", "root": info.name, "step": self._forward_step()})

    #: forwards of an Embedding, per phase, whose index range is read (CPU tensors only: no device sync)
    EMBEDDING_FORWARDS = 50
    #: training forwards after which that range is written (again at the last read, where it grew)
    TRAIN_RANGE_AT = (10, EMBEDDING_FORWARDS)

    def _embedding_range(self, key: tuple[str, str], module: nn.Module, idx: torch.Tensor) -> None:
        """The range of the ids an Embedding is given in training and in evaluation (``key``: its name and the
        phase), over its first forwards of each: an evaluation that feeds ids numbered apart (1..400 for users
        0..399 in training) reads rows that never trained. An event where the evaluation's range grows."""
        self._emb_reads[key] = self._emb_reads.get(key, 0) + 1
        if idx.device.type != "cpu" or idx.is_floating_point() or not idx.numel():
            return
        if key[1] == "train" and module.padding_idx is not None and idx.dim() == 2 and idx.shape[1] > 1 \
                and self._emb_reads[key] <= self.PADDING_FORWARDS:
            self._embedding_padding(key[0], module, idx)
        lo, hi = (int(v) for v in torch.aminmax(idx))
        old = self._emb_ranges.get(key)
        new = self._emb_ranges[key] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
        train = self._emb_ranges.get((key[0], "train"))
        if key[1] == "train" and self._emb_reads[key] in self.TRAIN_RANGE_AT and \
                self._emb_said.get(key[0]) != new:  # training's own range, for ids squeezed into a few rows
            self._emb_said[key[0]] = new
            self.writer.put_json({"kind": "embedding_train_range", "module": key[0], "step": self._forward_step(),
                                  "train": list(new), "rows": int(module.num_embeddings),
                                  "forwards": self._emb_reads[key]})
        if key[1] == "eval" and new != old and train is not None:
            self.writer.put_json({"kind": "embedding_range", "module": key[0], "step": self._forward_step(),
                                  "train": list(train), "eval": list(new), "rows": int(module.num_embeddings)})

    def _bag_offsets(self, name: str, ids: torch.Tensor, offsets: torch.Tensor) -> None:
        """An EmbeddingBag's offsets in its first training forwards: each bag's start in the flat ids, so they
        never decrease. Offsets that do are the bags' lengths, not their cumulative sum (no ``.cumsum(0)``), and
        PyTorch does not check: the bags are slices of the wrong tokens. Written once."""
        self._bag_reads_left -= 1
        if offsets.device.type != "cpu" or offsets.dim() != 1 or offsets.numel() < 2:
            return
        down = offsets[1:] < offsets[:-1]
        if bool(down.any()):
            self._bag_reads_left = 0
            self.writer.put_json({"kind": "bag_offsets_decrease", "module": name, "step": self._forward_step(),
                                  "offsets": [int(v) for v in offsets[:8]], "bags": int(offsets.numel()),
                                  "decreasing": int(down.sum()), "ids": int(ids.numel())})

    #: training forwards of an Embedding with a padding_idx whose (batch, length) ids are read for where that id sits
    PADDING_FORWARDS = 5

    def _embedding_padding(self, name: str, module: nn.Module, idx: torch.Tensor) -> None:
        """Where an Embedding's padding_idx sits in its (batch, length) inputs: padding fills the ends of
        sequences (a run to the last position, or from the first), a real token sits between others. Also the
        id that most often ends a sequence in a run of two or more, the padding the data really uses.
        padding_idx=1 where the data pads with 0 freezes a real token's embedding at zero (probe K f06). An
        event per forward read."""
        pad = idx == module.padding_idx
        suffix = torch.cumprod(pad.flip(1).int(), 1).flip(1).bool()
        prefix = torch.cumprod(pad.int(), 1).bool()
        acc = self._emb_padding.setdefault(name, {"pad": 0, "inside": 0, "tokens": 0, "rows": 0, "last": {}})
        acc["pad"] += int(pad.sum())
        acc["inside"] += int((pad & ~suffix & ~prefix).sum())
        acc["tokens"] += int(idx.numel())
        acc["rows"] += int(idx.shape[0])
        ends = idx[:, -1][idx[:, -1] == idx[:, -2]]  # rows that end in a run of one id: padding-like
        last, counts = torch.unique(ends, return_counts=True)
        for v, c in zip(last.tolist(), counts.tolist()):
            acc["last"][int(v)] = acc["last"].get(int(v), 0) + int(c)
        top = max(acc["last"], key=acc["last"].get) if acc["last"] else None
        self.writer.put_json({"kind": "embedding_padding", "module": name, "step": self._forward_step(),
                              "padding_idx": int(module.padding_idx), "padding_tokens": acc["pad"],
                              "padding_inside": acc["inside"], "tokens": acc["tokens"], "rows": acc["rows"],
                              **({"commonest_last": top, "commonest_last_rows": acc["last"][top]}
                                 if top is not None else {})})

    def _wrap_zero_grad(self, orig: Callable) -> Callable:
        collector = self

        def zero_grad(opt: Any, *args: Any, **kwargs: Any) -> Any:
            if collector.enabled and not _compiling():  # (bookkeeping, no tensor work: no thread switch)
                collector._guarded("optimizer", collector._on_zero_grad, opt, one_thread=False)
            return orig(opt, *args, **kwargs)

        return zero_grad

    def _on_zero_grad(self, opt: Any) -> None:
        """Counts a zero_grad() that clears gradients a training backward left since this optimizer last stepped
        or zeroed (a GAN's discriminator, cleared of the generator's backward, counts once per step; step() run
        once per epoch, 26 times per step). Events at 1, 2, 4, 8, ... with the steps so far."""
        key = id(opt)
        used = self._grads_used_at.get(key)
        if used is None:  # only an optimizer that steps: one that never does zeroes beside updates written by hand
            return
        if self._backwards > used and key in self._opt_index:
            n = self._discarded[key] = self._discarded.get(key, 0) + 1
            if n & (n - 1) == 0:
                self.writer.put_json({"kind": "grads_discarded", "optimizer": self._opt_index[key], "step": self.step,
                                      "count": n, "backwards": self._backwards})
        self._grads_used_at[key] = self._backwards

    def _wrap_train(self, orig: Callable) -> Callable:
        collector = self

        def train(module: nn.Module, mode: bool = True) -> nn.Module:
            collector._modes_dirty = True
            return orig(module, mode)

        return train

    def _record_modes(self, phase: str) -> None:
        self._write_modes(*self._modes_event(phase))

    def _write_modes(self, key: tuple, event: dict) -> None:
        phase = event["phase"]
        if self._last_modes is not None and self._last_modes.get(phase) == key:
            return
        self._last_modes = {**(self._last_modes or {}), phase: key}
        self.writer.put_json(event)

    def _modes_event(self, phase: str) -> tuple[tuple, dict]:
        """The train/eval flags of the mode-dependent modules now, and the key that says whether they changed."""
        modes = {}
        roots = self._roots
        top = self._last_top  # (only a registered model is one)
        if phase == "eval" and top is not None:
            # the model that was evaluated: a training model left in train mode next to its evaluated EMA copy
            # (AveragedModel) or teacher is not in the wrong mode
            roots = [top]
        for root in roots:
            for m in root.modules():
                info = self._mods.get(id(m))
                if info is not None and isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.modules.dropout._DropoutNd,
                                                       nn.GroupNorm, nn.LayerNorm, nn.Dropout)):
                    # the model's own flag: model.train() then bn.eval() keeps a BatchNorm frozen on purpose
                    modes[info.name] = {"class": info.cls, "training": m.training, "model_training": root.training,
                                        **({"p": m.p} if hasattr(m, "p") else {}),
                                        # None: a cumulative average of the batches' statistics, what
                                        # torch.optim.swa_utils.update_bn sets while it recomputes them
                                        **({"cumulative": True} if isinstance(m, nn.modules.batchnorm._BatchNorm)
                                           and m.momentum is None else {})}
        key = (phase, tuple((k, v["training"], v["model_training"], "cumulative" in v) for k, v in sorted(modes.items())))
        return key, {"kind": "modes", "phase": phase, "step": self._forward_step(), "modules": modes}

    # ------------------------------------------------------------------ backward and steps
    def _wrap_backward(self, orig: Callable) -> Callable:
        collector = self

        def backward(tensors: Any, *args: Any, **kwargs: Any) -> Any:
            if _compiling():
                return orig(tensors, *args, **kwargs)
            loss = tensors if torch.is_tensor(tensors) else (tensors[0] if isinstance(tensors, (list, tuple))
                                                             and len(tensors) == 1 else None)
            track = collector.enabled and loss is not None and loss.numel() == 1 and loss.requires_grad
            if track:
                collector._guarded("steps", collector._on_backward, loss)
                if collector.plugins:  # step plugins
                    collector._plugins_call("on_backward", loss)
            result = orig(tensors, *args, **kwargs)
            if track and (not collector._optimizers or collector._no_opt_step):
                collector._guarded("grad", collector._grads_after_backward)
                if collector.plugins and not collector._in_opt_step:  # step plugins: no optimizer, step done
                    collector._plugins_call("on_gradients", collector.step, list(range(len(collector._params))))
                    collector._plugins_call("on_step_complete", collector.step)
            return result

        return backward

    def _forward_step(self) -> int:
        return self.step + 1 if self._step_open and self._step_complete() else self.step

    def _step_complete(self) -> bool:
        if not self._optimizers:
            return True
        if not self._stepped:
            return self._no_opt_step
        return self._stepped >= self._active_opts

    def _on_backward(self, loss: torch.Tensor) -> None:
        value = loss.detach()
        scaled = self._scaled.pop(id(loss), None)
        if scaled is not None and scaled[0]() is loss:
            scale = getattr(scaled[1], "_scale", None)
            if scale is not None:
                value = value / scale.to(value.device)
        if self._in_opt_step:  # a closure (LBFGS): the first evaluation is the step's loss
            if not self._losses:
                self._losses.append(value.float().reshape(()))
            return
        self._backwards += 1
        if loss.grad_fn is None:  # a leaf: torch.tensor(loss.item(), requires_grad=True) reaches no weight
            self._leaf_losses += 1
            if self._leaf_losses & (self._leaf_losses - 1) == 0:  # 1, 2, 4, 8, ...: the count, in few events
                self.writer.put_json({"kind": "leaf_loss", "step": self._forward_step(), "count": self._leaf_losses})
        if not self._loss_graph_seen and loss.grad_fn is not None:
            self._loss_graph_seen = True
            self.writer.put_json({"kind": "loss_graph", "step": self._forward_step(), "ops": _grad_fn_names(loss)})
        # -- cause signals (traindoctor.checks.causes): the op behind a first non-finite loss
        self._guarded("causes", cause_signals.on_loss, self, loss)
        # -- end cause signals
        if self._eval is not None:
            if self._eval["batch"] == self._batch_seq and self._eval["fwd_n"] and not self._eval["n"] and \
                    self._eval["loader"] is not None and self._current_loader is not None and \
                    self._eval["loader"] == self._current_loader.idx:
                # a no_grad forward on the batch that this backward trains on (a distillation teacher's targets,
                # an EMA model's): not an evaluation, and its loader is the training one
                self._drop_eval()
            else:
                self._close_eval()
        if not self._opt_calls and not self._no_opt_step and len(self._losses) >= NO_STEP_AFTER and self._optimizers:
            self._no_opt_step = True
            for o in self._optimizers:  # their parameters and settings, as a first step() would record them
                self._announce_optimizer(o)
            self.writer.put_json({"kind": "opt_never_stepped", "step": self.step, "backwards": len(self._losses),
                                  "classes": [type(o).__name__ for o in self._optimizers]})
        if self._step_open and self._step_complete():
            self._end_step()
        if not self._step_open:
            if not self._params and not self._roots:
                self._discover_leaves(loss)
            self._begin_step()
        self._losses.append(value.float().reshape(()))
        self._params_at_backward = len(self._params)
        self._step_act.extend(self._pending_act)
        self._pending_act.clear()
        self._train_correct.extend(self._pending_correct)
        self._pending_correct.clear()
        if self._current_loader is not None and self._current_loader.role is None:
            self._set_role(self._current_loader, "train")

    def _is_full(self, step: int) -> bool:
        return step < self.options.full_steps or step >= self._full_next

    def _spent(self, step: int, t0: float) -> None:
        self._full_cost[step] = self._full_cost.get(step, 0.0) + time.perf_counter() - t0

    def _begin_step(self) -> None:
        self._step_open = True
        self._step_t0 = time.perf_counter()
        self._full = self._is_full(self.step)
        if self._full:
            self._full_next = self.step + self._full_every
        self._stepped = set()
        self._grad_seen = set()
        self._grad_norms = []
        if self._modes_dirty:
            self._modes_dirty = False
            self._record_modes("train")
        if self._params and (self.options.weights or self.options.updates):
            self._guarded("weight", self._weights_and_updates)
        self._hist_due = bool(self._params) and self.step >= self._hist_next
        if self._hist_due:
            self._hist_cost = 0.0
            self._guarded("histogram", self._histograms, "weight", list(range(len(self._params))))
        self._guarded("snapshot", snapshots.on_step_begin, self)
        if self.plugins:  # step plugins
            self._plugins_call("on_step_begin", self.step)

    def _param_groups(self) -> list[tuple[torch.device, list[int]]]:
        """Floating-point parameters grouped by device (cached until the parameters change)."""
        cached = self._groups
        if cached is not None and cached[0] == len(self._params) and \
                all(self._params[idxs[0]].device == dev for dev, idxs in cached[1]):
            return cached[1]
        by_dev: dict[torch.device, list[int]] = {}
        for i, p in enumerate(self._params):
            if p.is_floating_point():
                by_dev.setdefault(p.device, []).append(i)
        self._groups = (len(self._params), list(by_dev.items()))
        return self._groups[1]

    def _tensor_rows(self, ts: list[torch.Tensor]) -> torch.Tensor:
        """Full statistics ``[n, TENSOR_FIELDS]`` on full steps; elsewhere the norms ``[n, 1]``, which the
        flush expands on the host (full rows too where a tensor went non-finite)."""
        if not self._full:
            rows, finite = norms(ts)
            if finite:
                return rows
            self._exact_weights_due = True  # a non-finite gradient may have made weights non-finite anywhere
        t0 = time.perf_counter()
        rows = tensor_stats(ts)
        self._spent(self.step, t0)
        return rows

    def _weights_and_updates(self) -> None:
        by_dev = self._param_groups()
        cur_all = [p.detach() for p in self._params]
        exact, self._exact_weights_due = self._full or self._exact_weights_due, False
        prev = self._prev_weights if self.options.updates else None
        if prev is not None and (len(prev) != len(cur_all) or self._prev_step_for_update < 0):
            prev = None
        if self.options.updates and prev is None:  # the first step, or the watched tensors changed: a new baseline
            self._prev_weights = [_update_view(t).clone() for t in cur_all]
        for dev, idxs in by_dev:
            cur = [cur_all[i] for i in idxs]
            rows = self._weight_rows(dev, idxs, cur_all, exact) if self.options.weights else None
            dn = None
            if prev is not None:
                try:
                    dn = self._update_norms(prev, cur_all, dev, idxs)  # prev then holds the current sample
                except RuntimeError:  # a parameter changed shape: the next step starts from the new values
                    self._prev_weights = None
            if self.options.weights:
                if rows is None:  # between full steps on the CPU: estimated from the sample
                    est = self._sampled_weight_norms(dev, idxs, cur_all, self._weight_calib.get(dev),
                                                     None if dn is None else prev)
                    rows = est[:, None] if math.isfinite(float(est.sum())) else self._tensor_rows(cur)
                self._table("weight", self.step, idxs, rows)
            if dn is not None:
                wn = rows[:, TENSOR_FIELDS.index("norm") if rows.shape[1] > 1 else 0] if rows is not None else \
                    torch.stack(torch._foreach_norm(cur))
                # (update norm, weight norm): the flush divides them on the host
                self._table("update", self._prev_step_for_update, idxs, torch.stack([dn, wn.float()], 1))
        if self.options.updates:
            self._prev_step_for_update = self.step

    def _weight_rows(self, dev: torch.device, idxs: list[int], cur_all: list[torch.Tensor],
                     exact: bool) -> torch.Tensor | None:
        """The weights' rows: full statistics on full steps, norms shared with a step plugin that took them of
        these very values, exact norms where asked for (or on an accelerator); None where the sample's estimate
        will do (``_sampled_weight_norms``)."""
        cur = [cur_all[i] for i in idxs]
        if not self._full:
            shared = self._norms_unchanged(idxs, cur)
            if shared is not None and (shared.device.type != "cpu" or math.isfinite(float(shared.sum()))):
                return shared[:, None]
            if not exact and dev.type == "cpu" and not self.options.exact_weight_norms:
                return None
        rows = self._tensor_rows(cur)
        if self._full and dev.type == "cpu" and not self.options.exact_weight_norms:
            self._calibrate_weight_norms(dev, idxs, cur_all, rows)
        return rows

    def _update_norms(self, prev: list[torch.Tensor], cur_all: list[torch.Tensor], dev: torch.device,
                      idxs: list[int]) -> torch.Tensor:
        """The norms of these parameters' change since the previous step, from their samples; ``prev`` is left
        holding the current samples (contiguous copies)."""
        p_prev = [prev[i] for i in idxs]
        views = self._update_views(cur_all)
        cur = [views[i] for i in idxs]
        torch._foreach_sub_(p_prev, cur)
        dn = torch.stack(torch._foreach_norm(p_prev)).float() * self._update_scale(dev, idxs, cur_all)
        torch._foreach_copy_(p_prev, cur)
        return dn

    def _sampled_weight_norms(self, dev: torch.device, idxs: list[int], cur_all: list[torch.Tensor],
                              calib: tuple[tuple[int, ...], torch.Tensor] | None,
                              copies: list[torch.Tensor] | None = None) -> torch.Tensor:
        """Between full steps on the CPU: each weight's norm estimated from the fixed sample whose change the
        update measures (``_update_view``: the whole tensor up to ``UPDATE_SAMPLE`` elements), scaled to the
        tensor and by the ratio of the exact norm to that estimate at the last full step (``calib``). Read from
        ``copies`` (the update's contiguous copies of the current samples) where given: the sample's runs are
        spread over the tensor, and reading them again costs a cache miss per run.

        The exact norm is a pass over every weight, which the training's own passes have left cold in the cache
        by then: ~250 us of the 2-core MLP benchmark's 12 ms step. A weight can go non-finite outside the sample
        only through an update (from a gradient that was non-finite, which the gradient's full pass sees) or a
        write by the script (which the forward pass's check sees): either makes the next weights exact
        (``_exact_weights_due``)."""
        src = copies if copies is not None else self._update_views(cur_all)
        n = torch.stack(torch._foreach_norm([_as_float(src[i]) for i in idxs])).float()
        n = n * self._update_scale(dev, idxs, cur_all)
        if calib is not None and calib[0] == tuple(idxs):
            n = n * calib[1]
        return n

    def _calibrate_weight_norms(self, dev: torch.device, idxs: list[int], cur_all: list[torch.Tensor],
                                rows: torch.Tensor) -> None:
        """On a full step: exact norm / sampled estimate per weight, which scales the estimates until the next
        full step (a weight's distribution over its elements changes slowly: the ratio stays within a fraction
        of a percent over tens of steps, where the raw estimate is off by up to a few percent)."""
        exact = rows[:, TENSOR_FIELDS.index("norm") if rows.shape[1] > 1 else 0]
        est = self._sampled_weight_norms(dev, idxs, cur_all, None)
        ratio = exact / est
        ok = torch.isfinite(ratio) & (est > 0)
        self._weight_calib[dev] = (tuple(idxs), torch.where(ok, ratio, torch.ones_like(ratio)))

    def weight_norms(self, idxs: list[int]) -> torch.Tensor:
        """The L2 norms ``[len(idxs)]`` of these parameters' current values (float32, on their device), for
        step plugins: the debugger's weight detector and abs-mean bounds. Kept with the parameters' storage
        and version counters: when the next step begins with none of them changed since (the optimizer
        stepped before the request, nothing wrote to them after), the recording takes these norms instead of
        a second pass over every weight."""
        ts = [self._params[i].detach() for i in idxs]
        hit = self._norms_unchanged(idxs, ts)
        if hit is not None:
            return hit
        n = torch.stack(torch._foreach_norm([_as_float(t) for t in ts])).float()
        try:
            self._norm_cache = (tuple(idxs), [t._version for t in ts], [t.data_ptr() for t in ts], n)
        except RuntimeError:  # inference tensors keep no version counter: nothing can be shared
            self._norm_cache = None
        return n

    def _norms_unchanged(self, idxs: list[int], ts: list[torch.Tensor]) -> torch.Tensor | None:
        """The norms that :meth:`weight_norms` took of exactly these tensors, if none changed since."""
        cached = self._norm_cache
        if cached is None or cached[0] != tuple(idxs):
            return None
        try:
            if [t._version for t in ts] != cached[1] or [t.data_ptr() for t in ts] != cached[2]:
                return None
        except RuntimeError:
            return None
        return cached[3]

    def _update_views(self, cur_all: list[torch.Tensor]) -> list[torch.Tensor]:
        """The sampled views (``_update_view``) of the parameters, made once: a view follows the optimizer's
        in-place updates of its parameter. Made again when a parameter's storage moved (``p.data = ...``).
        Making them every step cost ~35 us of the MLP benchmark's 12 ms step."""
        ptrs = [t.data_ptr() for t in cur_all]
        cached = self._views_cache
        if cached is None or cached[0] != ptrs:
            # a non-contiguous parameter's flat sample is a copy, not a view: it is made again every step
            cached = self._views_cache = (ptrs, [_update_view(t) if t.is_contiguous() else None for t in cur_all])
        views = cached[1]
        if all(v is not None for v in views):
            return views
        return [v if v is not None else _update_view(t) for v, t in zip(views, cur_all)]

    def _update_scale(self, dev: torch.device, idxs: list[int], cur_all: list[torch.Tensor]) -> torch.Tensor:
        """sqrt(numel / sampled elements) per tensor: the sampled update's norm scaled to the whole tensor."""
        cache = self._update_scales
        key = (dev, tuple(idxs), tuple(cur_all[i].numel() for i in idxs))  # a replaced parameter may change size
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[key] = on_device([math.sqrt(cur_all[i].numel() / max(_update_view(cur_all[i]).numel(), 1))
                                    for i in idxs], dev)
        return cache[key]

    def _end_step(self) -> None:
        step = self.step
        if self.plugins:  # step plugins: a step closed without a complete optimizer step still completes
            self._plugins_call("on_step_complete", step)
        if self._losses:
            loss = torch.stack(self._losses).mean() if len(self._losses) > 1 else self._losses[0]
            self._scalar(step, "train/loss", loss)
            if len(self._opt_losses) > 1:  # several optimizers, each on its own loss: one series each
                for i, own in self._opt_losses.items():
                    self._scalar(step, f"train/loss_opt{i}", torch.stack(own).mean() if len(own) > 1 else own[0])
        if self._train_correct:
            parts = self._train_correct
            if all(c.device.type == "cpu" for c, _ in parts):  # the flush counts them, off the training thread
                self._scalar(step, "train/acc", _Accuracy(parts))
            else:
                n = sum(k for _, k in parts)
                correct = torch.stack([c for c, _ in parts]).sum()
                self._scalar(step, "train/acc", _ratio(correct, n))
        if self._step_act:
            acts = self._step_act
            full = [k for k, a in enumerate(acts) if a[1].dim()]
            light = [k for k, a in enumerate(acts) if not a[1].dim()] if len(full) < len(acts) else []
            for seq in (full, light):  # full rows [k, RAW_ACTIVATION]; sums [k], expanded at flush
                if seq:
                    self._table("activation", step, [acts[k][0] for k in seq], torch.stack([acts[k][1] for k in seq]),
                                seq=seq, sizes=[(acts[k][2], acts[k][3]) for k in seq])
        if not self._optimizers and self._step_grad:
            by_width: dict[int, list[int]] = {}
            for i in sorted(self._step_grad):
                by_width.setdefault(self._step_grad[i].shape[1], []).append(i)
            for idxs in by_width.values():
                self._table("grad", step, idxs, torch.cat([self._step_grad[i] for i in idxs]))
        self._check_missing_grads()
        dt = time.perf_counter() - self._step_t0
        self._step_time_ema = dt if self._step_time_ema is None else 0.9 * self._step_time_ema + 0.1 * dt
        cost = self._full_cost.pop(step, None)
        if cost is not None and self._full:
            # the next full step comes when this one's cost, spread over the steps between, fits the budget
            self._full_every = max(1, math.ceil(cost / (self.options.stats_budget * self._step_time_ema)))
        for s in [s for s in self._full_cost if s < step]:
            del self._full_cost[s]
        if self._hist_due:
            self._schedule_histograms(self._step_time_ema)
        self._scalar(step, "perf/step_time", dt)
        self._losses, self._train_correct, self._step_act, self._step_grad = [], [], [], {}
        self._opt_losses, self._loss_mark = {}, 0
        self._active_opts |= self._stepped
        self.step += 1
        self._step_open = False
        self._steps_since_flush += 1
        if self._steps_since_flush >= self.options.max_steps_buffered or \
                time.monotonic() - self._last_flush >= self.options.flush_interval:
            self.flush()

    def _check_missing_grads(self) -> None:
        if not self._params:
            return
        if len(self._grad_seen) == len(self._params) and not self._missing_grad_reported:
            return  # the common step: every parameter got its gradient, and nothing was reported missing
        # complex parameters (spectral layers) are not summarised: their gradients are not looked for either
        # a model first run after the step's backward (the next fold's, built at a cross-validation boundary)
        # could not get a gradient in it
        trainable = {i for i, p in enumerate(self._params[:self._params_at_backward or len(self._params)])
                     if p.requires_grad and p.is_floating_point()}
        missing = frozenset(trainable - self._grad_seen) if self._grad_seen or not self._optimizers else frozenset()
        if self._grad_seen and missing != self._missing_grad_reported and (missing or self._missing_grad_reported):
            self._missing_grad_reported = missing
            self.writer.put_json({"kind": "grad_missing", "step": self.step,
                                  "params": [self._param_names[i] for i in sorted(missing)]})

    def _grads_after_backward(self) -> None:
        idxs = [i for i, p in enumerate(self._params) if p.grad is not None and p.grad.is_floating_point()]
        if not idxs or not self.options.grads:
            return
        self._grad_norms = []
        for dev, group in _by_device(idxs, self._params).items():
            for part, rows in self._grad_rows(group):
                self._keep_grad_norms(part, rows)
                for k, i in enumerate(part):
                    self._step_grad[i] = rows[k:k + 1]
        self._grad_seen = set(idxs)
        if self._hist_due:
            self._histograms("grad", idxs)

    def _grad_rows(self, group: list[int]) -> list[tuple[list[int], torch.Tensor]]:
        """The rows of these gradients, by parts. Sparse gradients (``Embedding(sparse=True)``), which the dense
        reductions refuse, are summarised from their stored values as the dense tensors they stand for; the
        first one met makes every later step split them from the dense ones."""
        grads = [self._params[i].grad for i in group]
        if not self._sparse_grads:
            try:
                return [(group, self._tensor_rows(grads))]
            except (NotImplementedError, RuntimeError):
                if all(g.layout == torch.strided for g in grads):
                    raise
                self._sparse_grads = True
        dense = [i for i in group if self._params[i].grad.layout == torch.strided]
        sparse = [i for i in group if self._params[i].grad.layout != torch.strided]
        parts = [(dense, self._tensor_rows([self._params[i].grad for i in dense]))] if dense else []
        if sparse:  # full rows every step: they cost what the norms do, and reading a finite flag would sync
            t0 = time.perf_counter()
            parts.append((sparse, sparse_stats([self._params[i].grad for i in sparse])))
            self._spent(self.step, t0)
        return parts

    def _keep_grad_norms(self, group: list[int], rows: torch.Tensor) -> None:
        self._grad_norms.append((group, rows[:, TENSOR_FIELDS.index("norm") if rows.shape[1] > 1 else 0]))

    def grad_norms(self, idxs: list[int]) -> torch.Tensor | None:
        """The L2 norms ``[len(idxs)]`` of these parameters' current gradients, as this step's recording took
        them (float32, on their device; no new pass), or None when some were not taken. For step plugins:
        the debugger's gradient detector and its abs-mean bounds read them."""
        parts = self._grad_norms
        for group, col in reversed(parts):
            if group == idxs:
                return col
        pos = {j: (g, k) for g, (group, _) in enumerate(parts) for k, j in enumerate(group)}
        if not idxs or any(i not in pos for i in idxs):
            return None
        return torch.stack([parts[pos[i][0]][1][pos[i][1]] for i in idxs])

    # ------------------------------------------------------------------ optimizers
    def _wrap_opt_init(self, orig: Callable) -> Callable:
        collector = self

        def __init__(opt: Any, *args: Any, **kwargs: Any) -> None:
            orig(opt, *args, **kwargs)
            if collector.enabled:
                collector._guarded("optimizer", collector._register_optimizer, opt)

        return __init__

    def _opt_pre_hook(self, opt: Any, args: Any, kwargs: Any) -> None:
        if _compiling() or not self.enabled:
            return
        self._in_opt_step += 1
        self._guarded("optimizer", self._before_opt_step, opt)

    def _before_opt_step(self, opt: Any) -> None:
        self._register_optimizer(opt)
        self._announce_optimizer(opt)
        i = self._opt_index[id(opt)]
        # this optimizer's second step since the step began starts the next one (LBFGS: every backward runs
        # inside step(closure)); another optimizer's first is part of this step, also when the collector met
        # it only now (optimizers built before watch(): the second one's step was counted one step late)
        if self._step_open and id(opt) in self._stepped:
            if not self._step_complete():
                # it steps again before the step's other optimizers did: they no longer step (a teacher trained
                # first, then a student), and every later step would have waited for them (one step per phase)
                self._active_opts = set(self._stepped)
                # a new training phase from this step on: the loss checks judge its own losses
                self.writer.put_json({"kind": "phase", "step": self.step, "time": time.time(), "optimizers": sorted(
                    self._opt_index[o] for o in self._stepped if o in self._opt_index)})
            self._end_step()
        if not self._step_open:  # an optimizer step with no backward before it
            self._begin_step()
        for j, g in enumerate(opt.param_groups):
            keys, raw = list(g), [v for k, v in g.items() if k != "params"]
            known = self._opt_hparams_raw.get((i, j))
            if known is not None and known[0] == keys and _same_plain(known[1], raw):  # unchanged: no conversion
                hp = known[2]
            else:
                hp = _hparams(g)
                self._opt_hparams_raw[(i, j)] = (keys, raw, hp)
            if "lr" in hp and isinstance(hp["lr"], (int, float)):
                self._scalar(self.step, f"opt{i}/group{j}/lr", float(hp["lr"]))
            if self._opt_hparams.get((i, j)) != hp:
                self._opt_hparams[(i, j)] = hp
                self.writer.put_json({"kind": "hparams", "optimizer": i, "group": j, "step": self.step, **hp})
        if len(self._losses) > self._loss_mark:  # the losses since the last optimizer step are this one's
            self._opt_losses.setdefault(i, []).extend(self._losses[self._loss_mark:])
            self._loss_mark = len(self._losses)
        if self.options.grads and "grad" not in self._disabled:
            self._guarded("grad", self._grads_for, opt, i)
        if self.plugins:  # step plugins
            self._plugins_call("on_gradients", self.step, list(self._opt_params.get(i, [])))
        # -- cause signals: the first updates of a user-written optimizer against its gradients
        self._guarded("causes", cause_signals.before_opt_step, self, opt, i)

    def _grads_for(self, opt: Any, i: int) -> None:
        idxs = [j for j in self._opt_params.get(i, []) if self._params[j].grad is not None
                and self._params[j].grad.is_floating_point()]
        self._grad_seen.update(idxs)
        if not idxs and self._opt_params.get(i):
            self._step_without_grads(i)
        for dev, group in _by_device(idxs, self._params).items():
            for part, rows in self._grad_rows(group):
                self._keep_grad_norms(part, rows)
                self._table("grad", self.step, part, rows)
        if self._hist_due and idxs:
            self._histograms("grad", idxs)

    def _step_without_grads(self, i: int) -> None:
        """An optimizer step where none of its parameters has a gradient: step() runs before backward(), or
        zero_grad() between them (LBFGS's first step, whose closure has not run yet, also counts once)."""
        seen = self._no_grad_steps.get(i)
        if seen is None:
            self._no_grad_steps[i] = [self.step, 1]
            self.writer.put_json({"kind": "opt_no_grad", "optimizer": i, "first_step": self.step, "steps": 1,
                                  "at_step": self.step})
            self._loose_params(i)
            return
        seen[1] += 1
        if seen[1] in (10, 100) or seen[1] % 1000 == 0:  # the count so far, should the run be killed
            self.writer.put_json({"kind": "opt_no_grad", "optimizer": i, "first_step": seen[0], "steps": seen[1],
                                  "at_step": self.step})

    def _loose_params(self, i: int) -> None:
        """At an optimizer's first step with no gradient: the trained models' parameters that have a gradient
        but sit in no optimizer, and how many of this optimizer's tensors no model holds (``opt_loose_params``).
        A layer replaced after the optimizer was built (``model.head = nn.Linear(...)``), or the model copied:
        the optimizer steps the old tensors, which get no gradient, and nothing steps the new ones."""
        held = {id(p) for opt in self._optimizers for g in opt.param_groups for p in g["params"]}
        in_models: set[int] = set()
        loose: list[str] = []
        for root in self._roots:
            if id(root) not in self._grad_roots:
                continue
            named = list(root.named_parameters())
            prefix = next((self._param_names[self._param_index[id(p)]][: -len(n)] for n, p in named
                           if id(p) in self._param_index and self._param_names[self._param_index[id(p)]].endswith(n)),
                          "")
            for n, p in named:
                in_models.add(id(p))
                if p.grad is not None and id(p) not in held:
                    loose.append(prefix + n)
        mine = [p for g in self._optimizers[i].param_groups for p in g["params"]]
        outside = sum(1 for p in mine if id(p) not in in_models)
        if loose:  # (after zero_grad(set_to_none) or with step() before backward(), no parameter has a gradient)
            self.writer.put_json({"kind": "opt_loose_params", "optimizer": i, "step": self.step, "params": loose[:50],
                                  "count": len(loose), "optimizer_tensors_outside_models": outside,
                                  "optimizer_tensors": len(mine)})

    def _count_backwards(self, i: int) -> None:
        """The backward passes between optimizer ``i``'s first steps: more than one is gradient accumulation, whose
        loss must be divided by their number for the step to be an average's (the loss graph says if it was)."""
        counts = self._backwards_per_step[i]
        counts.append(self._backwards)  # (the running count; the per-step numbers are its differences)
        if len(counts) == ACCUMULATION_STEPS + 1:
            per_step = [b - a for a, b in zip(counts, counts[1:])]
            if max(per_step) > 1:
                self.writer.put_json({"kind": "accumulation", "optimizer": i, "step": self.step,
                                      "backwards_per_step": per_step})

    def _opt_post_hook(self, opt: Any, args: Any, kwargs: Any) -> None:
        if _compiling() or not self.enabled:
            return
        self._in_opt_step = max(0, self._in_opt_step - 1)
        self._stepped.add(id(opt))
        self._grads_used_at[id(opt)] = self._backwards
        i = self._opt_index.get(id(opt))
        if i is not None and len(self._backwards_per_step.setdefault(i, [])) <= ACCUMULATION_STEPS:
            self._count_backwards(i)
        self._count_opt_step()
        if self.plugins and self._step_open and self._step_complete():  # step plugins
            self._plugins_call("on_step_complete", self.step)
        # -- cause signals: the first updates of a user-written optimizer against its gradients
        if id(opt) in self._opt_index:
            self._guarded("causes", cause_signals.after_opt_step, self, opt, self._opt_index[id(opt)])

    # ------------------------------------------------------------------ AMP
    def _wrap_scaler_scale(self, orig: Callable) -> Callable:
        collector = self

        def scale(scaler: Any, outputs: Any) -> Any:
            out = orig(scaler, outputs)
            if collector.enabled and torch.is_tensor(out) and out.numel() == 1:
                collector._scaled[id(out)] = (weakref.ref(out), scaler)
                if len(collector._scaled) > 64:
                    collector._scaled.pop(next(iter(collector._scaled)))
            return out

        return scale

    def _wrap_scaler_step(self, orig: Callable) -> Callable:
        collector = self

        def step(scaler: Any, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
            result = orig(scaler, optimizer, *args, **kwargs)
            if collector.enabled:
                collector._guarded("amp", collector._after_scaler_step, scaler, optimizer)
                if collector.plugins and collector._step_open and collector._step_complete():  # step plugins
                    collector._plugins_call("on_step_complete", collector.step)
            return result

        return step

    def _count_opt_step(self) -> None:
        self._opt_calls += 1
        if self._no_opt_step:  # it steps after all (accumulation over more micro-batches than NO_STEP_AFTER)
            self._no_opt_step = False
            self.writer.put_json({"kind": "opt_stepped", "step": self.step})

    def _after_scaler_step(self, scaler: Any, optimizer: Any) -> None:
        self._stepped.add(id(optimizer))
        self._count_opt_step()
        state = getattr(scaler, "_per_optimizer_states", {}).get(id(optimizer), {})
        found = state.get("found_inf_per_device", {})
        if found:
            dev = next(iter(found.values())).device
            skipped = torch.stack([v.reshape(()).float().to(dev) for v in found.values()]).sum()
            self._scalar(self.step, "amp/skipped", (skipped > 0).float())
            if self.plugins:  # step plugins
                self._plugins_call("on_scaler_step", self.step, optimizer, skipped)

    def _wrap_scaler_update(self, orig: Callable) -> Callable:
        collector = self

        def update(scaler: Any, *args: Any, **kwargs: Any) -> Any:
            result = orig(scaler, *args, **kwargs)
            if collector.enabled and getattr(scaler, "_scale", None) is not None:
                collector._guarded("amp", lambda: collector._scalar(collector.step, "amp/scale",
                                                                    scaler._scale.detach().reshape(()).float().clone()))
            return result

        return update

    # ------------------------------------------------------------------ schedules and clipping
    def _observe(self, part: str, handler: Callable,
                 wanted: Callable[[], Any] | None = None) -> Callable[[Callable], Callable]:
        """A ``_patch`` maker: the original runs, then ``handler(args, kwargs, result)``, guarded as ``part``; with
        ``wanted``, only while it returns true (a handler that reads the first few calls only: the guard's
        thread switch is not paid on every later one)."""
        collector = self
        wanted = wanted or (lambda: True)

        def make(orig: Callable) -> Callable:
            def observed(*args: Any, **kwargs: Any) -> Any:
                out = orig(*args, **kwargs)
                if collector.enabled and wanted() and not _compiling():
                    collector._guarded(part, handler, args, kwargs, out)
                return out

            return observed

        return make

    def _wrap_init(self, fname: str, orig: Callable) -> Callable:
        """``torch.nn.init`` functions: called on a trained parameter once training has stepped, they throw its
        training away (``model.apply(init_weights)`` inside the epoch loop: probe K f04). Before the first step
        (the model being built) they cost one comparison."""
        collector = self

        def init_fn(tensor: Any, *args: Any, **kwargs: Any) -> Any:
            out = orig(tensor, *args, **kwargs)
            if collector.step and collector.enabled and not _compiling() and torch.is_tensor(tensor) \
                    and id(tensor) in collector._param_index:
                collector._guarded("graph", collector._on_reinit, fname, tensor, one_thread=False)
            return out

        return init_fn

    #: model forwards after which a loss's targets are no longer compared with the model's input
    COMPARE_FORWARDS = 1000

    #: re-initialisations recorded per parameter, each an event; past these, one at each power of two
    REINIT_EVENTS = 64

    def _on_reinit(self, fname: str, tensor: torch.Tensor) -> None:
        name = self._param_names[self._param_index[id(tensor)]]
        n = self._reinits[name] = self._reinits.get(name, 0) + 1
        if n <= self.REINIT_EVENTS or n & (n - 1) == 0:  # the first ones, then at powers of two
            self.writer.put_json({"kind": "reinit", "param": name, "function": fname, "step": self.step,
                                  "count": n})

    def _training_calls_left(self, counter: str) -> bool:
        """Whether a loss function's call is read: a training call while its counter (``_sign_calls_left``,
        ``_triplet_calls_left``) is not spent."""
        return bool(getattr(self, counter)) and torch.is_grad_enabled()

    def _attention_wanted(self) -> bool:
        return bool(self._attn_masks_left or self._float_masks_left or self._causal_checks_left)

    def _on_attention(self, args: tuple, kwargs: dict, _: Any) -> None:
        """The key padding mask of the first ``ATTENTION_MASK_CALLS`` training calls of attention: the share of
        keys it masks, the sequences it masks entirely, and how it lines up with the padding of the model's
        token ids (the positions holding an embedding's ``padding_idx``, or 0): PyTorch masks where the mask is
        True, a HuggingFace ``attention_mask`` is 1 for the tokens, and passed as ``src_key_padding_mask`` it
        makes attention read the padding only. Also an ``attn_mask`` of floats that holds only 0 and 1 (a
        ``torch.tril(torch.ones(L, L))`` causal mask): a float mask is added to the scores, so it masks nothing."""
        if torch.is_grad_enabled():
            self._attention_calls_left -= 1
            if self._attention_calls_left < 0:  # masks come with the first steps' calls, or never
                self._attn_masks_left = self._float_masks_left = self._causal_checks_left = 0
                self._root_args = ()
                return
            if self._causal_checks_left:
                self._decoder_unmasked(args, kwargs)
        if self._float_masks_left and torch.is_grad_enabled():
            self._float_mask(_mha_arg(args, kwargs, "attn_mask"))
        if not self._attn_masks_left or not torch.is_grad_enabled():
            return
        mask = _mha_arg(args, kwargs, "key_padding_mask")
        if not torch.is_tensor(mask) or mask.dim() != 2 or not mask.numel():
            return
        self._attn_masks_left -= 1
        if not self._attn_masks_left:
            self._root_args = ()
        masked = mask if mask.dtype == torch.bool else mask < -1e4  # additive masks: -inf (or a very low value)
        owner = self._stack[-1] if self._stack else None
        info = self._mods.get(id(owner)) if owner is not None else None
        ev: dict[str, Any] = {"kind": "attention_mask", "step": self._forward_step(),
                              "module": info.name if info is not None else None, "shape": list(mask.shape),
                              "masked_frac": float(masked.float().mean()),
                              "rows_all_masked": float(masked.all(1).float().mean())}
        tokens = next((a for a in self._root_args if torch.is_tensor(a) and not a.is_floating_point()
                       and not a.is_complex() and a.dtype != torch.bool and a.shape == mask.shape), None)
        if tokens is not None:
            pads = {m.padding_idx for m in self._roots_modules() if isinstance(m, nn.Embedding)
                    and m.padding_idx is not None}
            pad = min(pads) if len(pads) == 1 else 0
            is_pad = tokens.to(mask.device) == pad
            ev.update(pad_id=pad, pad_frac=float(is_pad.float().mean()),
                      matches_padding=float((masked == is_pad).float().mean()),
                      matches_tokens=float((masked == ~is_pad).float().mean()))
        self.writer.put_json(ev)

    def _decoder_unmasked(self, args: tuple, kwargs: dict) -> None:
        """A decoder layer's self-attention trained with no causal mask (no ``attn_mask``, no ``is_causal``):
        ``nn.Transformer(src, tgt)`` without ``tgt_mask``. Under teacher forcing each position then reads the
        target tokens after it and learns to copy them, which greedy decoding cannot. Written once."""
        q = args[0] if args else kwargs.get("query")
        k = args[1] if len(args) > 1 else kwargs.get("key")
        if not torch.is_tensor(q) or q is not k or len(self._stack) < 2 or \
                "Decoder" not in type(self._stack[-2]).__name__:
            return  # cross-attention, or attention outside a decoder
        self._causal_checks_left -= 1
        if _mha_arg(args, kwargs, "attn_mask") is not None or _mha_arg(args, kwargs, "is_causal") or q.shape[0] < 2:
            return
        self._causal_checks_left = 0
        info = self._mods.get(id(self._stack[-1]))
        self.writer.put_json({"kind": "decoder_unmasked", "step": self._forward_step(),
                              "module": info.name if info is not None else None,
                              "layer_class": type(self._stack[-2]).__name__, "length": int(q.shape[0])})

    def _float_mask(self, mask: Any) -> None:
        if not torch.is_tensor(mask) or not mask.is_floating_point() or mask.dim() < 2 or not mask.numel():
            return
        self._float_masks_left -= 1
        ones = mask == 1
        zeros = mask == 0
        if bool((ones | zeros).all()) and bool(ones.any()) and bool(zeros.any()):
            owner = self._stack[-1] if self._stack else None
            info = self._mods.get(id(owner)) if owner is not None else None
            self.writer.put_json({"kind": "attention_float_mask", "step": self._forward_step(),
                                  "module": info.name if info is not None else None, "shape": list(mask.shape),
                                  "ones_frac": float(ones.float().mean()),
                                  "lower_triangular": bool(mask.dim() == 2 and mask.shape[0] == mask.shape[1]
                                                           and torch.equal(mask, torch.tril(torch.ones_like(mask))))})
            self._float_masks_left = 0

    def _roots_modules(self) -> list[nn.Module]:
        return [m for r in self._roots for m in r.modules()] if self._roots else []

    def _register_scheduler(self, args: tuple, kwargs: dict, _: Any) -> None:
        """A learning-rate scheduler's class and settings (step_size, gamma, T_max, patience, ...), once: the
        learning rate it sets is recorded per step with the optimizer's; these say which schedule made it."""
        sched = args[0]
        if id(sched) in self._schedulers:
            return
        k = self._schedulers[id(sched)] = len(self._schedulers)
        state = {key: v for key, v in vars(sched).items()
                 if not key.startswith("_") and key not in ("optimizer", "verbose")}
        params = _hparams(state)
        params.update({key: {str(a): b for a, b in v.items()} for key, v in state.items()  # MultiStepLR's milestones
                       if isinstance(v, dict) and len(v) <= 32 and all(isinstance(e, (int, float)) for e in v.values())})
        opt = getattr(sched, "optimizer", None)
        self.writer.put_json({"kind": "scheduler", "index": k, "class": type(sched).__name__,
                              "optimizer": self._opt_index.get(id(opt)), "params": params, "step": self.step})

    def _on_load_state_dict(self, args: tuple, kwargs: dict, _: Any) -> None:
        """A state restored once training has stepped (a "best checkpoint" loaded at the end): whether its
        tensors are the module's own, ``best = model.state_dict()`` kept as references that training went on
        writing, so the restore changes nothing."""
        module = args[0]
        state = args[1] if len(args) > 1 else kwargs.get("state_dict")
        if not isinstance(state, dict) or not state:
            return
        own = module.state_dict(keep_vars=True)
        tensors = [(k, v) for k, v in state.items() if torch.is_tensor(v)]
        same = sum(1 for k, v in tensors if k in own and torch.is_tensor(own[k]) and v.numel()
                   and v.data_ptr() == own[k].data_ptr() and v.shape == own[k].shape)
        known = self._mods.get(id(module))  # its name among the models, once it ran; else its class
        # how many of the module's own keys the state names: with strict=False, a state whose keys carry another
        # prefix ("module." of an AveragedModel or DataParallel) loads nothing and says nothing
        matched = sum(1 for k in own if k in state)
        strict = args[2] if len(args) > 2 else kwargs.get("strict", True)
        self.writer.put_json({"kind": "state_restore", "step": self.step,
                              "model": known.name if known is not None else module.__class__.__name__,
                              "class": module.__class__.__name__, "tensors": len(tensors), "own_tensors": same,
                              "module_keys": len(own), "matched_keys": matched, "strict": bool(strict),
                              "state_keys_sample": _keys_sample(state, own),
                              "module_keys_sample": [str(k) for k in list(own)[:3]]})

    def _on_plateau_step(self, args: tuple, kwargs: dict, _: Any) -> None:
        """The metric a ReduceLROnPlateau is stepped with, once per call (an epoch): with ``mode='min'`` it must
        fall as it improves, and a validation accuracy handed to it counts every improvement as a bad epoch."""
        sched = args[0]
        metric = args[1] if len(args) > 1 else kwargs.get("metrics")
        k = self._schedulers.get(id(sched))
        if k is None or metric is None:
            return
        value = float(metric.detach().float().reshape(-1)[0]) if torch.is_tensor(metric) else float(metric)
        self._scalar(self.step, f"sched{k}/metric", value)

    def _clip_setting(self, function: str, **setting: float) -> None:
        """A clipping function's setting, written once and again when it changes; and, once, a clip called after
        the step's optimizer step and before the next backward: it clips gradients already used."""
        if self._stepped and not self._clip_after_step and self._params_at_backward:
            self._clip_after_step = True
            self.writer.put_json({"kind": "clip_after_step", "function": function, "step": self.step})
        key = (function, *setting.values())
        if key != self._clip_seen:
            self._clip_seen = key
            self.writer.put_json({"kind": "clip", "function": function, **setting, "step": self.step})

    def _on_clip_value(self, args: tuple, kwargs: dict, _: Any) -> None:
        self._clip_setting("clip_grad_value_", clip_value=float(args[1] if len(args) > 1 else kwargs.get("clip_value")))

    def _on_clip(self, args: tuple, kwargs: dict, total: Any) -> None:
        """clip_grad_norm_'s setting and the norm it found before clipping, per step: the recorded gradients are
        the clipped ones (read at the optimizer step)."""
        max_norm = args[1] if len(args) > 1 else kwargs.get("max_norm")
        norm_type = args[2] if len(args) > 2 else kwargs.get("norm_type", 2.0)
        self._clip_setting("clip_grad_norm_", max_norm=float(max_norm), norm_type=float(norm_type))
        if torch.is_tensor(total) and total.numel() == 1:
            self._scalar(self.step, "grad/clip_total_norm", total.detach().reshape(()).float())

    # ------------------------------------------------------------------ losses and evaluation
    def _wrap_loss_fn(self, fname: str, orig: Callable) -> Callable:
        collector = self
        try:  # the names of the arguments after (input, target), for settings given by position
            names = list(inspect.signature(orig).parameters)[2:]
        except (TypeError, ValueError):
            names = []

        def loss_fn(input: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
            out = orig(input, target, *args, **kwargs)
            if collector.enabled and not _compiling():
                collector._guarded("loss", collector._on_loss_call, fname, input, target, out,
                                   {**dict(zip(names, args)), **kwargs} if args else kwargs)
            return out

        return loss_fn

    def _on_loss_call(self, fname: str, inp: Any, target: Any, out: Any, kwargs: dict) -> None:
        if not (torch.is_tensor(inp) and torch.is_tensor(target) and torch.is_tensor(out)):
            return
        loader = self._current_loader
        if loader is not None and loader.pending is not None:
            self._learn_label_place(loader, target)
        ignore = kwargs.get("ignore_index", -100)
        training = torch.is_grad_enabled() and out.requires_grad
        mode = "train" if training else "eval"
        n_calls = self._loss_calls.get((fname, mode), 0)
        self._loss_calls[(fname, mode)] = n_calls + 1
        if n_calls < 3:
            flattened = _flattened_from(inp, target)
            t_summary = _loss_input_summary(target)
            if fname in _BINARY_LOSSES and target.dim() == 2 and 2 <= target.shape[1] <= 64 and len(target) >= 8:
                # -- cause signals: each label column's share of ones (a column set in every row teaches nothing)
                t_summary["col_mean"] = [round(float(v), 4) for v in target.detach().float().mean(0).tolist()]
            if training and fname in _BINARY_LOSSES and inp.shape == target.shape and \
                    (inp.dim() == 1 or inp.dim() == 2 and inp.shape[1] == 1) and t_summary.get("min") == 0.0 \
                    and t_summary.get("max") == 1.0 and t_summary.get("integer_frac") == 1.0:
                self._train_binary = 0.0 if fname.endswith("logits") else 0.5
            smoothing = kwargs.get("label_smoothing") if fname == "cross_entropy" else None
            smoothing = smoothing if isinstance(smoothing, (int, float)) and 0 < smoothing <= 1 else None
            self.writer.put_json({"kind": "loss_call", "function": fname, "mode": mode, "step": self._forward_step(),
                                  "call": n_calls, "reduction": kwargs.get("reduction", "mean"),
                                  **({"value": float(out.detach())} if out.numel() == 1 else {}),
                                  "input": _loss_input_summary(inp), "target": t_summary,
                                  "module": self._stack[-1].__class__.__name__ if self._stack else None,
                                  # -- cause signals: a class-weighted loss answers an imbalance
                                  "weighted": kwargs.get("weight") is not None or kwargs.get("pos_weight") is not None,
                                  **({"ignore_index": int(kwargs["ignore_index"])}
                                     if isinstance(kwargs.get("ignore_index"), int) and kwargs["ignore_index"] >= 0
                                     else {}),
                                  **({"flattened_from": flattened} if flattened else {}),
                                  **({"target_flattened_from": t_flat} if (t_flat := _target_flattened_from(target))
                                     else {}),
                                  **({"model_output": True} if self._last_root_output is not None
                                     and self._last_root_output() is inp else {}),
                                  **({"label_smoothing": float(smoothing)} if smoothing else {}),
                                  **({"log_input": bool(kwargs.get("log_input", True))}
                                     if fname == "poisson_nll_loss" else {}),
                                  **({"target_is_input": same} if (same := _is_model_input(
                                      target, self._last_root_input)) is not None else {}),
                                  **({"target_alignment": al} if training and (al := _target_alignment(
                                      target, self._last_root_input)) else {}),
                                  **_loss_weights(fname, kwargs),
                                  **_loss_floor(fname, inp, target, kwargs.get("reduction", "mean"), smoothing)})
        if n_calls >= 2:
            self._compared.add(mode)
            if len(self._compared) == 2 or self._top_forwards > self.COMPARE_FORWARDS:
                self._compare_inputs = False
                self._last_root_input = None
        if training and fname in ("cross_entropy", "nll_loss") and inp.dim() == 2:
            self._train_logit_width = int(inp.shape[1])
        if training and fname in ("cross_entropy", "nll_loss") and not target.is_floating_point():
            self._mixed_check(fname, inp, target)
        if training and self._mixed_targets:
            return  # neither accuracy nor label errors: each mixed input has two labels
        rows, labels = _class_rows(fname, inp, target)
        if training:
            # -- cause signals: recent training predictions for confident learning
            self._guarded("causes", cause_signals.on_train_loss, self, fname, rows, labels, ignore)
            deferred = _Predictions.of(fname, rows, labels, ignore)
            if deferred is not None:  # counted at flush, with the other steps' (see _Predictions)
                self._pending_correct.append((deferred, int(labels.shape[0])))
                return
            correct, count, _ = _classification(fname, rows, labels, ignore)
            if correct is not None:
                self._pending_correct.append((correct, count))
            return
        if out.numel() != 1:
            return
        if torch.is_grad_enabled() and self._last_fwd_trains and inp.is_floating_point() and \
                target is self._last_y and self._current_loader is not None and \
                self._current_loader.role in (None, "train"):
            # autograd on, after a training forward, on the training batch's labels, and the loss's input cut
            # from the graph: model(x).detach() (or a metric logged on a detached copy): no evaluation, a
            # training step's loss that no backward can use
            self._detached_losses += 1
            if self._detached_losses & (self._detached_losses - 1) == 0:  # 1, 2, 4, 8, ...
                self.writer.put_json({"kind": "loss_detached", "function": fname, "step": self._forward_step(),
                                      "count": self._detached_losses})
            return
        if not self._top_forwards and self.step == 0 and not self._step_open:
            # before training and before any model ran: a loss of something else (a naive forecast's MSE printed
            # as a baseline), not an evaluation of the model; it became the validation curve's first point
            return
        if self._eval is not None and self._eval["fwd_fns"][0] == self._top_forwards and \
                fname in self._eval["fwd_fns"][1] and inp.numel() > 1 and \
                bool((inp == inp.reshape(-1)[0]).all()):
            # the same loss again on this forward's batch, of a constant prediction: a baseline the script prints
            # beside the model's (crit(torch.zeros_like(y), y)), not the model's loss; it halved into eval/loss
            return
        correct, count, preds = _classification(fname, rows, labels, ignore)
        loader = self._current_loader
        if loader is not None and loader.role == "train" and loader.rows and target.dim() and \
                int(target.shape[0]) not in loader.rows:
            loader = None  # not the training batch's targets (validation tensors after a loop left by break)
        paired = self._paired_out
        role = paired[1] if paired is not None and paired[0]() is inp and loader is None else None
        if role is None and loader is None and self._current_loader is None:
            # whole tensors, no loader: the split the target's name marks (yt beside yv: a regression's training
            # and validation MSE in one no_grad block were pooled into one evaluation, R² 0.75 for a true 0.51)
            found = self._guarded("eval_split", datamod.split_of_target, target, one_thread=False)
            role = "train_eval" if found == "train" else found
        # the output of a forward paired with its split (model(X_train) under no_grad beside model(X_val)): the
        # loss goes to that split's pass; both went to eval/*, alternating train and validation values
        self._open_eval(loader, fname, role=role, target=target)
        bs = int(target.shape[0]) if target.dim() > 0 else 1
        # the pass's mean loss per sample: a mean-reduced loss weighs by the batch, a summed one is the batch's
        total = out.detach().float().reshape(())
        self._eval["loss"].append(total if kwargs.get("reduction") == "sum" else total * bs)
        # several loss functions on one forward (a multi-task head: cross-entropy and MSE) add up, as the
        # training loss their sum is; the samples count once
        fwd, fns = self._eval["fwd_fns"]
        if fwd == self._top_forwards and fname not in fns:
            self._eval["fwd_fns"] = (fwd, (*fns, fname))
        else:
            self._eval["fwd_fns"] = (self._top_forwards, (fname,))
            self._eval["n"] += bs
        if correct is not None:
            self._eval["correct"].append(correct)
            self._eval["acc_n"] += count  # elements: a multi-label target has several per sample
            if preds is not None and rows.dim() == 2 and rows.shape[1] <= 1000:
                c = rows.shape[1]
                t, pr = labels.reshape(-1).long(), preds.reshape(-1)
                if isinstance(ignore, int):  # the rows the loss ignores (-100 by default) are in no class
                    keep = t != ignore
                    t, pr = t[keep], pr[keep]
                conf = torch.bincount(t * c + pr, minlength=c * c)[: c * c]
                self._eval["conf"] = conf if self._eval["conf"] is None else self._eval["conf"] + conf
                self._eval["classes"] = c

    def _mixed_check(self, fname: str, inp: torch.Tensor, target: torch.Tensor) -> None:
        """The same training output given to a class-index loss twice in a step with other labels: mixup or
        cutmix (``lam * ce(out, y) + (1 - lam) * ce(out, y[perm])``). The output's accuracy and its confident
        disagreements with the first label set mean nothing there: 26% of a healthy mixup run's training rows
        read as label errors."""
        step = self._forward_step()
        last = self._last_class_loss
        self._last_class_loss = (weakref.ref(inp), weakref.ref(target), step)
        if self._mixed_targets or last is None or last[2] != step or last[0]() is not inp:
            return
        other = last[1]()
        if other is None or other is target or other.shape != target.shape or bool(torch.equal(other, target)):
            return
        self._mixed_targets = True
        cause_signals.forget_predictions(self)
        self.writer.put_json({"kind": "mixed_targets", "function": fname, "step": step})

    def _open_eval(self, loader: _Loader | None, fname: str | None = None, role: str | None = None,
                   target: torch.Tensor | None = None) -> None:
        # an evaluation over the training loader measures the training data: train_eval/*, kept apart from the
        # validation series (alternating with it, it made eval/loss jump between 0.065 and 0.0009)
        role = role or (loader.role if loader is not None and loader.role in ("eval", "test") else
                        "train_eval" if loader is not None and loader.role == "train" else "eval")
        set_role = loader is not None and loader.role is None
        if set_role:
            self._set_role(loader, "eval")
        if self._eval is not None and self._eval["role"] != role:
            self._close_eval()
        key = None
        if loader is None and target is not None:
            # whole tensors: the same labels scored again by another forward start the next evaluation. With no
            # training step between them (a batch generator exhausted by its first epoch), 15 evaluations were
            # pooled into one of 9000 rows
            key = (target.data_ptr(), tuple(target.shape))
            if self._eval is not None and self._eval["seen"].get(key, self._top_forwards) != self._top_forwards:
                self._close_eval()
        if self._eval is None:
            self._eval = {"role": role, "step": self._forward_step(), "loss": [], "n": 0, "correct": [],
                          "conf": None, "classes": None, "function": fname, "fwd_correct": [], "fwd_n": 0,
                          "acc_n": 0, "fwd_bad": [], "fwd_fns": (None, ()),
                          "loader": loader.idx if loader is not None else None, "batch": self._batch_seq,
                          "set_role": set_role, "modes": self._modes_event("eval"),  # written with the pass
                          "seen": {}, "model": self._root_name(self._last_root_id)}
        else:
            if fname and not self._eval["function"]:
                self._eval["function"] = fname
            if self._eval["batch"] != self._batch_seq:
                self._eval["batch"] = self._batch_seq
                self._eval["set_role"] = False
        if key is not None:
            self._eval["seen"][key] = self._top_forwards

    def _root_name(self, key: int | None) -> str | None:
        info = self._mods.get(key) if key is not None else None
        return info.name if info is not None else None

    def _drop_eval(self) -> None:
        """Forget the open evaluation pass: it was a helper model's forward on a training batch."""
        ev, self._eval = self._eval, None
        if ev["set_role"] and self._current_loader is not None and self._current_loader.role == "eval":
            self._current_loader.role = None  # the backward that follows names it the training loader

    def _close_eval(self) -> None:
        ev, self._eval = self._eval, None
        if ev is None or not (ev["n"] or ev["fwd_n"]):
            return
        self._write_modes(*ev["modes"])
        role, step, n = ev["role"], ev["step"], ev["n"]
        if n:
            self._scalar(step, f"{role}/loss", torch.stack(ev["loss"]).sum() / n)
        # by-hand accuracy from the batch's second element: not when that was not class ids (a batch of
        # (tokens, lengths, labels) gave lengths of 12-30 against 2 classes: 0% accuracy at every evaluation).
        # Class ids a few of which fall outside the outputs are labels numbered apart from training's (1..10
        # against outputs 0..9): an accuracy of 0 is what the script prints, and the confusion matrix shows the shift
        fwd_ok = bool(ev["fwd_n"]) and not (
            ev["fwd_bad"] and int(torch.stack(ev["fwd_bad"]).sum()) > self.LABELS_OUTSIDE_SHARE * ev["fwd_n"])
        if ev["correct"]:
            acc_n = ev["acc_n"]
            self._scalar(step, f"{role}/acc", _ratio(torch.stack(ev["correct"]).sum(), acc_n))
        elif fwd_ok:
            self._scalar(step, f"{role}/acc", torch.stack(ev["fwd_correct"]).sum().float() / ev["fwd_n"])
            n = ev["fwd_n"]
        elif not n:
            return
        conf = ev["conf"]
        if conf is None and ev.get("fwd_conf") is not None and not ev["n"] and fwd_ok:
            conf, ev["classes"] = ev["fwd_conf"], ev["fwd_classes"]
        self.writer.put_json({"kind": "eval", "role": role, "step": step, "n": n, "function": ev["function"],
                              "loader": ev["loader"], "classes": ev["classes"], "model": ev.get("model"),
                              "confusion": conf.reshape(ev["classes"], ev["classes"]).long().cpu().tolist()
                              if conf is not None else None})

    # ------------------------------------------------------------------ data
    def _wrap_loader_iter(self, orig: Callable) -> Callable:
        collector = self

        def __iter__(loader: Any) -> Any:
            it = orig(loader)
            if not collector.enabled:
                return it
            info = collector._guarded("data", collector._on_loader_iter, loader)
            return _LoaderIter(it, collector, info) if info is not None else it

        return __iter__

    def _on_loader_iter(self, loader: Any) -> _Loader:
        info = self._loaders.get(id(loader))
        if info is None or info.ref() is not loader:
            name = datamod.caller_name_of(loader, depth=4)
            info = _Loader(len(self._loaders), name, datamod.role_from_name(name), weakref.ref(loader))
            self._loaders[id(loader)] = info
            self.writer.put_json({"kind": "dataloader", "loader": info.idx, "name": name, "role": info.role,
                                  "step": self._forward_step(), **datamod.describe_loader(loader)})
        info.epoch += 1
        self.writer.put_json({"kind": "epoch", "loader": info.idx, "epoch": info.epoch, "step": self._forward_step()})
        if self._eval is not None and info.role != "train":
            self._close_eval()
        return info

    def _on_loader_end(self, info: _Loader) -> None:
        """The loader is exhausted: its last batch was used, and what the script runs next (an evaluation on the
        validation tensors after the training epoch) is not on its batches."""
        if self._current_loader is info:
            self._current_loader = None
            self._last_y = None

    def _set_role(self, info: _Loader, role: str) -> None:
        info.role = role
        self.writer.put_json({"kind": "loader_role", "loader": info.idx, "role": role})

    #: loss calls on a loader's batches that may name its labels' place before the second element is assumed
    LABEL_TRIES = 5

    def _label_place(self, info: _Loader, batch: Any) -> int | None:
        """Where a batch's labels are: the second element of a pair; in a batch of three or more, the element a
        loss call took as its target on this loader (or another loader whose batches have as many elements: a
        validation loader scored by hand), else, once its first epoch is over or that many loss calls named none,
        the second. None while not known: ``(ids, offsets, y)`` read as labels from its offsets gave 912
        "classes" and three false errors (probe K f11), ``(ids, user, item, y)`` a false imbalance (K h07)."""
        if not isinstance(batch, (list, tuple)) or len(batch) < 3:
            return 1
        if info.label_index is not None:
            return info.label_index
        if info.tries < self.LABEL_TRIES:
            info.pending = [(b.data_ptr(), b.numel()) if torch.is_tensor(b) else None for b in batch]
        info.width = len(batch)
        for other in self._loaders.values():
            if other is not info and other.label_index is not None and other.width == len(batch):
                return other.label_index
        if info.epoch >= 1 or info.tries >= self.LABEL_TRIES:
            info.label_index = 1
            return 1
        return None

    def _learn_label_place(self, info: _Loader, target: torch.Tensor) -> None:
        """The batch element a loss call took as its target: that loader's labels."""
        pending, info.pending = info.pending, None
        info.tries += 1
        flat = target.detach().reshape(-1)
        for k, p in enumerate(pending):
            if p is None or p[1] != flat.numel():
                continue
            if p[0] == target.data_ptr():
                info.label_index = k
                self.writer.put_json({"kind": "loader_labels", "loader": info.idx, "index": k})
                return

    def _on_batch(self, info: _Loader, index: int, batch: Any) -> None:
        self._current_loader = info
        self._batch_seq += 1
        place = self._label_place(info, batch)
        self._last_y = None if place is None else _labels_of(batch, self._train_binary is not None, place)
        info.rows = _batch_rows(batch)
        self._input_probe = None  # a sampled batch the model never ran on does not stand for this one
        if not self._batch_due(index) or self._batch_budget_spent(info.sampled):
            return
        t0 = time.perf_counter()
        x, y = datamod.split_batch(batch)
        if isinstance(batch, (list, tuple)) and len(batch) >= 3:
            y = batch[place] if place is not None and torch.is_tensor(batch[place]) else None
        summary = datamod.batch_summary(x, y, examples=info.sampled < 2)
        counts = (summary.get("y") or {}).get("counts")
        if counts and info.role in (None, "train"):
            self._label_classes = max(self._label_classes or 0, max(int(k) for k in counts) + 1)
        self.writer.put_json({"kind": "batch", "loader": info.idx, "role": info.role, "epoch": info.epoch,
                              "index": index, "step": self._forward_step(), **summary})
        info.sampled += 1
        self._input_probe = (info, index, x) if torch.is_tensor(x) and x.is_floating_point() else None
        self._batch_cost += time.perf_counter() - t0

    def _batch_due(self, index: int) -> bool:
        """Whether the ``index``-th batch (from 0) is one to sample: the first ``batch_head``, then every
        ``batch_every``-th."""
        return index < self.options.batch_head or index % self.options.batch_every == 0

    def _batch_budget_spent(self, sampled: int) -> bool:
        """Past its first 20 samples, a source of batches is sampled while their summaries cost less than
        ``batch_budget`` of the run's time."""
        return sampled > 20 and self._batch_cost > self.options.batch_budget * (time.perf_counter() - self._t_start)

    def _free_due(self, role: str) -> bool:
        """Counts a forward of ``role`` on inputs of no loader; True where it is one to sample (the guard's
        thread switch is paid only then)."""
        if "data" in self._disabled:
            return False
        self._free_forwards[role] += 1
        return self._batch_due(self._free_forwards[role] - 1)

    def _sample_free_input(self, module: nn.Module, args: Any, role: str) -> None:
        """A model's input where no DataLoader gave it (hand-made batches: ``X[i:i + 32]``; an evaluation on the
        whole ``X_val``), sampled as the loaders' batches are (the first ``batch_head`` forwards of each role,
        then every ``batch_every``-th) and recorded as a batch of no loader with that role, so that the data
        checks compare training's inputs with evaluation's for such scripts too. Training's sampled model is the
        first one trained on such inputs; evaluation's is that one, or any trained model where training used a
        loader."""
        x = args[0] if isinstance(args, tuple) else args
        if not torch.is_tensor(x) or x.dim() < 1 or x.shape[0] < 2:
            return
        if role == "train":
            self._free_root = id(module)
        n = self._free_forwards[role]
        if self._batch_budget_spent(self._free_sampled):
            return
        t0 = time.perf_counter()
        summary = datamod.batch_summary(x, None, examples=self._free_sampled < 2)
        self.writer.put_json({"kind": "batch", "loader": None, "role": role, "epoch": None, "index": n - 1,
                              "step": self._forward_step(), **summary, **_rows_of_view(x)})
        self._free_sampled += 1
        self._batch_cost += time.perf_counter() - t0

    def _probe_model_input(self, args: Any) -> None:
        """What the model got of the sampled batch: the loader's tensor itself (``same``), or what the script
        made of it in the loop (augmentation noise, a normalisation, a cast), summarised like a batch. The
        checks compare these, not the loader's batches, where the script transforms them after loading."""
        info, index, bx = self._input_probe
        self._input_probe = None
        t = next((a for a in (args if isinstance(args, tuple) else (args,))
                  if torch.is_tensor(a) and a.is_floating_point()), None)
        if t is None:
            return
        t0 = time.perf_counter()
        same = t is bx or (t.shape == bx.shape and t.device == bx.device and t.dtype == bx.dtype
                           and t.data_ptr() == bx.data_ptr())
        ev = {"kind": "model_input", "loader": info.idx, "index": index, "step": self._forward_step(),
              "same": bool(same)}
        if not same:
            ev.update(datamod.batch_summary(t, None, examples=False))
        self.writer.put_json(ev)
        self._batch_cost += time.perf_counter() - t0

    # ------------------------------------------------------------------ histograms
    def _histograms(self, kind: str, idxs: list[int]) -> None:
        t0 = time.perf_counter()
        for i in idxs:
            p = self._params[i]
            t = p.detach() if kind == "weight" else p.grad
            if t is None or not t.is_floating_point() or t.is_sparse:
                continue
            edges, counts = histogram(t, self.options.histogram_bins)
            self._buf_hist.append((self.step, i, kind, edges, counts))
        self._hist_cost += time.perf_counter() - t0

    def _schedule_histograms(self, step_time: float) -> None:
        """After a step with histograms: the next one comes when their cost fits ``histogram_budget``."""
        if self.options.histogram_every:
            self._hist_next = self.step + self.options.histogram_every
            self._hist_due = False
            return
        every = math.ceil(self._hist_cost / (self.options.histogram_budget * step_time)) if step_time > 0 else 10
        self._hist_next = self.step + max(1, every)
        self._hist_due = False

    # ------------------------------------------------------------------ buffers
    def _scalar(self, step: int, tag: str, value: Any) -> None:
        self._buf_scalars.append((step, tag, value, time.time()))

    def _table(self, name: str, step: int, idxs: list[int], rows: torch.Tensor, seq: list[int] | None = None,
               sizes: list[tuple[int, int]] | None = None) -> None:
        if sizes is not None:  # raw activation reductions, finished at flush time
            self._act_sizes.extend(sizes)
        self._buf_tables.setdefault(name, []).append((step, list(idxs), rows, seq))

    def log(self, step: int | None = None, **scalars: Any) -> None:
        """Record user scalars (metrics) at ``step`` (default: the current training step)."""
        s = self._forward_step() if step is None else int(step)
        for k, v in scalars.items():
            if torch.is_tensor(v):
                v = v.detach().float().reshape(())
            self._scalar(s, k, v)

    def flush(self) -> None:
        """Hand everything buffered to the writer thread (no host sync here)."""
        with self._lock:
            self._last_flush = time.monotonic()
            self._steps_since_flush = 0
            if self._full_every != self._cadence_written:
                self._cadence_written = self._full_every  # the full statistics' interval, when it changes
                self.writer.put_json({"kind": "stats_cadence", "step": self.step, "every": self._full_every,
                                      "budget": self.options.stats_budget, "full_steps": self.options.full_steps})
            self._guarded("writer", self._flush_scalars)
            self._guarded("writer", self._flush_tables)
            self._guarded("writer", self._flush_hist)

    def _flush_scalars(self) -> None:
        buf, self._buf_scalars = self._buf_scalars, []
        if not buf:
            return
        tags: dict[str, int] = {}
        steps = np.array([b[0] for b in buf], np.int64)
        tag = np.array([tags.setdefault(b[1], len(tags)) for b in buf], np.int32)
        wall = np.array([b[3] for b in buf], np.float64)
        tensor_pos = [i for i, b in enumerate(buf) if torch.is_tensor(b[2])]
        acc_pos = [i for i, b in enumerate(buf) if isinstance(b[2], _Accuracy)]
        plain = np.array([float(b[2]) if not (torch.is_tensor(b[2]) or isinstance(b[2], _Accuracy)) else np.nan
                          for b in buf], np.float64)
        parts = [buf[i][2] for i in tensor_pos]
        accs = [buf[i][2] for i in acc_pos]

        def stack() -> tuple[list[torch.Tensor]]:
            dev = parts[0].device
            return ([torch.stack([t.to(dev).reshape(()).float() for t in parts])],)

        def finish(done: tuple[list[torch.Tensor]] | None) -> np.ndarray:
            out = plain.copy()
            if done is not None:
                out[tensor_pos] = done[0][0].cpu().double().numpy()
            if accs:
                out[acc_pos] = _Accuracy.values(accs)
            return out

        if parts:
            values = _table_values(parts, stack, finish)
        else:
            values = functools.partial(finish, None) if accs else plain
        self.writer.put_block("scalars", {"step": steps, "tag": tag, "value": values, "wall": wall},
                              {"tags": list(tags)})

    def _flush_tables(self) -> None:
        tables, self._buf_tables = self._buf_tables, {}
        sizes, self._act_sizes = self._act_sizes, []
        for name, items in tables.items():
            steps = np.concatenate([np.full(len(ix), st, np.int64) for st, ix, _, _ in items])
            key = np.concatenate([np.asarray(ix, np.int32) for _, ix, _, _ in items])
            seq = np.concatenate([np.asarray(sq if sq is not None else range(len(ix)), np.int32)
                                  for _, ix, _, sq in items])
            parts = [it[2] for it in items]
            if name == "activation":
                keys, fields = list(self._act_keys), ACTIVATION_FIELDS
                values = _table_values(parts, functools.partial(_activation_rows, parts, sizes), _host_rows)
            else:
                keys, fields = list(self._param_names), (UPDATE_FIELDS if name == "update" else TENSOR_FIELDS)
                values = _table_values(parts, functools.partial(_cat_by_kind, parts),
                                       functools.partial(_param_rows, name, [it[1] for it in items],
                                                         self._numels()))
            self.writer.put_block(name, {"step": steps, "key": key, "seq": seq, "values": values},
                                  {"keys": keys, "fields": list(fields)})

    def _numels(self) -> np.ndarray:
        """Each parameter's element count, read at each flush (a replaced parameter may change size)."""
        return np.array([float(p.numel()) for p in self._params])

    def _flush_hist(self) -> None:
        buf, self._buf_hist = self._buf_hist, []
        if not buf:
            return
        kinds = ["weight", "grad"]
        steps = np.array([b[0] for b in buf], np.int64)
        key = np.array([b[1] for b in buf], np.int32)
        kind = np.array([kinds.index(b[2]) for b in buf], np.int8)
        e_dev = [b[3] for b in buf]
        c_dev = [b[4] for b in buf]
        ready = device_ready(e_dev + c_dev)

        def host(ts: list[torch.Tensor]) -> np.ndarray:
            ready()
            return torch.stack([t.float().cpu() for t in ts]).numpy()

        self.writer.put_block("hist", {"step": steps, "key": key, "kind": kind,
                                       "edges": functools.partial(host, e_dev),
                                       "counts": functools.partial(host, c_dev)},
                              {"keys": list(self._param_names), "kinds": kinds})

    # ------------------------------------------------------------------ close
    def close(self, status: str = "finished", exit_code: int | None = 0, error: str | None = None) -> None:
        """Finish the run: close the open step and evaluation, write the end record, flush to disk."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        self.uninstall()
        self._guarded("steps", self._finish)
        opgraph.on_close(self)
        self._guarded("snapshot", snapshots.on_close, self)
        if self.plugins:  # step plugins
            self._plugins_call("on_close")
        self.enabled = False
        try:
            self.flush()
            self.writer.put_json({"kind": "end", "status": status, "exit_code": exit_code, "time": time.time(),
                                  "steps": self.step, "error": error, "dropped": self.writer.dropped,
                                  "disabled": sorted(self._disabled)})
        finally:
            self.writer.close()

    def _finish(self) -> None:
        self._guarded("causes", cause_signals.flush_predictions, self)  # -- cause signals
        for i, (first, n) in self._no_grad_steps.items():
            self.writer.put_json({"kind": "opt_no_grad", "optimizer": i, "first_step": first, "steps": n,
                                  "at_step": self.step})
        if self._eval is not None:
            self._close_eval()
        if self._step_open:
            self._end_step()
            if self._params and self.options.updates and self._prev_weights is not None:
                self._begin_step_updates_only()

    def _begin_step_updates_only(self) -> None:
        weights, self.options.weights = self.options.weights, False
        try:
            self._weights_and_updates()
        finally:
            self.options.weights = weights


# ---------------------------------------------------------------------- helpers
def _table_values(parts: list[torch.Tensor], assemble: Callable[[], Any],
                  finish: Callable[[Any], np.ndarray]) -> Callable[[], np.ndarray]:
    """A buffered table's ``values`` column for the writer thread: ``assemble()`` joins the buffered rows
    with torch ops (its result's tensors listed first), ``finish`` brings them to the host as one array.

    When every part is on the CPU, both run on the writer thread, off the training loop (assembled on the
    training thread, each flush cost it about 3 ms, 0.7% of the MLP benchmark's step). On an accelerator
    the joins are queued now, on the training's stream, and the writer waits for them (``device_ready``)."""
    if all(p.device.type == "cpu" for p in parts):
        return lambda: finish(assemble())
    done = assemble()
    ready = device_ready(done[0])

    def values() -> np.ndarray:
        ready()
        return finish(done)

    return values


def _activation_rows(parts: list[torch.Tensor], sizes: list[tuple[int, int]]) -> tuple[list[torch.Tensor]]:
    """``ACTIVATION_FIELDS`` rows from the buffered raw reductions (full rows, or sums between full steps)."""
    if len({p.device for p in parts}) > 1:
        parts = [p.cpu() for p in parts]
    numel = torch.tensor([float(a) for a, _ in sizes])
    sample = torch.tensor([float(b) for _, b in sizes])
    light = [i for i, p in enumerate(parts) if p.dim() == 1]
    if light:  # the sums between full steps: one expansion per flush
        parts = list(parts)
        bounds = np.cumsum([0] + [len(p) for p in parts])
        rows_of = np.concatenate([np.arange(bounds[i], bounds[i + 1]) for i in light])
        scale = numel[rows_of] / sample[rows_of].clamp_min(1.0)
        expanded = sums_raw(torch.cat([parts[i] for i in light]), scale).split([len(parts[i]) for i in light])
        for i, e in zip(light, expanded):
            parts[i] = e
    return ([finish_activation_rows(torch.cat(parts), numel, sample)],)


def _host_rows(done: tuple[list[torch.Tensor]]) -> np.ndarray:
    return done[0][0].float().cpu().numpy()


def _cat_by_kind(parts: list[torch.Tensor]) -> tuple[list[torch.Tensor], list, list]:
    """One tensor per (device, row width) (full rows, per-step norms, (update, weight) norms): one
    device-to-host copy each. Returns ``(tensors, kinds, order)``, ``order`` giving each part's kind."""
    by_kind: dict[tuple[torch.device, int], list[torch.Tensor]] = {}
    order = []
    for rows in parts:
        k = (rows.device, rows.shape[1])
        order.append(k)
        by_kind.setdefault(k, []).append(rows)
    kinds = list(by_kind)
    return [torch.cat(by_kind[k]) for k in kinds], kinds, order


def _param_rows(name: str, idxs_of: list[list[int]], numel: np.ndarray, done: tuple) -> np.ndarray:
    """The host rows of a parameter table (weight, grad: ``TENSOR_FIELDS``; update: ``UPDATE_FIELDS``)."""
    tensors, kinds, order = done
    host = {k: t.float().cpu().numpy() for k, t in zip(kinds, tensors)}
    offsets = {k: 0 for k in host}
    out = []
    for k, idxs in zip(order, idxs_of):
        n = len(idxs)
        part = host[k][offsets[k]:offsets[k] + n]
        offsets[k] += n
        if name == "update":
            with np.errstate(divide="ignore", invalid="ignore"):
                part = np.stack([part[:, 0], part[:, 0] / np.maximum(part[:, 1], 1e-12)], 1)
        elif part.shape[1] == 1:
            part = expand_norm_rows(part[:, 0], numel[idxs])
        out.append(part)
    return np.concatenate(out).astype(np.float32)


class _Predictions:
    """A training step's classification logits and labels, kept (not copied) until the flush counts the
    correct predictions of all its steps at once, on the writer thread: per step, the argmax, compare and sum
    on the training thread cost about 80 us of the MLP benchmark's 13 ms step (three kernels that the
    training itself does not run, so their code is cold each time). Only on the CPU, and only for logits of
    up to ``MAX`` elements (the buffer holds at most ``max_steps_buffered`` steps). A script that writes
    into the logits or the labels in place before the flush (its version counters moved) gets no accuracy
    for that step rather than a wrong one."""

    MAX = 1 << 14
    device = torch.device("cpu")
    __slots__ = ("logits", "target", "versions", "ignore")

    def __init__(self, logits: torch.Tensor, target: torch.Tensor, ignore: int | None = None) -> None:
        self.logits, self.target, self.ignore = logits, target, ignore
        self.versions = (logits._version, target._version)

    @classmethod
    def of(cls, fname: str, inp: torch.Tensor, target: torch.Tensor, ignore: Any = -100) -> "_Predictions | None":
        """``ignore``: the label whose rows the loss leaves out (counted neither right nor at all)."""
        if _class_logits(fname, inp, target) and inp.device.type == "cpu" and target.device.type == "cpu" \
                and inp.numel() <= cls.MAX:
            try:
                return cls(inp.detach(), target, ignore if isinstance(ignore, int) else None)
            except RuntimeError:  # inference tensors keep no version counter
                return None
        return None

    def intact(self) -> bool:
        return (self.logits._version, self.target._version) == self.versions


class _Accuracy:
    """A step's training accuracy, counted at flush (``values``) from its parts: correct counts (tensors) or
    ``_Predictions``."""

    __slots__ = ("parts",)

    def __init__(self, parts: list[tuple[Any, int]]) -> None:
        self.parts = parts  # the step's own list: _end_step starts a new one after it

    @staticmethod
    def values(accs: list["_Accuracy"]) -> np.ndarray:
        """The accuracies of these steps: the kept predictions of all of them compared in one pass per
        class count."""
        preds = [p for a in accs for p, _ in a.parts if isinstance(p, _Predictions)]
        correct: dict[int, float] = {}
        counted: dict[int, float] = {}  # rows counted, where the loss ignores some
        by_classes: dict[int, list[_Predictions]] = {}
        for p in preds:
            by_classes.setdefault(p.logits.shape[1], []).append(p)
        with torch.no_grad():
            for group in by_classes.values():
                ok = [p for p in group if p.intact()]
                if not ok:
                    continue
                target = torch.cat([p.target for p in ok])
                hits = torch.cat([p.logits for p in ok]).argmax(1) == target
                bounds = np.cumsum([0] + [len(p.target) for p in ok])
                keep = None
                if any(p.ignore is not None for p in ok):
                    mask = torch.cat([p.target != p.ignore if p.ignore is not None
                                      else torch.ones_like(p.target, dtype=torch.bool) for p in ok])
                    hits &= mask
                    keep = mask.numpy()
                    kept = np.concatenate([[0], np.cumsum(keep)])
                running = np.concatenate([[0], np.cumsum(hits.numpy())])
                counts = running[bounds[1:]] - running[bounds[:-1]]
                for j, (p, c) in enumerate(zip(ok, counts)):
                    if p.intact():  # unchanged while it was read
                        correct[id(p)] = float(c)
                        if keep is not None:
                            counted[id(p)] = float(kept[bounds[j + 1]] - kept[bounds[j]])
        out = np.full(len(accs), np.nan)
        for k, a in enumerate(accs):
            total, n = 0.0, 0.0
            for p, m in a.parts:
                c = correct.get(id(p), math.nan) if isinstance(p, _Predictions) else float(p)
                total += c
                n += counted.get(id(p), m) if isinstance(p, _Predictions) else float(m)
            if n > 0 and math.isfinite(total):
                out[k] = total / n
        return out


def _ratio(correct: torch.Tensor, n: Any) -> Any:
    """An accuracy from its parts, NaN where nothing was counted (only soft targets: no accuracy, not 0)."""
    if torch.is_tensor(n):
        return torch.where(n > 0, correct.float() / n.clamp(min=1), torch.full_like(correct, math.nan, dtype=torch.float))
    return correct.float() / n if n > 0 else math.nan


def _batch_rows(batch: Any) -> tuple[int, ...]:
    """The sizes a loss on this batch can have as its target's first dimension: each top-level tensor's first
    dimension, and an integer tensor's element count (token ids flattened for a language model's loss)."""
    items = batch.values() if isinstance(batch, dict) else batch if isinstance(batch, (list, tuple)) else (batch,)
    out = []
    for t in items:
        if torch.is_tensor(t) and t.dim():
            out.append(int(t.shape[0]))
            if not t.is_floating_point() and t.dim() > 1:
                out.append(int(t.numel()))
    return tuple(out)


def _labels_of(batch: Any, binary: bool = False, place: int = 1) -> torch.Tensor | None:
    """A batch's class ids (its element ``place``); for a ``binary`` classifier its float 0/1 labels too,
    ``(n,)`` or ``(n, 1)``."""
    if isinstance(batch, (list, tuple)) and len(batch) > place:
        y = batch[place]
    elif isinstance(batch, dict):
        y = next((batch[k] for k in ("label", "labels", "y", "target", "targets") if k in batch), None)
    else:
        return None
    if torch.is_tensor(y) and y.dim() == 1 and not y.is_floating_point() and y.dtype != torch.bool:
        return y
    if binary and torch.is_tensor(y) and y.is_floating_point() and y.dim() in (1, 2) and y.shape[1:] in ((), (1,)):
        return y
    return None


def _has_params(m: nn.Module) -> bool:
    return next(m.parameters(), None) is not None


#: Elements per parameter whose step-to-step change is measured: a larger tensor's update norm is taken on a
#: fixed sample (``stats.change_sample``: UPDATE_CHUNKS contiguous runs of 16) and scaled by
#: sqrt(numel / sample), which keeps the copy of the previous weights (memory and a pass per step) small for
#: large models. On an SGD-trained MLP with MNIST-like inputs (a dead border, sparse pixels) the sampled
#: update norm is off by 1.4% (median; 6% at most) against 8.5% (17%) with the former 65,536 elements in 256
#: runs, whose runs all began at the same few columns, at half the passes (tests/collect/test_tiers.py).
UPDATE_SAMPLE = 1 << 14
#: Optimizer steps whose backward passes are counted (gradient accumulation: ``Collector._count_backwards``).
ACCUMULATION_STEPS = 8
#: Training calls of attention whose key padding mask is summarised (``Collector._on_attention``).
ATTENTION_MASK_CALLS = 4
#: Training calls of attention read for masks at all: the first steps' (a 6-layer encoder's first 10); after them the
#: wrapper costs one call and no guard.
ATTENTION_CALLS_READ = 64
UPDATE_CHUNKS = 1021


#: Elements of a module output summed between full steps (its first whole samples beyond this). Below
#: PyTorch's grain size (32,768: a reduction of exactly that many elements already opens a parallel region)
#: a CPU reduction runs on the calling thread.
SUM_SAMPLE = (1 << 15) - 1


def _on_accelerator(args: Any) -> bool:
    """Whether a top-level tensor argument lives off the CPU."""
    for a in args if isinstance(args, (tuple, list)) else (args,):
        if torch.is_tensor(a):
            return a.device.type != "cpu"
    return False


def _update_view(t: torch.Tensor) -> torch.Tensor:
    return change_sample(t, UPDATE_SAMPLE, UPDATE_CHUNKS)


def _by_device(idxs: list[int], params: list[torch.Tensor]) -> dict[torch.device, list[int]]:
    out: dict[torch.device, list[int]] = {}
    for i in idxs:
        out.setdefault(params[i].device, []).append(i)
    return out


#: Modules whose output is finite whenever their input is: elementwise maps bounded by their input's
#: magnitude or by a constant, max pooling, reshaping. Exact classes only (a subclass may override forward).
_KEEPS_FINITE = frozenset({nn.ReLU, nn.ReLU6, nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardsigmoid, nn.Softsign,
                           nn.GELU, nn.SiLU, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AdaptiveMaxPool1d,
                           nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d, nn.Flatten, nn.Unflatten, nn.Identity})


def _keeps_finite(module: Any) -> bool:
    if type(module) in _KEEPS_FINITE:
        return True
    # a leaky ReLU scales negative inputs: finite if the slope does not grow them
    return type(module) is nn.LeakyReLU and abs(float(module.negative_slope)) <= 1.0


def _float_tensors(out: Any, found: list[torch.Tensor], depth: int = 0) -> None:
    """The float tensors of a model output (a tensor, a tuple, list or dict of them, an output object's logits),
    appended to ``found``."""
    if torch.is_tensor(out):
        if out.is_floating_point():
            found.append(out)
    elif depth < 3 and isinstance(out, (tuple, list)):
        for o in out:
            _float_tensors(o, found, depth + 1)
    elif depth < 3 and isinstance(out, dict):
        for o in out.values():
            _float_tensors(o, found, depth + 1)
    else:
        t = getattr(out, "logits", None)
        if torch.is_tensor(t) and t.is_floating_point():
            found.append(t)


def _first_float_tensor(out: Any) -> torch.Tensor | None:
    if torch.is_tensor(out):
        return out if out.is_floating_point() else None
    if isinstance(out, (tuple, list)):
        for o in out:
            t = _first_float_tensor(o)
            if t is not None:
                return t
    if isinstance(out, dict):
        for o in out.values():
            t = _first_float_tensor(o)
            if t is not None:
                return t
    for attr in ("logits", "last_hidden_state"):
        t = getattr(out, attr, None)
        if torch.is_tensor(t):
            return t
    return None


def _extra_repr(m: nn.Module) -> str:
    try:
        return m.extra_repr()[:200]
    except Exception:
        return ""


def _hparams(group: dict) -> dict[str, Any]:
    out = {}
    for k, v in group.items():
        if k == "params":
            continue
        if torch.is_tensor(v) and v.numel() == 1:
            v = float(v)
        if isinstance(v, (int, float, bool, str)) or v is None:
            out[k] = v
        elif isinstance(v, (tuple, list)) and all(isinstance(e, (int, float)) for e in v):
            out[k] = list(v)
    return out


_PLAIN = (int, float, bool, str, type(None))


def _same_plain(old: list, new: list) -> bool:
    """The same optimizer-group values, compared without converting them (``_hparams`` each step cost ~20 us
    in situ): equal plain values, or the same tuple of them. A tensor (an LR a scheduler may change in
    place) or anything else is never taken as unchanged."""
    if len(old) != len(new):
        return False
    for a, b in zip(old, new):
        plain = isinstance(b, _PLAIN) or isinstance(b, tuple) and all(isinstance(e, _PLAIN) for e in b)
        if type(a) is not type(b) or not plain or a != b:
            return False
    return True


def _loss_input_summary(t: torch.Tensor) -> dict[str, Any]:
    t = t.detach()
    out: dict[str, Any] = {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")}
    if t.numel() == 0:
        return out
    tf = t.float()
    fin = tf[torch.isfinite(tf)]
    if fin.numel():
        out.update(min=float(fin.min()), max=float(fin.max()), mean=float(fin.mean()), std=float(fin.std(correction=0)),
                   integer_frac=float((fin == fin.round()).float().mean()), zero_frac=float((fin == 0).float().mean()),
                   distinct=int(torch.unique(fin.reshape(-1)[:20000]).numel()))
    if t.is_floating_point() and t.dim() == 2 and t.shape[1] > 1:
        rs = tf.sum(1)
        out["rows_sum_to_one"] = float(((rs - 1).abs() < 1e-3).float().mean())
        out["rows_logsumexp_zero"] = float((torch.logsumexp(tf, 1).abs() < 1e-3).float().mean())
        if t.shape[0] > 1:  # a softmax over the batch (dim=0): the columns sum to one
            out["cols_sum_to_one"] = float(((tf.sum(0) - 1).abs() < 1e-3).float().mean())
    if t.is_floating_point() and t.dim() >= 2 and t.shape[0] > 1:
        # every sample's output the same: nothing of the input reaches it (an inverted mask pools the padding only)
        out["rows_identical"] = bool((tf - tf[:1]).abs().max() == 0)
    return out


#: torch.nn.init's in-place initialisers
_INIT_FUNCTIONS = ("uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
                   "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
                   "sparse_")

#: class weights recorded as values up to this many classes (read on a loss's first calls only)
_MAX_WEIGHTS = 1000


def _loss_weights(fname: str, kwargs: dict) -> dict[str, list[float]]:
    """A classification loss's class weights (``weight=`` of cross_entropy and nll_loss; a binary loss's
    ``weight`` is per element) and BCE's ``pos_weight``, as lists, for comparing them with the class counts (a
    pos_weight of n_neg where n_neg / n_pos was meant; weights in another order than the classes)."""
    out = {}
    keys = [("pos_weight", "pos_weight")] + ([("weight", "class_weight")] if fname in ("cross_entropy", "nll_loss")
                                             else [])
    for key, name in keys:
        w = kwargs.get(key)
        if torch.is_tensor(w) and 0 < w.numel() <= _MAX_WEIGHTS and w.is_floating_point():
            out[name] = [float(v) for v in w.detach().reshape(-1).float().cpu().tolist()]
    return out


def _loss_floor(fname: str, inp: torch.Tensor, target: torch.Tensor, reduction: str,
                smoothing: float | None = None) -> dict[str, float]:
    """The lowest value a mean-reduced cross-entropy can reach on soft targets: their entropy (a binary
    cross-entropy on probabilities 0.3 bottoms out at 0.61, not 0). With label smoothing e over C classes a hard
    target is the distribution 1 - e + e/C on its class and e/C on each other (e = 0.9, C = 10: 2.27, against
    ln 10 = 2.30 for a constant answer). Empty for hard targets without smoothing, or other losses."""
    if reduction != "mean" or target.numel() == 0:
        return {}
    if smoothing and fname == "cross_entropy" and inp.dim() >= 2 and not target.is_floating_point() \
            and inp.shape[1] > 1:
        c = int(inp.shape[1])
        hi, lo = torch.tensor(1 - smoothing + smoothing / c), torch.tensor(smoothing / c)
        return {"floor": float(-(torch.special.xlogy(hi, hi) + (c - 1) * torch.special.xlogy(lo, lo)))}
    if not target.is_floating_point() or target.shape != inp.shape:
        return {}
    t = target.detach().float()
    if not bool(((t >= 0) & (t <= 1)).all()) or bool(((t == 0) | (t == 1)).all()):
        return {}
    if fname in ("binary_cross_entropy", "binary_cross_entropy_with_logits"):
        h = -(torch.special.xlogy(t, t) + torch.special.xlogy(1 - t, 1 - t))
        return {"floor": float(h.mean())}
    if fname == "cross_entropy" and t.dim() == 2:  # class probabilities as the target
        return {"floor": float(-torch.special.xlogy(t, t).sum(1).mean())}
    return {}


def _is_model_input(target: torch.Tensor, ref: Any) -> bool | None:
    """Whether a loss's targets are the model's own input, value for value: class ids (a language model given
    ``seq[:, :-1]`` as both input and target, the shift forgotten) or floats (a denoiser trained against its noisy
    input). None where they cannot be compared (another size, kind or device). Read on a loss's first calls."""
    x = ref() if ref is not None else None
    if x is None or not torch.is_tensor(x) or x.is_floating_point() != target.is_floating_point() \
            or x.numel() != target.numel() or x.numel() < 2 or x.device != target.device or x.dtype == torch.bool:
        return None
    return bool(torch.equal(x.reshape(-1), target.reshape(-1).to(x.dtype)))


def _target_alignment(target: torch.Tensor, ref: Any) -> dict[str, float] | None:
    """For a token-level classification (integer model input ``(N, L)``, integer targets of ``N * L``, another id
    space than the input's): how well one input token decides the target at its own position, and at the next
    one's: the share of positions whose target is the most common one for that token (``{"0": .., "1": ..}``). A
    tagger's targets follow their own token; targets shifted by one (``tags[:, 1:]`` against ``seqs[:, :-1]``, a
    language model's shift copied into a tagger) follow the next token, which a left-to-right model has not read."""
    x = ref() if ref is not None else None
    if x is None or not torch.is_tensor(x) or x.dim() != 2 or x.shape[1] < 4 or x.is_floating_point() \
            or x.dtype == torch.bool or target.is_floating_point() or target.numel() != x.numel() \
            or target.device != x.device:
        return None
    t = target.reshape(x.shape).long()
    if torch.equal(t, x.long()):
        return None  # the input itself (target_is_input's)
    if int(t.max()) >= int(x.max()) or int(t.min()) < 0:
        return None  # the same id space as the input: a language model's next token, not a tag
    out = {}
    for k in (0, 1):
        xs, ts = x[:, k:].reshape(-1).long(), t[:, :t.shape[1] - k].reshape(-1)
        keep = ts >= 0
        xs, ts = xs[keep], ts[keep]
        if not xs.numel():
            return None
        n_t = int(ts.max()) + 1
        counts = torch.bincount(xs * n_t + ts, minlength=(int(xs.max()) + 1) * n_t).reshape(-1, n_t)
        out[str(k)] = round(float(counts.max(1).values.sum()) / xs.numel(), 4)
    return out


def _flattened_from(inp: torch.Tensor, target: torch.Tensor) -> list[int] | None:
    """The shape of the tensor that a class-index loss's 2-D input (or 1-D target) is a flattened view of: a
    sequence model's ``logits.reshape(-1, vocab)`` against ``labels.reshape(-1)`` (one label per token, not
    per sample). None when neither is such a view."""
    if inp.dim() == 2 and inp._base is not None and inp._base.dim() >= 3 and inp._base.shape[-1] == inp.shape[1]:
        return list(inp._base.shape)
    return _target_flattened_from(target)


def _target_flattened_from(target: torch.Tensor) -> list[int] | None:
    """The shape of the tensor a 1-D target is a flattened view of (``tags.reshape(-1)``), else None."""
    if target.dim() == 1 and target._base is not None and target._base.dim() >= 2 \
            and target._base.numel() == target.numel():
        return list(target._base.shape)
    return None


def _torch_base(cls: type) -> str | None:
    """The nearest ``torch.nn`` layer class a user's module class derives from (``class QLinear(nn.Linear)`` ->
    ``Linear``), for the checks that know layers by their class; None for torch's own classes and for plain
    ``nn.Module`` subclasses."""
    if cls.__module__.startswith("torch."):
        return None
    return next((c.__name__ for c in cls.__mro__[1:] if c.__module__.startswith("torch.nn.modules.")
                 and c.__name__ != "Module"), None)


#: the binary cross-entropies, whose one score per row thresholds to a class
_BINARY_LOSSES = ("binary_cross_entropy_with_logits", "binary_cross_entropy")


def _class_rows(fname: str, inp: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A class-index loss's K-dimensional form, ``(N, C, d1, ...)`` scores against ``(N, d1, ...)`` labels (a
    tagger's ``logits.permute(0, 2, 1)``, a segmentation map), as the ``(N * d1 * ..., C)`` rows and labels its
    accuracy and predictions are counted on, as for the flattened form; other calls as they are."""
    if fname in ("cross_entropy", "nll_loss") and inp.dim() >= 3 and target.dim() == inp.dim() - 1 \
            and not target.is_floating_point() and not target.is_complex() and inp.shape[0] == target.shape[0] \
            and inp.shape[2:] == target.shape[1:]:
        return inp.detach().movedim(1, -1).reshape(-1, inp.shape[1]), target.reshape(-1)
    return inp, target


def _class_logits(fname: str, inp: torch.Tensor, target: torch.Tensor) -> bool:
    """A class-index loss over logits (or log-probabilities) ``[batch, classes]``: its accuracy is an argmax."""
    return fname in ("cross_entropy", "nll_loss") and inp.dim() == 2 and target.dim() == 1 \
        and not target.is_floating_point() and not target.is_complex() and inp.shape[0] == target.shape[0]


def _classification(fname: str, inp: torch.Tensor, target: torch.Tensor, ignore_index: Any = -100):
    """``(correct, count, preds)`` of a loss call's predictions. A class-index loss leaves out the rows whose label
    it ignores (``ignore_index``: a language model's padding), from the count too; the count is then a tensor
    (not read here: on an accelerator that would wait for the device)."""
    if _class_logits(fname, inp, target):
        preds = inp.detach().argmax(1)
        if isinstance(ignore_index, int):
            keep = target != ignore_index
            return ((preds == target) & keep).sum(), keep.sum(), preds
        return (preds == target).sum(), int(target.shape[0]), preds
    if fname in ("binary_cross_entropy_with_logits", "binary_cross_entropy") and inp.shape == target.shape \
            and inp.dim() <= 2:
        thresh = 0.0 if fname.endswith("logits") else 0.5
        preds = (inp.detach() > thresh).float()
        # only 0/1 targets have a right answer: soft targets (label smoothing, probabilities, a VAE's
        # pixel intensities) matched by no thresholded prediction read as an accuracy near 0. A target with any
        # soft value is not a classification: nothing counted (a tensor, so no wait for the device)
        binary = ((target == 0) | (target == 1)).all()
        return (preds == target).sum() * binary, binary * target.numel(), None
    return None, 0, None


#: positions of F.multi_head_attention_forward's arguments read by the attention checks
_MHA_ARG_AT = {"key_padding_mask": 14, "attn_mask": 16, "is_causal": 24}


def _mha_arg(args: tuple, kwargs: dict, name: str) -> Any:
    """An argument of a ``F.multi_head_attention_forward`` call, given by keyword or by position; None if absent."""
    i = _MHA_ARG_AT[name]
    return kwargs.get(name, args[i] if len(args) > i else None)


def _keys_sample(state: dict, own: dict) -> list[str]:
    """Three of a loaded state's keys, those that name one of the module's own under another prefix first
    (``module.0.weight`` for ``0.weight``): what a load that matched nothing shows."""
    first = next(iter(own), None)
    keys = [str(k) for k in state]
    renamed = [k for k in keys if first is not None and k.endswith("." + str(first))]
    return (renamed + [k for k in keys if k not in renamed])[:3]


def _rows_of_view(x: torch.Tensor) -> dict[str, Any]:
    """Where a batch sliced from a larger tensor (``X[i:i + 32]``) sits in it: its first row and the rows of the
    storage it views (metadata only, no copy, no device sync), to tell batches that tile the data from windows that
    slide over a few rows of it. Empty for a batch that owns its storage (``X[idx]``, a DataLoader's collate)."""
    try:
        row = x[0].numel()
        # rows sliced along the first axis of a contiguous tensor only: data[:, i:i + 40] (time chunks of parallel
        # streams, truncated BPTT) moves along another axis (probe R h04 was a false alarm)
        if not x.is_contiguous() or (x.dim() > 1 and x.stride(0) != row):
            return {}
        storage = x.untyped_storage()
        rows = storage.nbytes() // max(1, row * x.element_size())
        if not row or x.storage_offset() % row or rows <= x.shape[0]:
            return {}
        return {"view_rows": {"storage": storage.data_ptr(), "start": x.storage_offset() // row,
                              "rows": int(rows)}}
    except (RuntimeError, NotImplementedError):  # a tensor with no storage (a subclass, a fake)
        return {}
