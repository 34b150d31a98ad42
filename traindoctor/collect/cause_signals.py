"""Collector-side signals that only the cause checks read.

Kept apart from :mod:`.torch` so that the collector's hot path stays as it is: the
collector calls these functions from a few delimited places, each guarded like the
rest of its hooks.

* ``train_predictions``: softmax outputs and labels of the most recent training
  rows of a classification loss, for confident learning (``data.label_errors``);
* ``nonfinite_ops``: at the first non-finite training loss (CPU tensors only: the
  test costs a host sync), the autograd graph is walked back from the loss to the
  operations whose saved inputs explain it (log of zero, division by zero, sqrt of
  a negative, exp overflow) for ``api.constraint_violation``;
* ``opt_probe``: for optimizers written by the user (their class lives outside
  ``torch.optim``), the first steps' update is compared with the gradient it was
  given (``graph.optimizer``).
"""
from __future__ import annotations

import math
from typing import Any

import torch

#: Training rows of predictions kept (the most recent ones).
PREDICTION_ROWS = 4096
#: Classes above which predictions are not kept (a language model's vocabulary is not a label set).
PREDICTION_MAX_CLASSES = 100
#: Optimizer steps probed per user-written optimizer.
OPT_PROBE_STEPS = 5
#: Autograd nodes visited at most when looking for the op behind a non-finite loss.
GRAPH_NODES = 20000


class CauseSignals:
    def __init__(self) -> None:
        self.probs: list[tuple[torch.Tensor, bool]] = []  # (logits or log-probabilities, is_log)
        self.labels: list[torch.Tensor] = []
        self.rows = 0
        self.nonfinite_done = False
        self.opt_before: dict[int, tuple] = {}
        self.opt_probed: dict[int, int] = {}


def state(collector: Any) -> CauseSignals:
    st = collector.__dict__.get("_cause_signals")
    if st is None:
        st = collector.__dict__["_cause_signals"] = CauseSignals()
    return st


# ---------------------------------------------------------------------- predictions
def on_train_loss(collector: Any, fname: str, inp: torch.Tensor, target: torch.Tensor,
                  ignore_index: Any = -100) -> None:
    """Keeps the most recent training logits and labels (references: the softmax is taken at flush, and the rows
    whose label the loss ignores, padding of a token-level loss, are dropped there)."""
    if fname not in ("cross_entropy", "nll_loss") or inp.dim() != 2 or target.dim() != 1 \
            or target.is_floating_point() or inp.shape[0] != target.shape[0] \
            or inp.shape[1] > PREDICTION_MAX_CLASSES:
        return
    st = state(collector)
    st.probs.append((inp.detach(), fname == "nll_loss", ignore_index if isinstance(ignore_index, int) else -100))
    st.labels.append(target.detach())
    st.rows += inp.shape[0]
    while st.probs and st.rows - st.probs[0][0].shape[0] >= PREDICTION_ROWS:
        st.rows -= st.probs.pop(0)[0].shape[0]
        st.labels.pop(0)


def forget_predictions(collector: Any) -> None:
    """Drops the kept predictions (their labels were one of two a mixed input had)."""
    st = state(collector)
    st.probs, st.labels, st.rows = [], [], 0


def flush_predictions(collector: Any) -> None:
    st = state(collector)
    if not st.probs:
        return
    classes = {p.shape[1] for p, _, _ in st.probs}
    if len(classes) != 1:
        return
    probs = torch.cat([(x.float().exp() if log else torch.softmax(x.float(), 1)).cpu() for x, log, _ in st.probs])
    labels = torch.cat([y.cpu() for y in st.labels]).long()
    ignored = torch.cat([torch.full((y.shape[0],), k) for (_, _, k), y in zip(st.probs, st.labels)])
    keep = labels != ignored
    if not bool(keep.all()):
        probs, labels = probs[keep], labels[keep]
        if not len(labels):
            st.probs, st.labels, st.rows = [], [], 0
            return
    collector.writer.put_json({"kind": "train_predictions", "step": collector.step, "classes": classes.pop(),
                               "labels": labels.tolist(),
                               "probs": [[round(v, 4) for v in row] for row in probs.tolist()]})
    st.probs, st.labels, st.rows = [], [], 0


# ---------------------------------------------------------------------- non-finite origin op
_OPS = {
    "LogBackward0": ("log", "self"), "Log2Backward0": ("log2", "self"), "Log10Backward0": ("log10", "self"),
    "Log1PBackward0": ("log1p", "self"), "DivBackward0": ("div", "other"), "DivBackward1": ("div", "other"),
    "ReciprocalBackward0": ("reciprocal", "result"), "SqrtBackward0": ("sqrt", "result"),
    "RsqrtBackward0": ("rsqrt", "result"), "PowBackward0": ("pow", "self"), "PowBackward1": ("pow", "self"),
    "ExpBackward0": ("exp", "result"), "AcosBackward0": ("acos", "self"), "AsinBackward0": ("asin", "self"),
}


def on_loss(collector: Any, loss: torch.Tensor) -> None:
    st = state(collector)
    if st.nonfinite_done or loss.device.type != "cpu" or math.isfinite(loss.item()):  # the caller tracks one-element losses
        return
    st.nonfinite_done = True
    ops = []
    seen: set[int] = set()
    stack = [(loss.grad_fn, 0)]
    while stack and len(seen) < GRAPH_NODES:
        fn, depth = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        name = type(fn).__name__
        if name in _OPS:
            found = _inspect_op(fn, *_OPS[name])
            if found is not None:
                found["depth"] = depth
                ops.append(found)
        stack.extend((n, depth + 1) for n, _ in fn.next_functions)
    ops.sort(key=lambda o: -o["depth"])  # deepest first: the earliest op in forward order
    collector.writer.put_json({"kind": "nonfinite_ops", "step": collector.step, "loss": _num(loss),
                               "ops": ops[:8]})


def _inspect_op(fn: Any, op: str, saved: str) -> dict[str, Any] | None:
    t = getattr(fn, f"_saved_{saved}", None)
    if not torch.is_tensor(t):
        return None
    t = t.detach().float()
    info: dict[str, Any] = {"op": op, "tensor": saved, "numel": t.numel(),
                            "zeros": int((t == 0).sum()), "negatives": int((t < 0).sum()),
                            "nonfinite": int((~torch.isfinite(t)).sum())}
    fin = t[torch.isfinite(t)]
    if fin.numel():
        info.update(min=float(fin.min()), max=float(fin.max()))
    if op in ("log", "log2", "log10"):
        bad = info["zeros"] + info["negatives"]
        info["issue"] = "log of zero" if info["zeros"] else "log of a negative number"
    elif op == "log1p":
        bad = int((t <= -1).sum())
        info["issue"] = "log1p of a value <= -1"
    elif op == "div":
        bad = info["zeros"]
        info["issue"] = "division by zero"
    elif op in ("sqrt", "rsqrt", "reciprocal"):
        bad = info["nonfinite"]
        info["issue"] = f"{op} of zero or a negative number"
    elif op == "pow":
        exponent = getattr(fn, "_saved_exponent", None)
        exponent = float(exponent) if isinstance(exponent, (int, float)) else None
        if exponent is None or exponent == int(exponent) and exponent >= 0:
            return None
        bad = (info["negatives"] if exponent != int(exponent) else 0) + (info["zeros"] if exponent < 0 else 0)
        info["issue"] = f"power {exponent:g} of zero or a negative number"
    elif op == "exp":
        bad = info["nonfinite"]
        info["issue"] = "exp overflow"
    else:
        bad = int((t.abs() > 1).sum())
        info["issue"] = f"{op} outside [-1, 1]"
    if not bad:
        return None
    info["bad"] = bad
    return info


def _num(t: torch.Tensor) -> Any:
    v = float(t.detach().float().reshape(-1)[0])
    return v if v == v and abs(v) != float("inf") else str(v)


# ---------------------------------------------------------------------- user-written optimizers
def is_user_optimizer(opt: Any) -> bool:
    return not type(opt).__module__.startswith("torch.")


def before_opt_step(collector: Any, opt: Any, index: int) -> None:
    st = state(collector)
    if not is_user_optimizer(opt) or st.opt_probed.get(index, 0) >= OPT_PROBE_STEPS:
        return
    params, grads, lrs = [], [], []
    for g in opt.param_groups:
        for p in g["params"]:
            if p.grad is not None and p.is_floating_point():
                params.append(p)
                grads.append(p.grad.detach().clone())
                lrs.append(float(g.get("lr", float("nan"))))
    if params:
        st.opt_before[index] = ([p.detach().clone() for p in params], grads, lrs, params)


def after_opt_step(collector: Any, opt: Any, index: int) -> None:
    st = state(collector)
    before = st.opt_before.pop(index, None)
    if before is None:
        return
    st.opt_probed[index] = st.opt_probed.get(index, 0) + 1
    old, grads, lrs, params = before
    dot = up2 = g2 = 0.0
    lr_g2 = 0.0
    for w0, g, lr, p in zip(old, grads, lrs, params):
        d = (p.detach().float() - w0.float()).reshape(-1)
        gf = g.float().reshape(-1)
        dot += float(d @ -gf)
        up2 += float(d @ d)
        g2 += float(gf @ gf)
        lr_g2 += (lr * lr) * float(gf @ gf) if lr == lr else 0.0
    cos = dot / max((up2 * g2) ** 0.5, 1e-30)
    collector.writer.put_json({"kind": "opt_probe", "optimizer": index, "class": type(opt).__name__,
                               "step": collector.step, "cos": cos, "update_norm": up2 ** 0.5,
                               "grad_norm": g2 ** 0.5, "lr_grad_norm": lr_g2 ** 0.5})


# ---------------------------------------------------------------------- spawned workers (torch.distributed)
def install_spawn(collector: Any) -> None:
    """Wrap ``torch.multiprocessing.spawn``'s workers so that each records ``rank{R}-spawn{pid}.tdr``.

    Spawned interpreters start without the launcher's hooks; the wrapper installs a
    collector in each worker before calling the user's function (rank = process
    index, the convention of ``mp.spawn``) and closes it when the function returns.
    """
    import functools
    import sys

    module = sys.modules.get("torch.multiprocessing.spawn")
    if module is None or not hasattr(module, "start_processes"):
        return
    collector._patch(module, "start_processes",
                     lambda orig: functools.partial(_start_processes, orig, collector.run_dir, collector.options))


def _start_processes(orig: Any, run_dir: str, options: Any, fn: Any, args: tuple = (), nprocs: int = 1,
                     join: bool = True, daemon: bool = False, start_method: str = "spawn") -> Any:
    return orig(_recorded_worker, (fn, run_dir, options, tuple(args)), nprocs, join, daemon, start_method)


def _recorded_worker(index: int, fn: Any, run_dir: str, options: Any, args: tuple) -> None:
    import os

    from .torch import Collector

    os.environ.setdefault("RANK", str(index))
    collector = None
    try:
        collector = Collector(run_dir, options=options, meta={"spawned": True, "process_index": index},
                              stream=f"rank{os.environ['RANK']}-spawn{os.getpid()}")
        collector.install()
    except Exception:  # recording must never stop the worker
        collector = None
    status, code = "finished", 0
    try:
        fn(index, *args)
    except BaseException:
        status, code = "crashed", 1
        raise
    finally:
        if collector is not None:
            collector.close(status=status, exit_code=code)
