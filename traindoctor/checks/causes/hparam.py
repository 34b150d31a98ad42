"""Hyperparameter causes: learning rate, loss scale, epochs, batch size (init scale lives in :mod:`.init`).

These checks run after the other causes (``__init__`` imports this module last),
so that a learning rate in the usual range does not take the blame for instability
that a data or initialisation fault already explains.
"""
from __future__ import annotations

import numpy as np

from ..base import Check, Context, Finding, Outcome, register
from ..signals import ADAPTIVE_OPTIMIZERS, finite, head_tail, last_phase_loss, last_tenth_mean, targets_met, \
    train_loss_scale
from . import _signals as sig

#: Learning rates above which an optimizer family is unusually aggressive, and below which it barely moves.
#: Adam-like optimizers normalise the step, so their lr is the per-element step size; SGD's lr multiplies the
#: gradient. The bounds sit beyond the ranges that tutorials and papers use (Adam 1e-4..3e-3, SGD 1e-3..0.5).
LR_HIGH = {"adaptive": 0.02, "sgd": 1.0}
LR_LOW = {"adaptive": 1e-5, "sgd": 1e-4}
_ADAPTIVE = ADAPTIVE_OPTIMIZERS

#: Causes other than the learning rate that make a loss unstable; when one is found, an lr in its usual range
#: is not blamed.
_INSTABILITY_CAUSES = ("data.not_normalized", "data.outliers", "data.missing_values", "hparam.init_scale",
                       "graph.optimizer", "api.constraint_violation", "hparam.loss_scale", "graph.loss_function")
#: Causes other than the learning rate that make training slow or flat.
_SLOW_CAUSES = ("graph.frozen_weights", "graph.node_connection", "init.all_zero", "hparam.init_scale",
                "graph.loss_function", "graph.node_mode", "graph.wrong_operator", "data.label_errors",
                "hparam.batch_size_too_large", "graph.optimizer")


#: symptoms that mean the gradients themselves are unhealthy (so small steps are not the learning rate's fault)
_UNHEALTHY_GRADIENTS = ("grad.vanishing", "activation.saturated", "activation.dead_relu")


def _effective_lr(lr: dict) -> float:
    """SGD with momentum m takes steps of lr / (1 - m) once the velocity builds up."""
    m = lr.get("momentum")
    if lr.get("family") == "sgd" and isinstance(m, (int, float)) and 0 < m < 1:
        return lr["lr"] / (1 - m)
    return lr["lr"]


#: an Adam-family eps above this dwarfs sqrt(v) for gradients of usual size (its default is 1e-8)
EPS_HIGH = 1e-3
#: SGD momentum at or above this multiplies the step by 1 / (1 - m) = 100 or more
MOMENTUM_HIGH = 0.99


def odd_optimizer_settings(ctx: Context, small_steps: bool) -> list[tuple[str, str]]:
    """Settings, other than the learning rate, that change the step size by orders of magnitude: an Adam eps of
    1 turns the adaptive step into SGD's on raw gradients, a momentum of 0.99 multiplies SGD's step by 100, a
    loss summed over the batch multiplies the gradient by the batch size; weights kept in a 16-bit float round
    small steps away. Said first in the learning-rate findings' advice, since lowering or raising lr only fights
    them (the last for steps too small only: ``small_steps``)."""
    out = []
    for ev in sig.events(ctx, "optimizer"):
        cls = ev.get("class", "")
        g = (ev.get("groups") or [{}])[0]
        eps, m, lr = g.get("eps"), g.get("momentum"), g.get("lr")
        if cls in _ADAPTIVE and isinstance(eps, (int, float)) and eps >= EPS_HIGH:
            short = f"eps={eps:g} in {cls}"
            out.append((short, f"{short} (usual 1e-8): each step is about lr * grad / eps, so gradients of 1e-2 take "
                               f"steps 100x smaller than Adam's; set eps back to 1e-8"))
        swapped = sig.swapped_betas(cls, g)
        if swapped is not None:
            short = f"betas=({swapped[0]:g}, {swapped[1]:g}) in {cls}"
            out.append((short, f"{short}: beta1 above beta2, swapped; use ({swapped[1]:g}, {swapped[0]:g})"))
        if cls == "SGD" and isinstance(m, (int, float)) and MOMENTUM_HIGH <= m < 1 and isinstance(lr, (int, float)):
            short = f"momentum={m:g} in SGD"
            out.append((short, f"{short}: the steps build up to lr / (1 - momentum) = {lr / (1 - m):.3g}, "
                               f"{1 / (1 - m):.0f}x the learning rate; use 0.9"))
    # weights kept in a 16-bit float by the optimizer itself (model.to(torch.bfloat16), no fp32 master copy): a
    # step below half a unit of the weight's last place rounds away (probe L f02: SGD at 1e-3 on bf16 weights,
    # 0.74 against 0.91 in float32)
    half = sorted({p.get("dtype") for m in ctx.modules() for p in m.get("params", [])
                   if p.get("requires_grad", True) and p.get("dtype") in ("bfloat16", "float16")}) \
        if small_steps else []
    if half and sig.events(ctx, "optimizer"):
        bits = {"bfloat16": 8, "float16": 11}[half[0]]
        short = f"weights in {half[0]}"
        out.append((short, f"{short}: a step smaller than 1/{2 ** bits} of a weight rounds away in "
                           f"{half[0]}, so small learning rates do nothing; keep the weights in float32 and run "
                           f"the forward under torch.autocast(dtype=torch.{half[0]})"))
    # gradients of k backward passes summed into each step, the loss not divided by k (probe M f03: 8 micro-batches
    # at an lr tuned for their mean, every ReLU dead by step 22): the loss graph's top op is the loss function's own
    acc = _first_accumulation(ctx)
    if acc is not None and not small_steps and sig.loss_scaled(ctx) is False:
        k = int(np.median(acc["backwards_per_step"]))
        if k >= 2:
            short = f"gradients of {k} backward passes summed per step"
            out.append((short, f"{short} (accumulation) with the loss not divided by {k}: the steps are {k}x an "
                               f"average's; use (loss / {k}).backward(), or divide the learning rate by {k}"))
    summed = next((e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train" and e.get("reduction") == "sum"
                   and len(e.get("target", {}).get("shape") or []) >= 1 and e["target"]["shape"][0] > 1), None)
    if summed is not None:
        n = summed["target"]["shape"][0]
        short = f"{summed['function']}(reduction='sum')"
        out.append((short, f"{short} adds up the batch's {n} losses, so its gradients are {n}x the mean's; use "
                           f"reduction='mean', or divide the learning rate by the batch size"))
    return out


def _lr_text(lr: dict | None, odd: list[tuple[str, str]]) -> str:
    """The learning rate as the findings name it, with the settings that scale its steps."""
    text = f"lr={sig.fmt_num(lr['lr'])} ({lr['optimizer']})" if lr else "the learning rate"
    return text + " with " + " and ".join(short for short, _ in odd) if odd else text


def _lead_with_settings(odd: list[tuple[str, str]], advice: str) -> str:
    if not odd:
        return advice
    return ("First check the settings that scale the steps: " + "; ".join(long for _, long in odd) + ". Then: "
            + advice[0].lower() + advice[1:])


def _lr_info(ctx: Context) -> dict | None:
    evs = sig.events(ctx, "optimizer")
    if not evs:
        # an imported log (TensorBoard hparams, MindSpore lineage) names the optimizer in its hparams
        hp = next((e for e in sig.events(ctx, "hparams") if e.get("optimizer_class")), None)
        if hp is None:
            return None
        evs = [{"class": hp["optimizer_class"], "groups": [{"lr": hp.get("lr"), "momentum": hp.get("momentum")}]}]
    ev = evs[0]
    lrs = [g.get("lr") for g in ev.get("groups", []) if isinstance(g.get("lr"), (int, float))]
    tag = "opt0/group0/lr"
    s = ctx.run.scalar(tag)
    if len(s):
        lrs = [float(s.value[0])] + lrs
    if not lrs:
        return None
    family = "adaptive" if ev["class"] in _ADAPTIVE else ("sgd" if ev["class"] in ("SGD", "ASGD") else None)
    return {"optimizer": ev["class"], "lr": float(lrs[0]), "family": family, "momentum":
            ev.get("groups", [{}])[0].get("momentum")}


def _instability(ctx: Context) -> dict | None:
    """How the training loss misbehaves: non-finite, blown up, or swinging without settling. Judged on the last
    training phase's losses (another optimizer took over): a pretraining's reconstruction MSE of 0.04 followed by a
    classifier's cross-entropy at 2.3 was a loss "30x its start" (probe M h01, a healthy two-stage script)."""
    bad = sig.first_nonfinite_loss_step(ctx)
    fin, _ = last_phase_loss(ctx, 4)
    step, v = fin.step, fin.value
    out: dict = {}
    if bad is not None:
        out["nonfinite_step"] = bad
    if len(v) >= 4:
        start = float(v[0])  # the loss at initialisation; an early spike must not raise the reference
        out["start"] = start
        out["max_over_start"] = float(v.max() / max(abs(start), 1e-12))
        tail = v[len(v) // 2:]
        out["end"] = float(np.median(tail[-max(2, len(tail) // 5):]))
        if len(tail) >= 6:
            d = np.diff(tail)
            flips = float(np.mean(np.sign(d[1:]) != np.sign(d[:-1])))
            rel_amp = float(np.median(np.abs(d)) / max(np.median(np.abs(tail)), 1e-12))
            out.update(sign_flip_rate=flips, rel_step_amplitude=rel_amp)
    # the symptom checks (run before the causes) are the authority on an unstable loss
    shown = sorted({f.id for f in ctx.findings if f.id in ("loss.oscillating", "loss.blowup", "loss.nan_inf")
                    and f.severity in ("warning", "error")})
    if shown:
        out["symptoms"] = shown
    collapsed = _collapse(ctx, v)
    if collapsed is not None:
        out["collapsed_to"], out["collapsed_by"] = collapsed
    # a spike past 3x the start counts unless the loss then fell to a fifth of its start: a schedule (warm-up-free
    # SGD at 0.05 with momentum, then cosine and SWA) that jumped to 6x at its first steps and ended at 0.4% of
    # its start, at 0.987 validation accuracy, took a large step once, not a learning rate too large to train with
    spiked = out.get("max_over_start", 0) > 3 and out.get("end", np.inf) > SPIKE_RECOVERED * out.get("start", 0)
    unstable = bool(shown) or "nonfinite_step" in out or spiked or \
        (out.get("end", 0) > 0.9 * out.get("start", np.inf)) and out.get("rel_step_amplitude", 0) > 0.3 or \
        collapsed is not None
    return out if unstable else None


#: a loss that spiked and then ended below this share of its start recovered (``_instability``)
SPIKE_RECOVERED = 0.2

#: a collapse: the loss jumps to this multiple of its start within the first tenth of the steps ...
COLLAPSE_SPIKE = 1.5
#: ... and then ends within this share of a constant prediction's cross-entropy
COLLAPSE_TOL = 0.03


def _collapse(ctx: Context, v: np.ndarray) -> tuple[float, str] | None:
    """A classifier knocked flat by its first steps: the loss spikes early, then stays at what predicting the
    class frequencies costs (ln 2 = 0.693 for two balanced classes) for the rest of the run. The loss is stable,
    and dead: a transformer under Adam at lr 1e-2 went 0.71 → 1.68 at its second step, then 0.693 for 560
    steps. Returns that constant prediction's loss, and how it got there: ``spike``, or ``dead_relu`` (no spike,
    its ReLUs killed after training began)."""
    if len(v) < 20:
        return None
    refs = sig.constant_prediction_losses(ctx)
    head = v[1: max(3, len(v) // 10)]
    end = float(np.median(v[-max(5, len(v) // 5):]))
    if not refs or not len(head):
        return None
    # or with no spike, its ReLUs killed once training began (probe M f03: SGD at lr 0.1 with momentum 0.9 and
    # gradients summed over 8 batches, steps of 0.3-0.9 of the weights by step 8, every ReLU dead from step 22,
    # and the loss back at ln 10 from a start of ln 10)
    killed = any(f.id == "activation.dead_relu" and f.severity != "info" and (f.step or 0) > 0
                 for f in ctx.findings)
    spiked = float(np.max(head)) >= COLLAPSE_SPIKE * float(v[0])
    if not spiked and not killed:
        return None
    ref = min(refs, key=lambda r: abs(end - r))
    return (ref, "spike" if spiked else "dead_relu") if abs(end - ref) <= COLLAPSE_TOL * ref else None


def _train_epochs(ctx: Context) -> int | None:
    """Epochs of the training DataLoader, or None when the script feeds its batches without one (slices of a
    tensor): epochs are then unknown, and said in steps (they read "1 epoch" whatever the script did)."""
    train = {ev["loader"] for ev in sig.loaders(ctx, "train")}
    if not train:
        return None
    return max((e.get("epoch", 0) for e in sig.events(ctx, "epoch") if e.get("loader") in train), default=0) + 1


def _other_causes(ctx: Context, ids: tuple[str, ...]) -> list[str]:
    return sorted({f.id for f in ctx.findings if f.id in ids and f.severity in ("error", "warning")})


@register
class LrTooLarge(Check):
    """``hparam.lr_too_large``: steps so big that the loss swings, blows up or goes non-finite.

    Needs an unstable loss (non-finite, more than 3x its start, or ending no lower
    than it began while swinging by a third of its level step to step) together with
    over-large steps: an early update/weight ratio above ``RATIO_HIGH`` (ten times
    the top of the healthy 1e-4..1e-2 band, a scale at which each step rewrites the
    weights) or a learning rate above the usual range of its optimizer family, at the
    start or later: a schedule that raised it ``RISE`` times or more into that range
    (a warm-up that never ends) before the loss went non-finite.
    """

    id = "hparam.lr_too_large"
    needs = frozenset({"loss"})
    RATIO_HIGH = 0.05
    #: a schedule that multiplied the learning rate by this much is a rise, not the jitter of a plateau rule
    RISE = 5.0

    def run(self, ctx: Context) -> Outcome:
        unstable = _instability(ctx)
        lr = _lr_info(ctx)
        ratio, per_layer, _ = sig.early_update_ratio(ctx, 10)
        if unstable is None:
            return Outcome.passed("the training loss is stable")
        lr_high = lr is not None and lr["family"] is not None and _effective_lr(lr) >= LR_HIGH[lr["family"]]
        ratio_high = ratio is not None and ratio > self.RATIO_HIGH
        rise = None if lr_high else self._rise(ctx, lr, unstable)
        if rise is not None:
            return Outcome.found(self._risen(ctx, lr, rise, unstable))
        if not (lr_high or ratio_high):
            return Outcome.passed("the loss is unstable, but steps are not large")
        others = _other_causes(ctx, _INSTABILITY_CAUSES)
        if others and not lr_high:
            return Outcome.found(Finding(
                self.id, "Update steps are large, but the instability has another cause", severity="info",
                confidence=0.3, location=f"optimizer {lr['optimizer']}" if lr else "learning rate",
                evidence={"early_update_ratio": ratio, "other_causes": others}))
        conf = 0.6 + 0.15 * lr_high + 0.15 * ratio_high - (0.2 if others else 0.0)
        odd = odd_optimizer_settings(ctx, small_steps=False)
        lr_txt = _lr_text(lr, odd)
        suggest = sig.fmt_num(lr["lr"] / 10) if lr else "a tenth"
        return Outcome.found(Finding(
            self.id, (f"Learning rate too large: {lr_txt} makes steps of {sig.fmt_num(ratio or 0)} of the weights"
                      if ratio is not None else f"Learning rate too large: {lr_txt}")
                     + ("" if "collapsed_to" not in unstable else
                        f"; its ReLUs died and the loss stays at {sig.fmt_num(unstable['collapsed_to'])}, what a "
                        f"constant prediction costs" if unstable.get("collapsed_by") == "dead_relu" else
                        f"; the loss spiked at the start, then stayed at {sig.fmt_num(unstable['collapsed_to'])}, "
                        f"what a constant prediction costs"),
            severity="error", confidence=min(conf, 0.95),
            location=f"optimizer {lr['optimizer']} lr" if lr else "learning rate",
            step=int(unstable.get("nonfinite_step", 0)) if "nonfinite_step" in unstable else 0,
            evidence={**(lr or {}), "early_update_ratio_median": ratio, "loss": unstable,
                      "healthy_update_ratio": [1e-4, 1e-2], "other_causes": others},
            advice=_lead_with_settings(
                odd, f"Lower the learning rate about 10x (try {suggest}), add warm-up, or use a schedule; "
                     f"a learning-rate range test (traindoctor.preflight(model, loader, lr_probe=True)) finds the "
                     f"largest stable value."),
            explains=["loss.oscillating", "loss.blowup", "loss.nan_inf", "weight.change_too_large",
                      "grad.exploding", "tensor.overflow", "loss.not_converging", "activation.dead_relu",
                      "activation.saturated", "fit.underfitting"],
            plots={"train loss": "train/loss", "lr": "opt0/group0/lr"}))

    def _rise(self, ctx: Context, lr: dict | None, unstable: dict) -> dict | None:
        """The learning rate raised by the schedule into the range that is too large for its family, before
        the loss went non-finite (if it did)."""
        s = ctx.run.scalar("opt0/group0/lr")
        if lr is None or lr["family"] is None or len(s) < 10:
            return None
        v = s.value.astype(float)
        if not np.isfinite(v).all() or v[0] <= 0 or v.max() < self.RISE * v[0]:
            return None
        high = np.nonzero([_effective_lr({**lr, "lr": x}) >= LR_HIGH[lr["family"]] for x in v])[0]
        if not len(high):
            return None
        k = int(high[0])
        if "nonfinite_step" in unstable and unstable["nonfinite_step"] < s.step[k]:
            return None  # it went non-finite first: the rise came too late to be the cause
        peak = int(np.argmax(v))
        out = {"lr_start": float(v[0]), "lr_peak": float(v[peak]), "peak_step": int(s.step[peak]),
               "high_from_step": int(s.step[k]), "lr_high_for_family": LR_HIGH[lr["family"]]}
        sched = _first_optimizer_schedulers(ctx)
        if sched:
            out["scheduler"] = sched[0]["class"]
        return out

    def _risen(self, ctx: Context, lr: dict, rise: dict, unstable: dict) -> Finding:
        who = rise.get("scheduler") or "the learning-rate schedule"
        warm = rise["peak_step"] >= ctx.loss.step[-1] * 0.9 if len(ctx.loss) else False
        return Finding(
            self.id, f"Learning rate too large: {who} raised lr from {sig.fmt_num(rise['lr_start'])} to "
                     f"{sig.fmt_num(rise['lr_peak'])} ({lr['optimizer']}), too large from step "
                     f"{rise['high_from_step']}"
                     + (", and it was still rising at the end" if warm else ""),
            severity="error", confidence=0.85, location=f"scheduler {rise['scheduler']}" if "scheduler" in rise
            else f"optimizer {lr['optimizer']} lr", step=rise["high_from_step"],
            evidence={**rise, "optimizer": lr["optimizer"], "momentum": lr.get("momentum"), "loss": unstable},
            advice="End the warm-up at the learning rate you mean to train with and decay after it: a LambdaLR "
                   "factor such as min(1.0, (step + 1) / warmup_steps), or LinearLR(start_factor=0.1, "
                   "total_iters=warmup_steps) chained with a decay (SequentialLR). Check the schedule's "
                   "length: a warm-up sized in epochs and stepped per batch never ends.",
            explains=["loss.oscillating", "loss.blowup", "loss.nan_inf", "weight.change_too_large",
                      "grad.exploding", "tensor.overflow", "loss.not_converging", "fit.underfitting"],
            plots={"train loss": "train/loss", "lr": "opt0/group0/lr"})


def _first_optimizer_schedulers(ctx: Context) -> list[dict]:
    """The schedulers of the first optimizer, whose learning rate (``opt0/group0/lr``) the checks read."""
    return [e for e in sig.events(ctx, "scheduler") if e.get("optimizer") in (0, None)]


def _lr_collapse(ctx: Context, lr: dict | None) -> dict | None:
    """A schedule that took the learning rate from a usual value to below its family's range (and at least
    ``COLLAPSE_FACTOR`` lower) in the first ``COLLAPSE_BY`` of the run and kept it there: a scheduler stepped
    once per batch instead of once per epoch, a gamma or step_size meant for another scale, a decay written by
    hand that compounds (``g["lr"] *= 0.97 ** epoch``: probe O f05, 100x down at 57% of the run). A schedule
    that anneals to zero does so at the end (cosine passes 1/100 at 94% of its length, step decay at 30/60/90
    epochs of 100 at 90%, two tenfold cuts at half and three quarters at 75%), and warm-up starts low and
    rises: none stays below from two thirds of the run on."""
    s = ctx.run.scalar("opt0/group0/lr")
    if lr is None or len(s) < 10:
        return None
    v = s.value.astype(float)
    floor = min(LR_LOW[lr["family"]] if lr["family"] else np.inf, v[0] / COLLAPSE_FACTOR)
    if not np.isfinite(v[0]) or v[0] <= floor or v[-1] >= floor:
        return None
    above = np.nonzero(~(v < floor))[0]
    k = int(above[-1]) + 1  # from here on it stays below
    if s.step[k] > s.step[0] + COLLAPSE_BY * (s.step[-1] - s.step[0]):
        return None
    out = {"lr_start": float(v[0]), "lr_at": float(v[k]), "below_from_step": int(s.step[k]),
           "lr_end": float(v[-1]), "floor": float(floor), "steps": int(len(v)),
           "lr_changes": int(np.sum(np.diff(v) != 0))}
    sched = _first_optimizer_schedulers(ctx)
    if sched:
        out["scheduler"] = sched[0]["class"]
        out["scheduler_params"] = {k: p for k, p in sched[0].get("params", {}).items()
                                   if k not in ("base_lrs", "last_epoch", "_step_count")}
        metric = ctx.run.scalar(f"sched{sched[0].get('index', 0)}/metric")
        mode = out["scheduler_params"].get("mode")
        m = metric.value[np.isfinite(metric.value)] if len(metric) else np.zeros(0)
        if out["scheduler"] == "ReduceLROnPlateau" and mode in ("min", "max") and len(m) >= 4:
            first, last = float(np.median(m[:3])), float(np.median(m[-3:]))
            moved = (last - first) / max(abs(first), 1e-12)
            # a metric that improves in the direction the mode counts as worse: an accuracy under mode='min'
            out["plateau_metric"] = {"mode": mode, "first": first, "last": last, "values": len(m),
                                     "wrong_mode": bool(moved > PLATEAU_MOVED if mode == "min" else moved < -PLATEAU_MOVED)}
    tail = ctx.loss.where(ctx.loss.step >= out["below_from_step"])
    tail_v = tail.value[np.isfinite(tail.value)]
    if len(tail_v) >= 20:
        a, b = head_tail(tail_v)
        out["loss_fell_after"] = float((a - b) / max(abs(a), 1e-12))
    return out


#: a ReduceLROnPlateau's metric that moved this much (relative, median of the first and last three) in the
#: direction its mode counts as worse
PLATEAU_MOVED = 0.05
#: the loss fell less than this (relative) from the collapse to the end: it stopped with the learning rate
STOPPED_AFTER = 0.02


#: the settings of torch's schedulers that shape the decay (shown in the finding; their state is not)
_SCHEDULE_SETTINGS = ("step_size", "gamma", "T_max", "eta_min", "factor", "patience", "cooldown", "total_iters",
                      "start_factor", "end_factor", "T_0", "T_mult", "power", "max_lr", "total_steps",
                      "default_min_lr")

#: the learning rate fell this many times below its start, at least, for the schedule to be blamed
COLLAPSE_FACTOR = 100.0
#: ... by this share of the run (the usual schedules that go that low do it later: see _lr_collapse)
COLLAPSE_BY = 2 / 3


def _schedule_text(c: dict, epochs: int | None) -> tuple[str, str]:
    """The finding's title part and the advice for a collapsed schedule."""
    name = c.get("scheduler")
    params = ", ".join(f"{k}={v:g}" for k, v in (c.get("scheduler_params") or {}).items()
                       if k in _SCHEDULE_SETTINGS and isinstance(v, (int, float)) and not isinstance(v, bool))
    who = f"{name}({params})" if name else "the learning-rate schedule"
    title = (f"{who} took lr from {sig.fmt_num(c['lr_start'])} to {sig.fmt_num(c['lr_at'])} by step "
             f"{c['below_from_step']} and to {sig.fmt_num(c['lr_end'])} at the end")
    per_batch = epochs is not None and epochs >= 2 and c["lr_changes"] > 2 * epochs
    plateau = c.get("plateau_metric") or {}
    if plateau.get("wrong_mode"):
        rises = plateau["mode"] == "min"
        title = (f"{name}(mode='{plateau['mode']}') is stepped with a metric that "
                 f"{'rises' if rises else 'falls'} ({sig.fmt_num(plateau['first'])} to {sig.fmt_num(plateau['last'])}"
                 f"{', an accuracy?' if rises else ', a loss?'}): every improvement counts as a bad epoch, and it "
                 + title.split(" ", 1)[1])
        advice = (f"Build it with mode='{'max' if rises else 'min'}' for this metric (mode='min' is for a loss, "
                  f"'max' for an accuracy), or step it with the validation loss.")
    elif per_batch:
        advice = (f"The learning rate changed at {c['lr_changes']} of {c['steps']} steps in {epochs} epochs: "
                  f"scheduler.step() runs once per batch. Call it once per epoch, after the batch loop, or give "
                  f"the schedule its length in batches (step_size, T_max, milestones).")
    elif name == "ReduceLROnPlateau":
        advice = ("ReduceLROnPlateau cut the learning rate again and again: give it more patience, a smaller "
                  "cut (factor nearer 1) or a min_lr, and step it with the validation loss once per epoch.")
    else:
        advice = ("The schedule decays too fast for this run: slow it (gamma nearer 1, a larger step_size or "
                  "T_max) or give it a floor (eta_min, min_lr).")
    return title, advice


def _value_clipped(ctx: Context) -> dict | None:
    """``clip_grad_value_`` capping the gradients: the share of recorded gradients (full statistics) whose largest
    element sits at the cap."""
    evs = [e for e in sig.events(ctx, "clip") if e.get("function") == "clip_grad_value_"]
    g = ctx.run.table("grad")
    if not evs or not len(g):
        return None
    cap = float(evs[-1]["clip_value"])
    _, mx = g.pivot("max")
    _, mn = g.pivot("min")
    with np.errstate(invalid="ignore"):
        peak = np.fmax(np.abs(mx), np.abs(mn))
    peak = peak[np.isfinite(peak)]
    if not len(peak) or cap <= 0:
        return None
    return {"clip_value": cap, "capped_share": float(np.mean(peak >= cap * (1 - 1e-4)))}


def _first_accumulation(ctx: Context) -> dict | None:
    """The first optimizer's gradient-accumulation record (backward passes per step), if it accumulated."""
    return next((e for e in sig.events(ctx, "accumulation") if e.get("optimizer") in (0, None)), None)


def _worse(rise: float) -> str:
    """A relative rise as people read it: "40% worse", or "3.10e+35x worse" once it is a multiple (probe Q f07: a
    validation loss that grew to 2e35 printed a 38-digit percentage)."""
    return f"{rise:.0%} worse" if rise < 9 else f"{sig.fmt_num(1 + rise)}x worse"


def _fell(prog: dict) -> str:
    d = prog["rel_decrease"]
    return f"the loss fell only {d:.1%}" if d >= 0.0005 else f"the loss did not fall ({d:+.1%})"


def _clip_shrink(ctx: Context) -> dict | None:
    """How much ``clip_grad_norm_`` shrinks the gradients: its max_norm over the norm it found, per step."""
    total = ctx.run.scalar("grad/clip_total_norm")
    evs = [e for e in sig.events(ctx, "clip") if e.get("function") == "clip_grad_norm_"]
    if not evs or len(total) < 5:
        return None
    max_norm = float(evs[-1]["max_norm"])
    t = total.value.astype(float)
    t = t[np.isfinite(t) & (t > 0)]
    if not len(t):
        return None
    factor = np.minimum(1.0, max_norm / t)
    return {"max_norm": max_norm, "median_factor": float(np.median(factor)),
            "clipped_share": float(np.mean(factor < 1.0)), "median_norm_before": float(np.median(t))}


@register
class LrTooSmall(Check):
    """``hparam.lr_too_small``: steps too small for the loss to move.

    Needs a slow loss (less than ``SLOW_DECREASE`` relative decrease over the run)
    together with tiny steps: the early update/weight ratio of the trained layers
    below ``RATIO_LOW`` (the bottom of the healthy 1e-4..1e-2 band) or a learning
    rate below the usual range of its optimizer family. Layers that are frozen or
    disconnected do not count: those are other causes.

    Two ways a usual learning rate still makes tiny steps are named when they are
    the reason: a schedule that drove it below its family's range in the first half
    of the run and kept it there (``_lr_collapse``: the loss then stops, so a slow
    loss, ``loss.not_converging`` or ``fit.underfitting`` is enough), and
    ``clip_grad_norm_`` shrinking the gradients more than ``CLIP_SHRINK`` times at the
    median step, under SGD (whose step is the clipped gradient times the learning
    rate), or under an adaptive optimizer when its steps are tiny too (it normalises
    the gradient's scale away, so clipping alone makes its steps no smaller); and
    ``clip_grad_value_`` capping the largest element of ``CAPPED_SHARE`` of the
    recorded gradients, under the same conditions.
    """

    id = "hparam.lr_too_small"
    needs = frozenset({"loss"})
    RATIO_LOW = 1e-4
    SLOW_DECREASE = 0.3
    CLIP_SHRINK = 100.0
    #: clip_grad_value_: share of recorded gradient tensors whose largest element sits at the cap
    CAPPED_SHARE = 0.9

    def run(self, ctx: Context) -> Outcome:
        prog = sig.loss_progress(ctx)
        lr = _lr_info(ctx)
        ratio, per_layer, _ = sig.early_update_ratio(ctx)
        if prog is None:
            return Outcome.not_checked("too few training steps")
        blown = _other_causes(ctx, ("loss.nan_inf", "loss.blowup"))
        if blown:  # a loss that rose far or went non-finite did not fall for want of step size
            return Outcome.passed(f"the loss did not fall, but blew up ({', '.join(blown)}): not small steps")
        cycle = self._cycle_unfinished(ctx, lr)
        if cycle is not None:
            return Outcome.found(cycle)
        collapse = _lr_collapse(ctx, lr)
        stalled = _other_causes(ctx, ("loss.not_converging", "fit.underfitting"))
        if collapse is not None and (prog["rel_decrease"] < self.SLOW_DECREASE or stalled
                                     or self._stopped_with_lr(ctx, collapse)):
            return self._collapsed(ctx, lr, prog, collapse)
        factor = self._lambda_returns_a_rate(ctx)
        if factor is not None and (prog["rel_decrease"] < self.SLOW_DECREASE or stalled):
            top, base = sig.fmt_num(factor["max_factor"]), sig.fmt_num(factor["base_lr"])
            return Outcome.found(Finding(
                self.id, f"Learning rate too small: LambdaLR's lambda returns {top} at most, a learning rate rather "
                         f"than a factor, and LambdaLR multiplies the base lr {base} by it (lr "
                         f"{sig.fmt_num(factor['max_factor'] * factor['base_lr'])} at most); {_fell(prog)}",
                severity="error", confidence=0.85, location="LambdaLR lr_lambda", step=0,
                evidence={**(lr or {}), **factor, "loss": prog},
                advice="Return the factor from the lambda, lr_at(epoch) / base_lr (1.0 keeps the optimizer's lr), "
                       "or set param_group['lr'] by hand without LambdaLR.",
                explains=self.EXPLAINS, plots={"lr": "opt0/group0/lr", "train loss": "train/loss"}))
        divided = self._loss_divided(ctx, lr)
        if divided is not None and (prog["rel_decrease"] < self.SLOW_DECREASE or stalled or targets_met(ctx) is False):
            k, eff = divided, lr["lr"] / divided
            return Outcome.found(Finding(
                self.id, f"Learning rate too small: the loss is divided by {k:.3g} before backward() and "
                         f"{lr['optimizer']} steps at every backward, so each step is {k:.3g}x smaller than "
                         f"lr={sig.fmt_num(lr['lr'])} says (an lr of {sig.fmt_num(eff)} in effect)"
                         + (f"; {_fell(prog)}" if prog["rel_decrease"] < self.SLOW_DECREASE else ""),
                severity="warning", confidence=0.8, location=f"optimizer {lr['optimizer']} lr", step=0,
                evidence={**lr, "loss_divided_by": round(k, 2), "effective_lr": eff, "loss": prog},
                advice=f"Call backward() on the loss itself (the mean over the batch) and accumulate the epoch's "
                       f"mean from loss.item() / len(loader) apart from it; or, if the division is meant, raise "
                       f"the learning rate {k:.3g}x. SGD's step is the gradient times lr, so any constant that "
                       f"divides the loss divides the step.",
                explains=self.EXPLAINS + ["fit.overfitting"],
                plots={"train loss": "train/loss", "lr": "opt0/group0/lr"}))
        if prog["rel_decrease"] >= self.SLOW_DECREASE:
            return Outcome.passed(f"the loss fell {prog['rel_decrease']:.0%}")
        lr_low = lr is not None and lr["family"] is not None and lr["lr"] < LR_LOW[lr["family"]]
        ratio_low = ratio is not None and 0 < ratio < self.RATIO_LOW
        # the checklist's signal is "update/weight ratio tiny while gradients are healthy": vanishing
        # gradients, saturated or dead units make the steps small whatever the learning rate
        others = _other_causes(ctx, _SLOW_CAUSES + _UNHEALTHY_GRADIENTS)
        # a clip after optimizer.step() shrinks gradients no step uses (graph.optimizer says so)
        clip = _clip_shrink(ctx) if not sig.events(ctx, "clip_after_step") else None
        if clip is not None and not lr_low and 1.0 / clip["median_factor"] > self.CLIP_SHRINK and \
                (ratio_low or (lr is not None and lr["family"] == "sgd")):
            return self._clipped(ctx, lr, prog, ratio, clip, others)
        capped = _value_clipped(ctx) if not sig.events(ctx, "clip_after_step") else None
        if capped is not None and not lr_low and capped["capped_share"] >= self.CAPPED_SHARE and \
                (ratio_low or (lr is not None and lr["family"] == "sgd")):
            return self._value_capped(lr, prog, ratio, capped, others)
        if not (lr_low or ratio_low):
            return Outcome.passed("the loss is slow, but steps are not small")
        if others and not lr_low:
            return Outcome.found(Finding(self.id, "Update steps are small, but another cause explains it",
                                         severity="info", confidence=0.3, location="learning rate",
                                         evidence={"early_update_ratio": ratio, "other_causes": others}))
        conf = 0.6 + 0.15 * lr_low + 0.15 * ratio_low - (0.2 if others else 0.0)
        odd = odd_optimizer_settings(ctx, small_steps=True)
        lr_txt = _lr_text(lr, odd)
        return Outcome.found(Finding(
            self.id, f"Learning rate too small: {lr_txt}; {_fell(prog)}"
                     + (f" with steps of {sig.fmt_num(ratio)} of the weights" if ratio is not None else ""),
            severity="error" if ratio_low and lr_low else "warning", confidence=min(conf, 0.95),
            location=f"optimizer {lr['optimizer']} lr" if lr else "learning rate", step=0,
            evidence={**(lr or {}), "early_update_ratio_median": ratio, "loss": prog,
                      "healthy_update_ratio": [1e-4, 1e-2], "other_causes": others},
            advice=_lead_with_settings(
                odd, "Raise the learning rate (10x to 100x: Adam around 1e-3, SGD with momentum around 0.01-0.1), "
                     "or find it with a learning-rate range test (traindoctor.preflight(model, loader, "
                     "lr_probe=True))."),
            explains=self.EXPLAINS,
            plots={"train loss": "train/loss", "lr": "opt0/group0/lr"}))

    EXPLAINS = ["loss.not_converging", "weight.change_too_small", "fit.underfitting", "weight.not_updating"]

    #: a loss divided by this much or more before backward() ...
    DIVIDED_BY = 8.0

    def _loss_divided(self, ctx: Context, lr: dict | None) -> float | None:
        """The constant a loss is divided by before backward() under SGD, stepped at every backward: the steps are
        that much smaller than the learning rate says (probe Q f09: an autoencoder's MSE divided by len(loader),
        43, so that the batch losses add up to the epoch's mean; the reconstruction stayed at the mean image's,
        0.073 against 0.014, and fit.overfitting compared the divided training loss with the validation MSE).
        From the loss function's value at the first calls against the training loss (one factor,
        ``train_loss_scale``) and the loss graph's top op, a division or a product. Adaptive optimizers divide the
        gradient's scale away; gradient accumulation divides by its count on purpose."""
        if lr is None or lr["family"] != "sgd":
            return None
        k = train_loss_scale(ctx)
        if k is None or k < self.DIVIDED_BY or not sig.loss_scaled(ctx):
            return None
        acc = _first_accumulation(ctx)
        if acc is not None and np.median(acc.get("backwards_per_step") or [1]) >= 2:
            return None
        return k

    #: a LambdaLR factor that never rises above this over the whole run is a learning rate returned as a factor
    RATE_AS_FACTOR = 0.05

    def _lambda_returns_a_rate(self, ctx: Context) -> dict | None:
        """A LambdaLR whose lambda returns a learning rate (a hand-written cosine from 0.02 down) instead of a
        factor: LambdaLR multiplies the base lr by it, so the rate is the square of what was meant (probe P f05:
        at most 4e-4 where 0.02 was meant, 0.15 against 0.98). A warm-up factor starts small but reaches 1."""
        sched = next((e for e in _first_optimizer_schedulers(ctx) if e.get("class") == "LambdaLR"), None)
        lrs = ctx.run.scalar("opt0/group0/lr")
        base = ((sched or {}).get("params") or {}).get("base_lrs") or []
        if sched is None or not base or not base[0] or not len(lrs):
            return None
        top = float(np.nanmax(lrs.value)) / float(base[0])
        return {"base_lr": float(base[0]), "max_factor": top} if 0 < top <= self.RATE_AS_FACTOR else None

    #: OneCycleLR stepped this share of its total_steps or fewer, over a run of half of them or more ...
    CYCLE_STEPPED = 0.2
    #: ... and its learning rate never rose this many times above its start (the cycle's peak is 25x by default)
    CYCLE_RISE = 2.0

    def _cycle_unfinished(self, ctx: Context, lr: dict | None) -> Finding | None:
        """A ``OneCycleLR`` sized in batches (``total_steps = epochs * len(loader)``) and stepped once per epoch:
        its learning rate stays near ``max_lr / div_factor``, the start of a warm-up that never gets far, for the
        whole run (probe N f08: 4e-04 to 4.6e-04 of a cycle to 0.01, MSE 0.139 against 0.069; nothing was found, as
        the loss fell). From the scheduler's settings and the recorded learning rate: it changed at no more than
        ``CYCLE_STEPPED`` of total_steps steps, over a run at least half that long, and never rose ``CYCLE_RISE``
        times above its start."""
        sched = next((e for e in _first_optimizer_schedulers(ctx) if e.get("class") == "OneCycleLR"), None)
        s = ctx.run.scalar("opt0/group0/lr")
        total = (sched or {}).get("params", {}).get("total_steps")
        if sched is None or lr is None or not isinstance(total, int) or total < 20 or len(s) < total // 2:
            return None
        v = s.value[np.isfinite(s.value)]
        if not len(v) or v[0] <= 0:
            return None
        changes = int(np.count_nonzero(np.diff(v)))
        if changes > self.CYCLE_STEPPED * total or v.max() >= self.CYCLE_RISE * v[0]:
            return None
        epochs = _train_epochs(ctx)
        return Finding(
            self.id, f"OneCycleLR(total_steps={total}) moved the learning rate {changes} times in {len(v)} training steps"
                     + (f" ({epochs} epochs: once per epoch)" if epochs and abs(changes - epochs) <= 1 else "")
                     + f": its learning rate stayed between {sig.fmt_num(float(v.min()))} and "
                       f"{sig.fmt_num(float(v.max()))}, the start of a warm-up whose peak is about 25x higher",
            severity="error", confidence=0.85, location="scheduler OneCycleLR", step=int(s.step[0]),
            evidence={**lr, "total_steps": total, "scheduler_steps": changes, "training_steps": int(len(v)),
                      "lr_start": float(v[0]), "lr_max": float(v.max()), "epochs": epochs},
            advice="Call scheduler.step() after every optimizer.step() (once per batch), as OneCycleLR's "
                   "total_steps = epochs * len(loader) assumes; or build it with total_steps=epochs if it is "
                   "stepped per epoch.",
            explains=self.EXPLAINS, plots={"lr": "opt0/group0/lr"})

    #: a training accuracy (the last tenth's mean) this high is a fit that ended, not one the schedule stopped
    CONVERGED_ACC = 0.95

    def _stopped_with_lr(self, ctx: Context, c: dict) -> bool:
        """The loss fell over the run, but stopped where the learning rate collapsed, short of a fit: a
        ReduceLROnPlateau stepped with an accuracy under mode='min' (probe M f02: lr 0.01 to 8e-05 by a third of
        the run, the loss flat at 1.33 from there; it had fallen 31%, so nothing was blamed), or a schedule whose
        collapse the loss did not survive. Not where training converged (its accuracy at ``CONVERGED_ACC``, or
        the targets met): a plateau rule cuts the rate of a finished fit again and again, harmlessly."""
        if targets_met(ctx) is True:
            return False
        acc = finite(ctx.run.scalar("train/acc"))
        if len(acc) and last_tenth_mean(acc.value) >= self.CONVERGED_ACC:
            return False
        wrong = (c.get("plateau_metric") or {}).get("wrong_mode")
        return bool(wrong) or c.get("loss_fell_after", 1.0) < STOPPED_AFTER

    def _collapsed(self, ctx: Context, lr: dict, prog: dict, c: dict) -> Outcome:
        title, advice = _schedule_text(c, _train_epochs(ctx))
        small = bool(_other_causes(ctx, ("weight.change_too_small",)))
        after = c.get("loss_fell_after")
        fell = f"the loss fell {prog['rel_decrease']:.0%}, then stopped with it ({abs(after):.1%} " \
               f"{'lower' if after >= 0 else 'higher'} at the end than at step {c['below_from_step']})" \
            if after is not None and after < STOPPED_AFTER else _fell(prog)
        return Outcome.found(Finding(
            self.id, f"Learning rate too small: {title}; {fell}",
            severity="error" if small else "warning", confidence=0.85 if small else 0.7,
            location=f"optimizer {lr['optimizer']} lr schedule", step=c["below_from_step"],
            evidence={**lr, **c, "loss": prog}, advice=advice, explains=self.EXPLAINS,
            plots={"lr": "opt0/group0/lr", "_log": True}))  # decades apart: on a log axis

    def _value_capped(self, lr: dict | None, prog: dict, ratio: float | None, capped: dict,
                      others: list[str]) -> Outcome:
        cap = sig.fmt_num(capped["clip_value"])
        return Outcome.found(Finding(
            self.id, f"Steps too small: clip_grad_value_(clip_value={cap}) caps the gradients of "
                     f"{capped['capped_share']:.0%} of the tensors; {_fell(prog)}",
            severity="error", confidence=0.8 - (0.2 if others else 0.0), location="clip_grad_value_ clip_value",
            step=0, evidence={**(lr or {}), **capped, "early_update_ratio_median": ratio, "loss": prog,
                              "other_causes": others},
            advice=f"Raise clip_value well above the gradients' usual elements, or clip by norm "
                   f"(clip_grad_norm_(params, 1.0)), which keeps the gradient's direction.",
            explains=self.EXPLAINS, plots={"train loss": "train/loss"}))

    def _clipped(self, ctx: Context, lr: dict | None, prog: dict, ratio: float | None, clip: dict,
                 others: list[str]) -> Outcome:
        shrink = 1.0 / clip["median_factor"]
        return Outcome.found(Finding(
            self.id, f"Steps too small: clip_grad_norm_(max_norm={sig.fmt_num(clip['max_norm'])}) shrinks the "
                     f"gradients {sig.fmt_num(shrink)}x at the median step (their norm is "
                     f"{sig.fmt_num(clip['median_norm_before'])}); {_fell(prog)}",
            severity="error", confidence=0.85 - (0.2 if others else 0.0),
            location="clip_grad_norm_ max_norm", step=0,
            evidence={**(lr or {}), **clip, "early_update_ratio_median": ratio, "loss": prog,
                      "healthy_update_ratio": [1e-4, 1e-2], "other_causes": others},
            advice=f"Raise max_norm to about the gradients' usual norm (here {sig.fmt_num(clip['median_norm_before'])}"
                   f"; 1.0 is common) so that clipping only cuts the rare spikes, or drop the clipping.",
            explains=self.EXPLAINS,
            plots={"grad norm before clipping": "grad/clip_total_norm", "train loss": "train/loss"}))


@register
class LossScale(Check):
    """``hparam.loss_scale``: dynamic loss scaling that keeps overflowing or collapses.

    Under mixed precision a too-large scale overflows and skips the step; the scaler
    then halves the scale and the overflow stops after a few steps. A run that skips
    more than ``SKIPPED_SHARE`` of its steps, or whose scale ends below
    ``MIN_SCALE`` (the scale collapsed: gradients underflow), or whose scale reaches
    ``MAX_SCALE`` (set by hand far past any precision's range; on float32 the
    scaled loss itself overflows), has an unreasonable scaling setup. A few
    skipped steps at the start are the normal calibration.
    """

    id = "hparam.loss_scale"
    needs = frozenset()
    SKIPPED_SHARE = 0.2
    MIN_SCALE = 1.0
    #: float16 holds at most 65504, so a useful scale stays near 2**16..2**24 (GradScaler starts at 2**16 and
    #: doubles every 2000 clean steps); 2**64 is unreachable in practice and overflows any loss in float16.
    MAX_SCALE = 2.0 ** 64

    def run(self, ctx: Context) -> Outcome:
        skipped = ctx.run.scalar("amp/skipped")
        scale = ctx.run.scalar("amp/scale")
        if not len(skipped) and not len(scale):
            return Outcome.not_checked("no loss scaler (GradScaler) was used")
        share = float(np.mean(skipped.value > 0)) if len(skipped) else 0.0
        last_scale = float(scale.value[-1]) if len(scale) else None
        first_skip = int(skipped.step[np.argmax(skipped.value > 0)]) if share > 0 else None
        evidence = {"skipped_steps": int(np.sum(skipped.value > 0)), "steps": int(len(skipped)),
                    "skipped_share": round(share, 3), "first_scale": float(scale.value[0]) if len(scale) else None,
                    "last_scale": last_scale, "min_scale": float(scale.value.min()) if len(scale) else None}
        collapsed = last_scale is not None and last_scale < self.MIN_SCALE
        max_scale = float(np.max(scale.value)) if len(scale) else 0.0
        absurd = max_scale >= self.MAX_SCALE
        bad_loss = sig.first_nonfinite_loss_step(ctx)
        evidence["first_nonfinite_loss_step"] = bad_loss
        if share <= self.SKIPPED_SHARE and not collapsed and not absurd:
            return Outcome.passed(f"{share:.0%} of steps skipped, scale {last_scale}")
        if share > self.SKIPPED_SHARE:
            title = f"The loss scaler skipped {share:.0%} of the optimizer steps (scaled gradients overflow)"
        elif collapsed:
            title = f"The loss scale collapsed to {sig.fmt_num(last_scale)}"
        else:
            title = f"The loss scale reaches {sig.fmt_num(max_scale)}, far beyond what any precision can hold" + \
                (" (the scaled loss overflows)" if bad_loss is not None else "")
        return Outcome.found(Finding(
            self.id, title, severity="error", confidence=0.9, location="GradScaler",
            step=first_skip if first_skip is not None else 0, evidence=evidence,
            advice="Use GradScaler's defaults (init_scale=2**16, growth_factor=2, backoff_factor=0.5, "
                   "growth_interval=2000); if the scale keeps collapsing, look for a real overflow in the "
                   "model (keep softmax/losses in float32) rather than forcing the scale.",
            explains=["weight.not_updating", "loss.not_converging", "tensor.overflow", "loss.nan_inf",
                      "grad.exploding", "weight.change_too_small", "fit.underfitting"],
            plots={"loss scale": "amp/scale", "skipped": "amp/skipped"}))


#: Loss functions that cannot go below zero on valid inputs.
_NON_NEGATIVE_LOSSES = ("cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
                        "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss")


def _loss_function(ctx: Context) -> str:
    return next((e["function"] for e in sig.events(ctx, "loss_call") if e.get("mode") == "train"),
                next((e["function"] for e in sig.events(ctx, "loss_call")), "loss function"))


@register
class EpochsTooFew(Check):
    """``hparam.epochs_too_few``: training stopped while validation was still improving clearly.

    With at least ``MIN_EVALS`` evaluations: the last three validation losses still
    fall one after the other, and the last third of the evaluations (by count, so
    the test does not depend on how often the script evaluates) brought
    ``LATE_SHARE`` or more of the whole decrease, where a curve that has flattened
    brings a few percent, or (a target missed) the last one fell ``LAST_GAIN`` or more; the training loss also still fell by ``TRAIN_TAIL_GAIN``
    over the last quarter of steps. With two or three evaluations only, each must
    improve on the one before by ``FEW_EVALS_GAIN`` with the training loss still
    falling by ``FEW_EVALS_TRAIN_GAIN``.

    A non-negative validation loss that ended below ``NEAR_FLOOR`` = 2% of its first value passes: 98% of
    what it could lose is lost, and the relative gains on what is left are large and say nothing (a separable
    task's loss keeps shrinking by 80-90% an epoch near zero, with the accuracy at 100%). So does a validation
    accuracy of ``ACC_CEILING`` or more that held still at the last evaluation (within ``ACC_STILL``): more
    epochs lower such a loss (0.0125 to 0.001 from the first epoch to the second for a transformer at 100%
    from its first evaluation on), not the error, and the error is what the user is after.
    """

    id = "hparam.epochs_too_few"
    needs = frozenset({"loss"})
    MIN_EVALS = 4
    LATE_SHARE = 0.25
    #: With only two or three evaluations: each must improve on the last by this much, and the training loss
    #: must still fall by ``FEW_EVALS_TRAIN_GAIN`` over its last quarter.
    FEW_EVALS_GAIN = 0.1
    FEW_EVALS_TRAIN_GAIN = 0.15
    MIN_TOTAL_GAIN = 0.05
    TRAIN_TAIL_GAIN = 0.05
    NEAR_FLOOR = 0.02
    #: ... or, where the user's target is missed, the last evaluation still this much (relative) better than the
    #: one before: a curve that falls 10% an evaluation has not flattened, however its decrease is shared out
    #: (probe O f04: an early stopper that counted accuracy gains as bad epochs stopped at epoch 5 of 40,
    #: validation loss -15% at the last)
    LAST_GAIN = 0.1
    ACC_CEILING = 0.99
    ACC_STILL = 0.005

    #: evaluations after the last training step, all alike, that say the training stopped while the script went on
    STOPPED_EVALS = 5

    def _stopped(self, ctx: Context, tag: str, st: np.ndarray, ev: np.ndarray) -> Finding | None:
        """Training that stopped while the script went on evaluating: ``STOPPED_EVALS`` or more evaluations, at
        least half of them, after the last training step, with one and the same result (no update between them).
        A generator of batches made once and consumed by the first epoch: 47 steps, then 15 evaluations."""
        if not len(ctx.loss) or len(ev) < self.STOPPED_EVALS:
            return None
        last = int(ctx.loss.step[-1])
        after = ev[st >= last]
        if len(after) < self.STOPPED_EVALS or len(after) < 0.5 * len(ev) or \
                float(np.ptp(after)) > 1e-6 * max(abs(float(after[0])), 1e-12):
            return None
        return Finding(
            self.id, f"Training stopped at step {last}, and the script went on to evaluate {len(after) - 1} more "
                     f"times with nothing trained between (validation {tag.split('/')[-1]} {float(after[0]):.4g} "
                     f"each time)",
            severity="error", confidence=0.85, location="training loop", step=last,
            evidence={"last_training_step": last, "evaluations_after": int(len(after)), "evaluations": int(len(ev)),
                      "value": float(after[0])},
            advice="The training batches ran out after the first pass: a generator or iterator made once, outside "
                   "the epoch loop, is consumed by its first epoch. Create it inside the loop (for xb, yb in "
                   "batches(X, y): ...), or use a DataLoader, which starts over at each epoch.",
            explains=["loss.not_converging", "fit.underfitting", "hparam.epochs_too_many"],
            plots={"validation": tag, "train loss": "train/loss"})

    @staticmethod
    def _stopped_at_best(ctx: Context) -> bool:
        """The validation accuracy rose at each of the last three evaluations, the last its best."""
        _, _, acc = sig.eval_curve(ctx, "acc")
        return len(acc) >= 3 and bool(acc[-3] < acc[-2] < acc[-1])

    def run(self, ctx: Context) -> Outcome:
        tag, st, ev, what = _validation_curve(ctx)
        stopped = self._stopped(ctx, tag, st, ev)
        if stopped is not None:
            return Outcome.found(stopped)
        step, v = sig.finite_loss(ctx)
        if len(v) < 8:
            return Outcome.not_checked("too few training steps")
        q = max(2, len(v) // 4)
        k = max(1, q // 4)
        tail_gain = (np.median(v[-q:][:k]) - np.median(v[-k:])) / max(abs(np.median(v[-q:][:k])), 1e-12)
        evidence = {"train_loss_gain_last_quarter": round(float(tail_gain), 4)}
        if len(ev) < 2:
            return Outcome.passed("no validation curve; not judged from training loss alone")
        if what == "loss" and np.any(ev < 0) and \
                any(e.get("function") in _NON_NEGATIVE_LOSSES for e in sig.events(ctx, "loss_call")):
            # a cross-entropy below zero is no loss falling: nll_loss fed raw logits runs to -1e15
            return Outcome.passed(f"the validation loss went negative ({ev.min():.3g}), which a "
                                  f"{_loss_function(ctx)} cannot: not a curve to judge the epochs by")
        if np.all(ev >= 0) and ev[-1] <= self.NEAR_FLOOR * ev[0]:
            return Outcome.passed(f"the validation {what} ended at {ev[-1]:.3g}, {ev[-1] / max(ev[0], 1e-12):.1%} of "
                                  f"its first value: near its floor")
        _, _, acc = sig.eval_curve(ctx, "acc")
        if len(acc) >= 2 and 1.0 >= acc[-1] >= self.ACC_CEILING and acc[-1] - acc[-2] <= self.ACC_STILL:
            return Outcome.passed(f"validation accuracy {acc[-1]:.3g} and no longer rising: more epochs would lower "
                                  f"the loss, not the error")
        if len(ev) < self.MIN_EVALS:
            # Two or three evaluations: every one still clearly better than the last, and the training loss
            # still falling steeply.
            gains = -np.diff(ev) / np.maximum(np.abs(ev[:-1]), 1e-12)
            evidence.update({f"eval_{_key(what)}": [float(x) for x in ev]}, eval_gains=[round(float(g), 4) for g in gains])
            improving = bool(np.all(gains >= self.FEW_EVALS_GAIN)) and tail_gain >= self.FEW_EVALS_TRAIN_GAIN
            return self._report(ctx, improving, tail_gain, evidence, st, tag, float(gains[-1]), what)
        late = max(1, round((len(ev) - 1) / 3))
        total = ev[0] - ev[-1]
        late_share = (ev[-1 - late] - ev[-1]) / total if total > 0 else 0.0
        falling = bool(ev[-3] > ev[-2] > ev[-1])
        last_gain = float((ev[-2] - ev[-1]) / max(abs(ev[-2]), 1e-12))
        evidence.update({f"eval_{_key(what)}": [float(x) for x in ev[-6:]],
                         f"eval_{_key(what)}_last_gain": round(last_gain, 4)},
                        eval_evaluations=int(len(ev)), late_share_of_decrease=round(float(late_share), 3))
        # (a short run still falling fast is under-trained, but only a missed target makes it the user's problem:
        # the tests' healthy four-epoch runs fall 13% at their last evaluation)
        improving = falling and (late_share >= self.LATE_SHARE
                                 or (last_gain >= self.LAST_GAIN and targets_met(ctx) is False)) and \
            total / max(abs(ev[0]), 1e-12) >= self.MIN_TOTAL_GAIN
        return self._report(ctx, improving, tail_gain, evidence, st, tag, last_gain, what)

    def _report(self, ctx: Context, improving: bool, tail_gain: float, evidence: dict, st: np.ndarray, tag: str,
                last_gain: float, what: str = "loss") -> Outcome:
        if not (improving and tail_gain >= self.TRAIN_TAIL_GAIN):
            return Outcome.passed("validation had flattened at the end of training")
        ratio, _, _ = sig.early_update_ratio(ctx)
        others = _other_causes(ctx, _SLOW_CAUSES + ("hparam.lr_too_small",))
        if others:
            return Outcome.found(Finding(self.id, "Validation still improved at the end, but a slowing cause "
                                                  "was found", severity="info", confidence=0.3,
                                         location="epochs", evidence={**evidence, "other_causes": others}))
        epochs = _train_epochs(ctx)
        steps = len(sig.finite_loss(ctx)[0])
        length, longer = (f"{epochs} epoch(s)", f"{2 * epochs} epochs") if epochs else \
            (f"{steps} steps", f"{2 * steps} steps")
        # the user's own target met: longer training may still gain, but nothing is wrong (probe J h05, a
        # checkpointed transformer at 0.967 against 0.95, warned from three evaluations)
        met = targets_met(ctx)
        return Outcome.found(Finding(
            self.id, f"Training stopped after {length} while the validation {what} was still falling (down "
                     f"{last_gain:.0%} at the last evaluation)" + ("; the target is met" if met else ""),
            severity="info" if met else "warning", confidence=0.3 if met else 0.5, location="epochs",
            step=int(st[-1]),
            evidence={**evidence, "epochs": epochs, "steps": steps, "early_update_ratio_median": ratio},
            advice=f"Train longer (at least {longer}) with early stopping on the validation "
                   f"{'loss' if what == 'loss' else 'accuracy'}, and keep the best checkpoint."
                   + (" If an early stopper ended the run, check its direction: it stopped at the best "
                      "accuracy yet, so it counts improvements as bad epochs (an accuracy improves by rising: "
                      "mode='max', metric > best + min_delta)." if self._stopped_at_best(ctx) else ""),
            explains=["fit.underfitting", "loss.not_converging"],
            plots={f"validation {'loss' if what == 'loss' else 'accuracy'}": tag, "train loss": "train/loss"}))


@register
class EpochsTooMany(Check):
    """``hparam.epochs_too_many``: training went on long after validation stopped improving.

    The best validation loss came in the first ``BEST_BEFORE`` of the evaluations
    and the last one is ``WORSENING`` above it, while the training loss kept falling
    (overfitting by training time). A rising validation loss with a validation
    accuracy still at its best is overconfidence, not lost accuracy, and passes.
    """

    id = "hparam.epochs_too_many"
    needs = frozenset({"loss"})
    MIN_EVALS = 5
    BEST_BEFORE = 0.6
    WORSENING = 0.25
    ACC_DROP = 0.01

    def run(self, ctx: Context) -> Outcome:
        tag, st, ev, what = _validation_curve(ctx)
        if what != "loss" and len(ev) >= self.MIN_EVALS:  # no validation loss at all (not one gone NaN)
            return self._by_accuracy(ctx, tag, st, 1.0 - ev)
        if len(ev) < self.MIN_EVALS:
            acc = sig.eval_curve(ctx, "acc")[2]
            losses = len(ev) if what == "loss" else 0
            return Outcome.not_checked(f"needs {self.MIN_EVALS} evaluations, the run has {losses}"
                                       + (f" of its loss and {len(acc)} of its accuracy" if len(acc) else ""))
        best = int(np.argmin(ev))
        worse = (ev[-1] - ev[best]) / max(abs(ev[best]), 1e-12)
        noop = self._restore_noop(ctx, tag, st, ev, best, worse)
        if noop is not None:
            return Outcome.found(noop)
        atag, ast, acc = sig.eval_curve(ctx, "acc")
        acc_drop = float(acc.max() - acc[-1]) if len(acc) else None
        evidence = {"best_eval_index": best, "evaluations": int(len(ev)), "best_eval_loss": float(ev[best]),
                    "best_eval_step": int(st[best]), "last_eval_loss": float(ev[-1]),
                    "worsening": round(float(worse), 3), "eval_acc_drop_from_best": acc_drop}
        # the accuracy that held says overconfidence, not lost accuracy: unless the loss is what the user targets
        # (probe P f06: a checkpoint 'restored' from state_dict() references, val_loss 2.48 against 0.90)
        from ...report.accuracy import target_results

        loss_missed = any(name.endswith("loss") and t.get("met") is False
                          for name, t in target_results(ctx).items())
        if best > self.BEST_BEFORE * (len(ev) - 1) or worse < self.WORSENING or \
                (acc_drop is not None and acc_drop < self.ACC_DROP and not loss_missed):
            return Outcome.passed(f"best validation loss at evaluation {best + 1} of {len(ev)}")
        return self._stop_earlier(ctx, tag, st, best, len(ev), "loss", evidence,
                                  f"Validation loss was best at step {int(st[best])} (evaluation {best + 1} of "
                                  f"{len(ev)}) and is {_worse(worse)} at the end")

    #: share of a restored state's tensors that are the model's own for the restore to be a no-op
    OWN_SHARE = 0.9

    def _restore_noop(self, ctx: Context, tag: str, st: np.ndarray, ev: np.ndarray, best: int,
                      worse: float) -> Finding | None:
        """A "best checkpoint" restored at the end whose tensors are the model's own (``best_state =
        model.state_dict()``: references, which training went on writing): the restore changes nothing and the
        model kept is the last, overtrained one (probe P f06: validation loss best at epoch 3, 2.48 against 0.90
        at the end; data.too_few_samples led). From the collector's check of each load_state_dict after training
        started."""
        evs = [e for e in sig.events(ctx, "state_restore")
               if e.get("tensors") and e.get("own_tensors", 0) >= self.OWN_SHARE * e["tensors"]]
        if not evs or best == len(ev) - 1 or worse < self.WORSENING:
            return None
        e = evs[-1]
        return Finding(
            self.id, f"The best checkpoint restored at step {e['step']} is the model itself: {e['own_tensors']} of "
                     f"its {e['tensors']} tensors are {e['model']}'s own (state_dict() returns references, and "
                     f"training went on writing them), so the model kept is the last one, its validation loss "
                     f"{_worse(worse)} than at its best (step {int(st[best])})",
            severity="error", confidence=0.9, location="load_state_dict", step=int(e["step"]),
            evidence={"restored_tensors": e["tensors"], "own_tensors": e["own_tensors"],
                      "best_eval_step": int(st[best]), "best_eval_loss": float(ev[best]),
                      "last_eval_loss": float(ev[-1])},
            advice="Copy the state when you keep it: best_state = copy.deepcopy(model.state_dict()) (or "
                   "{k: v.detach().clone() for k, v in model.state_dict().items()}), or save it with "
                   "torch.save(model.state_dict(), path).",
            explains=["fit.overfitting", "loss.zero"],
            plots={"validation loss": tag, "train loss": "train/loss"})

    def _stop_earlier(self, ctx: Context, tag: str, st: np.ndarray, best: int, n: int, metric: str, evidence: dict,
                      title: str) -> Outcome:
        """The finding, where validation was best early (by its loss, or by its accuracy): stop there."""
        chance = self._at_chance(ctx)
        if chance is not None:
            return chance
        kept = self._train_kept_falling(ctx, int(st[best]))
        if kept is not None:
            return kept
        epochs = _train_epochs(ctx)
        stop = f"around epoch {max(1, round((best + 1) * epochs / n))}" if epochs else f"around step {int(st[best])}"
        return Outcome.found(Finding(
            self.id, title, severity="warning", confidence=0.7, location="epochs", step=int(st[best]),
            evidence={**evidence, "epochs": epochs},
            advice=f"Stop {stop} (early stopping on the validation {metric} with a patience of a few evaluations) "
                   f"and keep the best checkpoint; or add regularisation.",
            explains=["fit.overfitting", "loss.zero"],
            plots={f"validation {metric}": tag, "train loss": "train/loss"}))

    #: The training loss over the last ``TRAIN_TAIL`` of the steps after the best evaluation, against its level
    #: around that evaluation: it must have fallen for validation's decline to be overfitting by training time.
    TRAIN_TAIL = 0.1

    def _train_kept_falling(self, ctx: Context, best_step: int) -> Outcome | None:
        """A pass where the training loss did not fall after validation's best: the model got worse on its own
        training data too (SGD momentum 0.999 at lr 0.05 on breast cancer: validation accuracy 0.971, then the
        loss spiked to 1e7 and both accuracies ended at 0.63). That is a step too large, not too many epochs, and
        stopping earlier would only hide it. None where it fell, or where there is too little to tell."""
        step, v = sig.finite_loss(ctx)
        after = v[step > best_step]
        around = v[np.abs(step - best_step) <= max(1, len(v) // 20)]
        if len(after) < 10 or not len(around):
            return None
        at_best = float(np.median(around))
        end = float(np.median(after[-max(3, int(self.TRAIN_TAIL * len(after))):]))
        if end < at_best:
            return None
        return Outcome.passed(f"validation was best at step {best_step}, but the training loss did not fall after "
                              f"it either ({at_best:.3g} then, {end:.3g} at the end): the model got worse on its "
                              f"training data too, which more epochs do not explain")

    #: Judged by accuracy alone (no validation loss: an accuracy counted by hand): the last two evaluations both
    #: ``ACC_ONLY_DROP`` below the best, and at least ``WORSENING`` of the best's error, so that a small
    #: validation set's wobble (one or two samples) is not read as lost accuracy.
    ACC_ONLY_DROP = 0.03

    def _at_chance(self, ctx: Context) -> Outcome | None:
        from ..symptoms import validation_at_chance

        chance = validation_at_chance(ctx)
        if chance is not None:  # no epoch was ever good: stopping earlier keeps a model at chance
            return Outcome.passed(f"validation accuracy never above chance (best {chance['best_val_acc']:.2f}): "
                                  f"the number of epochs is not what holds it back (see data.label_errors)")
        return None

    def _by_accuracy(self, ctx: Context, tag: str, st: np.ndarray, acc: np.ndarray) -> Outcome:
        best = int(np.argmax(acc))
        end = float(np.max(acc[-2:]))
        drop = float(acc[best]) - end
        evidence = {"best_eval_index": best, "evaluations": int(len(acc)), "best_eval_acc": float(acc[best]),
                    "best_eval_step": int(st[best]), "last_eval_acc": float(acc[-1]), "eval_acc_drop_from_best": drop}
        if best > self.BEST_BEFORE * (len(acc) - 1) or drop < max(self.ACC_ONLY_DROP,
                                                                  self.WORSENING * (1.0 - float(acc[best]))):
            return Outcome.passed(f"best validation accuracy at evaluation {best + 1} of {len(acc)}, and the last "
                                  f"two within {max(drop, 0.0):.3f} of it (judged by accuracy: no validation loss "
                                  f"was recorded)")
        return self._stop_earlier(ctx, tag, st, best, len(acc), "accuracy", evidence,
                                  f"Validation accuracy was best at step {int(st[best])} ({acc[best]:.3f}, evaluation "
                                  f"{best + 1} of {len(acc)}) and is {drop:.3f} lower at the end")


def _validation_curve(ctx: Context) -> tuple[str, np.ndarray, np.ndarray, str]:
    """``(tag, steps, values, what)``: the validation loss; where none was recorded but two or more validation
    accuracies were (counted by hand, no loss called at evaluation), the validation error, 1 - accuracy, which
    falls as a loss does."""
    tag, st, ev = sig.eval_curve(ctx, "loss")
    if tag:  # a validation loss, even one that went NaN, is what the epochs are judged by
        return tag, st, ev, "loss"
    atag, ast, acc = sig.eval_curve(ctx, "acc")
    if len(acc) >= 2 and np.all((acc >= 0) & (acc <= 1)):
        return atag, ast, 1.0 - acc, "error (1 - accuracy)"
    return tag, st, ev, "loss"


def _key(what: str) -> str:
    return "loss" if what == "loss" else "error"


@register
class BatchSizeTooLarge(Check):
    """``hparam.batch_size_too_large``: so few updates that the model cannot converge.

    A batch of ``DATASET_SHARE`` of the training set or more gives at most a few
    updates per epoch; with fewer than ``MIN_UPDATES`` optimizer steps in the whole
    run and a loss still far from settled, the batch size (not the epochs) is what
    starves training. Full-batch training with many steps (L-BFGS, small tabular
    problems) passes.
    """

    id = "hparam.batch_size_too_large"
    needs = frozenset({"dataloader"})
    DATASET_SHARE = 0.25
    MIN_UPDATES = 150
    UNSETTLED = 0.5

    def run(self, ctx: Context) -> Outcome:
        empty = self._no_batches(ctx)
        if empty is not None:
            return Outcome.found(empty)
        tl = sig.loaders(ctx, "train")
        n = sig.train_size(ctx)
        if not tl or not n or not tl[0].get("batch_size"):
            return Outcome.not_checked("the training batch size or dataset size is unknown")
        bsz = int(tl[0]["batch_size"])
        updates = int(len(ctx.loss))
        share = bsz / n
        prog = sig.loss_progress(ctx)
        gap = sig.eval_accuracy_gap(ctx)
        evidence = {"batch_size": bsz, "train_samples": n, "batch_share": round(share, 3),
                    "batches_per_epoch": tl[0].get("batches_per_epoch"), "optimizer_steps": updates}
        # a sampler drawing a small part of the data per epoch: WeightedRandomSampler's num_samples is the epoch's
        # length, and set to the batch size it makes every epoch one batch (probe S f06: 12 updates in all)
        drawn = (tl[0].get("sampler_weights") or {}).get("num_samples")
        short = drawn is not None and drawn < self.DATASET_SHARE * n
        if (share < self.DATASET_SHARE and not short) or updates >= self.MIN_UPDATES:
            return Outcome.passed(f"batch {bsz} of {n} samples, {updates} updates")
        if prog is not None:
            evidence["loss"] = prog
        if gap is not None:
            evidence.update(train_acc=round(gap["train_acc"], 4), eval_acc=round(gap["eval_acc"], 4))
        settled = prog is not None and prog["rel_decrease"] >= self.UNSETTLED and \
            (gap is None or gap["train_acc"] >= 0.95)
        if settled:
            return Outcome.passed(f"batch {bsz} of {n} samples, but the loss settled")
        if short:
            evidence["sampler_num_samples"] = drawn
            bpe = tl[0].get("batches_per_epoch")
            return Outcome.found(Finding(
                self.id, f"The {tl[0].get('sampler')} draws {drawn} of the {n} training samples per epoch "
                         f"(num_samples={drawn}): {bpe} batch{'' if bpe == 1 else 'es'} per epoch, only {updates} "
                         f"updates in all",
                severity="warning", confidence=0.8, location=f"{sig.loader_name(tl[0])} sampler num_samples", step=0,
                evidence=evidence,
                advice=f"num_samples is how many samples one epoch draws, not a batch: "
                       f"WeightedRandomSampler(weights, num_samples=len(weights)) draws an epoch as long as the "
                       f"dataset ({n}), {max(1, n // bsz)} batches of {bsz}.",
                explains=["loss.not_converging", "fit.underfitting", "fit.overfitting", "hparam.epochs_too_few"],
                plots={"train loss": "train/loss"}))
        return Outcome.found(Finding(
            self.id, f"Batch size {bsz} is {share:.0%} of the {n} training samples: only {updates} updates in all",
            severity="warning", confidence=0.75, location="train DataLoader batch_size", step=0,
            evidence=evidence,
            advice=f"Use smaller batches (e.g. {max(16, min(256, n // 32))}) for more updates per epoch, or "
                   f"scale the learning rate with the batch size and train for more steps.",
            explains=["loss.not_converging", "fit.underfitting", "fit.overfitting"],
            plots={"train loss": "train/loss"}))

    def _no_batches(self, ctx: Context) -> Finding | None:
        """A DataLoader the script iterated that yields no batch at all: ``drop_last=True`` with a batch larger
        than its dataset (256 of 133 wine rows). Where it was the training data, the model never trained, and
        every other check had nothing to read ("no loss record")."""
        roles = sig.loader_roles(ctx)
        iterated = {e.get("loader") for e in sig.events(ctx, "epoch")}
        for e in sig.events(ctx, "dataloader"):
            if e.get("batches_per_epoch") != 0 or e["loader"] not in iterated or \
                    roles.get(e["loader"]) in ("eval", "test") or e.get("role") in ("eval", "test"):
                continue
            n = (e.get("dataset") or {}).get("length")
            trained = len(ctx.loss)
            why = (f"batch_size {e.get('batch_size')} is larger than its {n} samples, and drop_last=True drops the "
                   f"one incomplete batch" if e.get("drop_last") and n is not None else "it is empty")
            return Finding(
                self.id, f"{sig.loader_name(e)} yields no batch: {why}"
                + ("; the model was never trained (0 optimizer steps)" if not trained else ""),
                severity="error" if not trained else "warning", confidence=0.95 if not trained else 0.7,
                location=f"{sig.loader_name(e)} batch_size", step=int(e.get("step", 0)),
                evidence={"batch_size": e.get("batch_size"), "drop_last": e.get("drop_last"), "dataset_length": n,
                          "batches_per_epoch": 0, "epochs_iterated": sum(1 for x in sig.events(ctx, "epoch")
                                                                         if x.get("loader") == e["loader"]),
                          "optimizer_steps": trained},
                advice=f"Use a batch size no larger than the dataset (e.g. {max(1, min(64, (n or 64) // 4))}), or "
                       f"drop_last=False.",
                explains=["loss.not_converging", "fit.underfitting", "weight.not_updating"])
        return None
