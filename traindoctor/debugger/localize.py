"""The first bad tensor at op level: re-execute one module under a ``TorchDispatchMode``.

Tracing every op of every step would cost what ``detect_anomaly`` costs; instead the
engine re-executes only the module whose output went non-finite, once, with the
inputs of that call, and names the first ATen op whose output holds NaN/Inf, with
the statistics of its inputs, the submodule it ran in, and the user's source line.
The module's buffers (BatchNorm running statistics) are restored afterwards, and the
re-execution runs without autograd and with the collector's hooks off, so the
training is not changed. Random ops (dropout) draw new random numbers: a fault that
depends on one particular mask may not reproduce, which the report then says.
"""
from __future__ import annotations

import linecache
import os
import sys
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from ..collect.stats import input_stats

_OWN_DIRS = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.path.dirname(torch.__file__))


class _FirstNonFinite(TorchDispatchMode):
    def __init__(self, module_stack: list[str]) -> None:
        super().__init__()
        self.module_stack = module_stack
        self.found: dict[str, Any] | None = None
        self.inherited: dict[str, Any] | None = None
        self.ops = 0

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        out = func(*args, **(kwargs or {}))
        self.ops += 1
        if self.found is None:
            outs = [t for t in tree_flatten(out)[0] if torch.is_tensor(t) and t.is_floating_point()]
            if any(not bool(torch.isfinite(t).all()) for t in outs):
                ins = [t for t in tree_flatten((args, kwargs or {}))[0] if torch.is_tensor(t)]
                if any(t.is_floating_point() and not bool(torch.isfinite(t).all()) for t in ins):
                    # Non-finite values came in (a NaN weight, a NaN input): this op only passed them on.
                    if self.inherited is None:
                        self.inherited = {"op": str(func), "module": self.module_stack[-1] if self.module_stack
                                          else None, "inputs": [input_stats(t) for t in ins[:6]]}
                    return out
                self.found = {
                    "op": str(func), "op_name": func.overloadpacket.__name__, "op_index": self.ops - 1,
                    "module": self.module_stack[-1] if self.module_stack else None,
                    "inputs": [input_stats(t) for t in ins[:6]],
                    "output": input_stats(outs[0]),
                    "source": _user_source(),
                }
        return out


def _user_source() -> str | None:
    f = sys._getframe(2)
    while f is not None:
        path = os.path.abspath(f.f_code.co_filename)
        if not path.startswith(_OWN_DIRS) and "<frozen" not in path:
            line = linecache.getline(path, f.f_lineno).strip()
            return f"{path}:{f.f_lineno}: {line}"
        f = f.f_back
    return None


def first_nonfinite_op(module: Any, args: tuple, node: str, collector: Any = None) -> dict[str, Any]:
    """Re-execute ``module(*args)`` and name the first op whose output is not finite.

    Returns ``{"found": True, "op": ..., "op_name": ..., "module": ..., "inputs": [...], ...}`` or
    ``{"found": False, "reason": ...}``. Never raises.
    """
    if not isinstance(module, nn.Module):
        return {"found": False, "reason": "not an nn.Module"}
    names = {id(m): (f"{node}.{n}" if n else node) for n, m in module.named_modules()}
    stack: list[str] = []
    saved = [(b, b.detach().clone()) for b in module.buffers()]
    handles = []
    from torch.nn.modules import module as modmod

    def pre(m: nn.Module, a: Any) -> None:
        if id(m) in names:
            stack.append(names[id(m)])

    def post(m: nn.Module, a: Any, o: Any) -> None:
        if id(m) in names and stack:
            stack.pop()

    was_enabled = getattr(collector, "enabled", None)
    mode = _FirstNonFinite(stack)
    try:
        if collector is not None:
            collector.enabled = False
        handles.append(modmod.register_module_forward_pre_hook(pre))
        handles.append(modmod.register_module_forward_hook(post))
        detached = tuple(a.detach() if torch.is_tensor(a) else a for a in args)
        with torch.no_grad(), mode:
            module(*detached)
    except Exception as exc:
        if mode.found is None:
            return {"found": False, "reason": f"re-execution failed: {type(exc).__name__}: {exc}"}
    finally:
        for h in handles:
            h.remove()
        if collector is not None and was_enabled is not None:
            collector.enabled = was_enabled
        with torch.no_grad():  # through .data: no version bump (the training's backward may need a buffer)
            for b, copy in saved:
                b.data.copy_(copy)
    if mode.found is None and mode.inherited is not None:
        return {"found": False, "ops": mode.ops, "reason": "non-finite values entered from outside the module "
                f"(first seen as an input of {mode.inherited['op']})", "inherited": mode.inherited}
    if mode.found is None:
        return {"found": False, "ops": mode.ops,
                "reason": "the re-execution stayed finite (random ops or in-place changes of the inputs)"}
    return {"found": True, "phase": "forward", "node": node, "ops": mode.ops, **mode.found}


def first_nonfinite_gradient(loss: torch.Tensor, inputs: list[torch.Tensor]) -> dict[str, Any]:
    """Probe the backward of ``loss`` (graph kept for the real backward) and name the first autograd node
    whose produced gradient is not finite while the gradient it received was, with the forward op it
    belongs to. Costs one extra backward; no ``.grad`` is touched. Never raises."""
    nodes: list[Any] = []
    seen: set[int] = set()
    stack = [loss.grad_fn]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        nodes.append(fn)
        stack.extend(n for n, _ in fn.next_functions)
    found: dict[str, Any] = {}
    order = [0]

    def finite(ts: Any) -> bool:
        return all(bool(torch.isfinite(t).all()) for t in ts if torch.is_tensor(t) and t.is_floating_point())

    def hook(fn: Any):
        def post(grad_inputs: Any, grad_outputs: Any) -> None:
            order[0] += 1
            if not found and finite(grad_outputs) and not finite(grad_inputs):
                bad = next(t for t in grad_inputs if torch.is_tensor(t) and not bool(torch.isfinite(t).all()))
                name = type(fn).__name__
                found.update(backward_function=name, op_name=_forward_op(name), node_index=order[0] - 1,
                             grad_in=[input_stats(t) for t in grad_outputs if torch.is_tensor(t)][:4],
                             grad_out=input_stats(bad))
        return post

    handles = []
    try:
        for fn in nodes:
            handles.append(fn.register_hook(hook(fn)))
        leaves = [t for t in inputs if t.requires_grad]
        torch.autograd.grad(loss, leaves, retain_graph=True, allow_unused=True)
    except Exception as exc:
        if not found:
            return {"found": False, "reason": f"backward probe failed: {type(exc).__name__}: {exc}"}
    finally:
        for h in handles:
            h.remove()
    if not found:
        return {"found": False, "phase": "backward", "reason": "the probed backward stayed finite"}
    return {"found": True, "phase": "backward", **found}


def _forward_op(backward_name: str) -> str:
    """``SqrtBackward0`` -> ``sqrt``; ``AddmmBackward0`` -> ``addmm``."""
    base = backward_name.split("Backward")[0]
    return base[:1].lower() + base[1:] if base else backward_name
