"""``traindoctor.preflight``: the static checks, before training, on a short recorded probe.

The probe runs a few training steps on a *copy* of the model (with a copy of the
optimizer over the copied parameters), then a couple of evaluation batches, all
recorded by the ordinary collector into a run directory; the checks that judge the
setup rather than the course of training (graph, initialisation, data, API use,
initialisation scale, batch size) then read that run. The user's model, optimizer
and random state are left as they were.
"""
from __future__ import annotations

import copy
import os
import time
from typing import Any, Callable

import torch

from .checks import ids
from .checks.base import Finding, Outcome
from .checks.diagnose import rank, run_checks
from .collect.data import split_batch
from .collect.torch import CollectOptions, Collector
from .report.model import Report

#: The checklist items a short probe can judge: everything about the setup, nothing about the course of training.
STATIC_IDS = (
    "graph.frozen_weights", "graph.weight_sharing", "graph.node_connection", "graph.node_mode",
    "graph.loss_function", "graph.wrong_operator", "init.all_zero", "init.distributed_mismatch",
    "hparam.init_scale", "hparam.batch_size_too_large", "data.missing_values", "data.class_imbalance",
    "data.outliers", "data.not_normalized", "data.preprocess_mismatch", "data.not_shuffled",
    "data.too_few_samples", "api.constraint_violation",
)


def preflight(model: torch.nn.Module, train_loader: Any, loss_fn: Callable | None = None, optimizer: Any = None,
              val_loader: Any = None, lr_probe: bool = False, *, steps: int = 4, val_batches: int = 2,
              logdir: str = "tdruns", name: str | None = None) -> Report:
    """Check the setup before training and return the :class:`~traindoctor.report.Report`.

    ``steps`` training steps run on a deep copy of ``model``; ``optimizer`` (if given)
    is rebuilt over the copy with the same class and param groups. ``loss_fn``
    defaults to cross-entropy for integer targets and MSE otherwise. With ``lr_probe``
    a learning-rate range test (:func:`lr_range_test`, on another copy) judges the
    optimizer's learning rate against the range where the loss falls fastest.
    """
    name = name or f"preflight-{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir = os.path.join(logdir, name)
    rng = torch.get_rng_state()
    probe_model = copy.deepcopy(model)
    probe_opt = _copy_optimizer(optimizer, model, probe_model) if optimizer is not None else None
    collector = Collector(run_dir, name=name, options=CollectOptions(batch_head=max(steps, 6)),
                          meta={"api": "preflight"})
    collector.install()
    try:
        collector.watch_model(probe_model)
        if probe_opt is not None:
            collector.watch_optimizer(probe_opt)
        _train_probe(probe_model, train_loader, loss_fn, probe_opt, steps)
        if val_loader is not None:
            _eval_probe(probe_model, val_loader, loss_fn, val_batches)
    finally:
        collector.close()
        torch.set_rng_state(rng)
    from .record import open_run

    run = open_run(run_dir)
    findings, outcomes, _ = run_checks(run, only=STATIC_IDS)
    for cid in ids.ALL_IDS:
        if cid not in outcomes:
            outcomes[cid] = Outcome.not_checked("judged during training (traindoctor run), not by preflight")
    warnings = list(run.warnings)
    if lr_probe:
        probe = lr_range_test(model, train_loader, loss_fn, optimizer)
        if probe is not None:
            finding = _judge_lr(probe)
            if finding is not None:
                findings = rank(findings + [finding])
                outcomes[finding.id] = Outcome.found(finding)
            else:
                outcomes["hparam.lr_too_large"] = outcomes["hparam.lr_too_small"] = Outcome.passed(
                    f"lr {probe['lr']:.3g} inside the range test's useful range "
                    f"[{probe['suggested'] / 10:.3g}, {probe['diverged_at'] or probe['lr_max']:.3g}]")
    return Report(run, findings, outcomes, {}, warnings)


def lr_range_test(model: torch.nn.Module, train_loader: Any, loss_fn: Callable | None = None, optimizer: Any = None,
                  lr_min: float = 1e-6, lr_max: float = 10.0, steps: int = 40) -> dict[str, Any] | None:
    """A learning-rate range test (Smith, 2017) on a copy of ``model``: the learning rate grows geometrically
    from ``lr_min`` to ``lr_max`` over ``steps`` steps; the loss curve gives the steepest-descent learning rate
    (the suggestion) and the one where the loss diverges (4x its best, or non-finite)."""
    probe = copy.deepcopy(model)
    opt = _copy_optimizer(optimizer, model, probe) if optimizer is not None else torch.optim.SGD(
        probe.parameters(), lr=lr_min, momentum=0.9)
    if opt is None:
        return None
    user_lr = float(optimizer.param_groups[0]["lr"]) if optimizer is not None else None
    loss_fn = loss_fn or _default_loss
    rng = torch.get_rng_state()
    lrs, losses, smooth, best = [], [], None, float("inf")
    diverged = None
    probe.train()
    try:
        batches = iter(train_loader)
        for k in range(steps):
            lr = lr_min * (lr_max / lr_min) ** (k / max(steps - 1, 1))
            for g in opt.param_groups:
                g["lr"] = lr
            try:
                batch = next(batches)
            except StopIteration:
                batches = iter(train_loader)
                batch = next(batches)
            x, y = split_batch(batch)
            opt.zero_grad()
            loss = loss_fn(probe(x), y)
            loss.backward()
            opt.step()
            v = float(loss.detach())
            smooth = v if smooth is None else 0.7 * smooth + 0.3 * v
            lrs.append(lr)
            losses.append(smooth)
            best = min(best, smooth)
            if not torch.isfinite(loss) or smooth > 4 * best:
                diverged = lr
                break
    finally:
        torch.set_rng_state(rng)
    if len(losses) < 5:
        return None
    import numpy as np

    slope = np.gradient(np.asarray(losses), np.log(np.asarray(lrs)))
    suggested = float(lrs[int(np.argmin(slope))])
    return {"lr": user_lr, "suggested": suggested, "diverged_at": diverged, "lr_min": lr_min, "lr_max": lr_max,
            "lrs": lrs, "losses": losses}


def _judge_lr(probe: dict[str, Any]) -> Finding | None:
    lr, suggested, diverged = probe["lr"], probe["suggested"], probe["diverged_at"]
    if lr is None:
        return None
    evidence = {k: probe[k] for k in ("lr", "suggested", "diverged_at")}
    if diverged is not None and lr >= diverged / 2:
        return Finding("hparam.lr_too_large", f"lr {lr:.3g} is at or above where the range test diverged "
                                              f"({diverged:.3g})", severity="error", confidence=0.85,
                       location="optimizer lr", step=0, evidence=evidence,
                       advice=f"Use a learning rate around {suggested:.3g} (the range test's steepest descent).",
                       explains=["loss.oscillating", "loss.blowup", "loss.nan_inf", "weight.change_too_large"])
    if lr < suggested / 100:
        return Finding("hparam.lr_too_small", f"lr {lr:.3g} is two orders of magnitude below the range test's "
                                              f"steepest descent ({suggested:.3g})", severity="warning",
                       confidence=0.75, location="optimizer lr", step=0, evidence=evidence,
                       advice=f"Use a learning rate around {suggested:.3g}.",
                       explains=["loss.not_converging", "weight.change_too_small"])
    return None


def _copy_optimizer(optimizer: Any, model: torch.nn.Module, probe: torch.nn.Module) -> Any:
    mapping = {id(p): q for p, q in zip(model.parameters(), probe.parameters())}
    groups = []
    for g in optimizer.param_groups:
        params = [mapping[id(p)] for p in g["params"] if id(p) in mapping]
        if params:
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": params})
    if not groups:
        return None
    return type(optimizer)(groups, **{k: v for k, v in optimizer.defaults.items() if k in ("lr",)})


def _default_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if not y.is_floating_point() and out.dim() == 2:
        return torch.nn.functional.cross_entropy(out, y)
    return torch.nn.functional.mse_loss(out.reshape(y.shape) if out.numel() == y.numel() else out, y.float())


def _train_probe(model: torch.nn.Module, loader: Any, loss_fn: Callable | None, opt: Any, steps: int) -> None:
    model.train()
    loss_fn = loss_fn or _default_loss
    for i, batch in enumerate(loader):
        if i >= steps:
            break
        x, y = split_batch(batch)
        if opt is not None:
            opt.zero_grad()
        else:
            model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        if opt is not None:
            opt.step()


def _eval_probe(model: torch.nn.Module, loader: Any, loss_fn: Callable | None, batches: int) -> None:
    model.eval()
    loss_fn = loss_fn or _default_loss
    with torch.no_grad():
        for i, batch in enumerate(loader):
            if i >= batches:
                break
            x, y = split_batch(batch)
            loss_fn(model(x), y)


class _CallableModule(type(os)):
    """``traindoctor.preflight`` is both this module and the function: importing the submodule binds the name
    ``preflight`` on the package to the module, so the module calls the function."""

    def __call__(self, *args: Any, **kwargs: Any) -> Report:
        return preflight(*args, **kwargs)


import sys as _sys  # noqa: E402

_sys.modules[__name__].__class__ = _CallableModule
