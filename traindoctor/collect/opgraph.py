"""The op-level graph of one forward pass, recorded once per model.

At the first forward of a watched model in training mode, a ``TorchDispatchMode`` is
active for the length of that one call. It sees every ATen op the forward runs (below
autograd: ``aten.addmm``, not ``F.linear``) and records for each: its name, the module it
ran in (the innermost module on the collector's stack), the shapes and dtypes of its tensor
inputs and outputs, and where each input came from: an earlier op of the graph (by tensor
identity, held weakly), a named parameter or buffer, or the outside (the batch). Ops that
the collector's own hooks run during that forward (its activation statistics) are left out.

Why it cannot change the training: the mode runs each op exactly as the dispatcher would
have (``func(*args, **kwargs)``: the same kernels, the same random draws) and only reads
shapes, dtypes and identities; it works under ``no_grad`` and autocast alike (autocast's
casts show as ``aten._to_copy``); a failure in the recording stops the recording and is
reported once, the op's result is returned as usual, and the mode is popped when the
forward returns or raises. ``torch.compile`` is not disturbed: the mode declares
``ignore_compile_internals``, so compiled code compiles (and later runs) as it would without it,
and its fused kernels are not seen; a compiled model (``OptimizedModule``) is not traced at all.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable

import torch
from torch.utils._python_dispatch import TorchDispatchMode, _get_current_dispatch_mode
from torch.utils._pytree import tree_flatten
from torch.utils.weak import WeakIdKeyDictionary

if TYPE_CHECKING:
    from .torch import Collector

#: Ops recorded at most per model; past it the graph says it was truncated and how many ops ran.
MAX_OPS = 2000
#: Models (roots) traced at most per run.
MAX_ROOTS = 4

_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
#: traindoctor's code that runs tensor ops of its own inside a forward (statistics, watchpoints, snapshots).
_OWN_DIRS = tuple(_PKG_DIR + d + os.sep for d in ("collect", "debugger", "record"))
_SKIP, _OWN, _USER = 0, 1, 2


class OpGraphRecorder(TorchDispatchMode):
    """Records the ops of the forward it is active in. Construct, ``__enter__``, run, ``__exit__``, :meth:`graph`."""

    supports_higher_order_operators = True  # a mode that refused them would make such a forward raise

    @classmethod
    def ignore_compile_internals(cls) -> bool:
        # Without this Dynamo, finding a mode active, would run a compiled function eagerly, and mark its
        # code to be skipped for good: the training would lose its compilation.
        return True

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # The default wraps __torch_dispatch__ in torch._disable_dynamo, whose first call imports
        # torch._dynamo (a second). Where Dynamo is loaded, _DynamoSafeRecorder keeps that wrapping.
        return False

    def __init__(self, where: Callable[[], str | None], names: dict[int, str], passthrough: set,
                 max_ops: int = MAX_OPS, on_error: Callable[[BaseException], None] | None = None) -> None:
        super().__init__()
        self.where = where
        self.names = names
        self.passthrough = passthrough
        self.max_ops = max_ops
        self.on_error = on_error
        self.ops: list[dict[str, Any]] = []
        self.total = 0
        self.skipped = 0
        self.error: BaseException | None = None
        self._producer: WeakIdKeyDictionary | None = WeakIdKeyDictionary()
        #: tensors from outside the graph (the batch, a buffer, a tensor the script made) by their first use: two
        #: ops given the same one show the same ``input`` number (two embeddings looking up the same ids)
        self._inputs: WeakIdKeyDictionary = WeakIdKeyDictionary()
        self._n_inputs = 0
        self._kind: dict[Any, int] = {}

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        if self.error is None:
            try:
                self._record(func, args, kwargs or {}, out)
            except Exception as exc:  # the recording stops; the forward goes on with the op's own result
                self.error = exc
                self._producer = None
                if self.on_error is not None:
                    self.on_error(exc)
        return out

    def _record(self, func: Any, args: Any, kwargs: Any, out: Any) -> None:
        if self._from_traindoctor():
            self.skipped += 1
            return
        i = self.total
        self.total += 1
        if i >= self.max_ops:
            return
        producer = self._producer
        ins = []
        for t in tree_flatten((args, kwargs))[0]:
            if isinstance(t, torch.Tensor):
                d = _describe(t)
                src = producer.get(t)
                if src is not None:
                    d["from"] = list(src)
                else:
                    name = self.names.get(id(t))
                    if name is not None:
                        d["param"] = name
                    else:
                        k = self._inputs.get(t)
                        if k is None:
                            k = self._inputs[t] = self._n_inputs
                            self._n_inputs += 1
                        d["input"] = k
                        if t.requires_grad and t.is_leaf:  # a trainable tensor that is no parameter we know
                            d["leaf_grad"] = True
                ins.append(d)
        outs = []
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor):
                producer[t] = (i, len(outs))
                outs.append(_describe(t))
        name = getattr(func, "overloadpacket", None)
        op = f"{getattr(func, 'namespace', 'aten')}.{name.__name__}" if name is not None else str(func)
        rec = {"op": op, "overload": getattr(func, "_overloadname", None), "module": self.where(),
               "in": ins, "out": outs}
        scalars = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)][:4]
        if scalars:  # a functional dropout's keep probability (bernoulli_'s p), a scale, a dim
            rec["scalars"] = scalars
        words = {k: v for k, v in kwargs.items() if isinstance(v, str)}
        if words:  # a division's rounding_mode, an interpolation's mode
            rec["kwargs"] = words
        self.ops.append(rec)

    def _from_traindoctor(self) -> bool:
        """Whether the op was called by traindoctor's own code (a hook's statistics), not by the model.

        The first frame above the op that is neither PyTorch's nor one of traindoctor's pass-through
        wrappers of torch functions (``F.relu`` is wrapped to see functional activations) decides.
        """
        f = sys._getframe(1)
        kinds = self._kind
        while f is not None:
            code = f.f_code
            kind = kinds.get(code)
            if kind is None:
                kind = kinds[code] = self._classify(code)
            if kind == _OWN:
                return True
            if kind == _USER:
                return False
            f = f.f_back
        return False

    def _classify(self, code: Any) -> int:
        path = code.co_filename
        if code in self.passthrough or path == _THIS_FILE or path.startswith(_TORCH_DIR):
            return _SKIP
        return _OWN if path.startswith(_OWN_DIRS) else _USER

    def graph(self) -> dict[str, Any]:
        return {"ops": self.ops, "total_ops": self.total, "recorded_ops": len(self.ops),
                "truncated": self.total > self.max_ops, "max_ops": self.max_ops,
                "collector_ops_left_out": self.skipped}


class _DynamoSafeRecorder(OpGraphRecorder):
    """The recorder used when ``torch._dynamo`` is loaded (compiled code may run inside the forward):
    Dynamo never tries to compile the recorder's own frames."""

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return True

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        return OpGraphRecorder.__torch_dispatch__(self, func, types, args, kwargs)


_THIS_FILE = OpGraphRecorder._record.__code__.co_filename


def _describe(t: torch.Tensor) -> dict[str, Any]:
    try:
        shape: list[int] | None = [int(s) for s in t.shape]
    except Exception:  # nested or symbolic shapes
        shape = None
    return {"shape": shape, "dtype": str(t.dtype).replace("torch.", "")}


# ---------------------------------------------------------------------- hook-up with the collector
class _State:
    def __init__(self) -> None:
        self.traced: set[int] = set()
        self.active: OpGraphRecorder | None = None
        self.root: Any = None
        self.info: dict[str, Any] = {}


def _state(collector: "Collector") -> _State:
    st = collector.__dict__.get("_opgraph")
    if st is None:
        st = collector.__dict__["_opgraph"] = _State()
    return st


def on_root_enter(collector: "Collector", module: Any) -> None:
    """A top-level forward begins: trace it if it is the first training forward of a watched model."""
    st = _state(collector)
    if st.active is not None or id(module) in st.traced or len(st.traced) >= MAX_ROOTS or not module.training:
        return
    if not any(module is r for r in collector._roots) or type(module).__name__ == "OptimizedModule":
        return
    if torch.compiler.is_compiling():
        return
    st.traced.add(id(module))
    info = collector._mods[id(module)]
    names: dict[int, str] = {}
    prefix = ""  # the collector names parameters of a second model of the same class "Class.<path>"
    for pname, p in module.named_parameters(remove_duplicate=False):
        j = collector._param_index.get(id(p))
        if j is not None:
            names[id(p)] = collector._param_names[j]
            if collector._param_names[j].endswith(pname):
                prefix = collector._param_names[j][:-len(pname)]
    for bname, b in module.named_buffers(remove_duplicate=False):
        names.setdefault(id(b), prefix + bname)
    for pid, j in collector._param_index.items():  # tensors of an optimizer that are no module's ("opt0.param4")
        names.setdefault(pid, collector._param_names[j])
    for i, opt in enumerate(collector._optimizers):  # ... and of one that has not stepped yet
        for g in getattr(opt, "param_groups", []):
            for p in g.get("params", []):
                names.setdefault(id(p), f"opt{i}")
    passthrough = {getattr(getattr(owner, attr), "__code__", None) for owner, attr, _ in collector._patches}
    passthrough.discard(None)
    stack, mods = collector._stack, collector._mods

    def where() -> str | None:
        for m in reversed(stack):
            mi = mods.get(id(m))
            if mi is not None:
                return mi.name
        return None

    cls = _DynamoSafeRecorder if "torch._dynamo" in sys.modules else OpGraphRecorder
    rec = cls(where, names, passthrough, max_ops=MAX_OPS,
                          on_error=lambda exc: collector._report_failure("opgraph", exc))
    compiled = [collector._mods[id(m)].name if id(m) in collector._mods else type(m).__name__
                for m in module.modules() if type(m).__name__ == "OptimizedModule"]
    st.info = {"root": info.name, "class": info.cls, "step": collector._forward_step(),
               "grad_enabled": torch.is_grad_enabled(), "autocast": _autocast_on(),
               **({"compiled_modules": compiled} if compiled else {})}
    st.root = module
    rec.__enter__()  # last: whatever failed above left no mode behind
    st.active = rec


def on_root_exit(collector: "Collector", module: Any) -> None:
    """A top-level forward returned (or raised): pop the mode and write the graph. Never raises."""
    st = collector.__dict__.get("_opgraph")
    if st is None or st.active is None or st.root is not module:
        return
    try:
        _finish(collector, st)
    except Exception as exc:
        collector._report_failure("opgraph", exc)


def on_close(collector: "Collector") -> None:
    """The run ends inside a traced forward (a signal): pop the mode. Never raises."""
    st = collector.__dict__.get("_opgraph")
    if st is not None and st.active is not None:
        try:
            _finish(collector, st)
        except Exception as exc:
            collector._report_failure("opgraph", exc)


def _finish(collector: "Collector", st: _State) -> None:
    rec = st.active
    if _get_current_dispatch_mode() is not rec:
        # Someone else's mode was pushed inside the forward and is still on top: ours cannot be popped
        # from under it. Stop recording (the mode passes ops through) and try again at the next exit.
        if rec.error is None:
            rec.error = RuntimeError("another dispatch mode is still active at the end of the forward")
            collector._report_failure("opgraph", rec.error)
        return
    st.active, st.root = None, None
    rec.__exit__(None, None, None)
    if rec.error is None:
        collector.writer.put_json({"kind": "opgraph", **st.info, **rec.graph()})


def _autocast_on() -> bool:
    try:
        return any(torch.is_autocast_enabled(d) for d in ("cpu", "cuda"))
    except Exception:
        return False
