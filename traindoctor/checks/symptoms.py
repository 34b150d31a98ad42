"""Symptom checks: what the loss, the metrics, the gradients, weights and activations show.

Thresholds start from the literature (AutoTrainer, DeepDiagnosis, SageMaker
Debugger's rules) and were set on the zoo of fault and healthy scripts under
``benchmarks/zoo/`` (``make zoo``), never on a single script.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .base import Check, Context, Finding, Outcome, register, sig
from .causes._signals import LAYER_CLASSES, num_classes_from_outputs, total_params, train_size
from .signals import (EMBEDDING_CLASSES, REGRESSION_GAP, adaptive_optimizers_only, adversarial_note, finite,
                      first_nonfinite_step, head_tail, helper_models, last_phase_loss, last_tenth_mean, loss_blown, loss_floor,
                      module_forward_order, nonfinite_origin, param_module, param_root, per_label, regression_gap, strong_weight_decay, target_variance,
                      weight_params, weighted_loss, windows)


def _window_median_noise(values: np.ndarray, k: int) -> float:
    """Standard error of the median of ``k`` consecutive losses due to step-to-step noise alone.

    The noise is estimated from first differences (robust: MAD), which a slow trend or a
    few large swings barely affect: sigma = 1.4826 * MAD(diff) / sqrt(2).
    """
    d = np.diff(values.astype(np.float64))
    if len(d) < 4:
        return 0.0
    sigma = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / math.sqrt(2)
    return 1.2533 * sigma / math.sqrt(k)


def _origin_text(o: dict) -> tuple[str, str | None]:
    phase = o.get("phase")
    if phase == "forward":
        return f"first non-finite output in the forward pass: module {o.get('module')}", o.get("module")
    if phase == "backward":
        return (f"forward pass finite; first non-finite gradient (backward order): {o.get('param')}",
                o.get("param"))
    if phase == "weights":
        return (f"weights {', '.join(o.get('params', [])[:3])} became non-finite in the update of step "
                f"{o['step'] - 1}", o.get("param"))
    return "the network's outputs were finite; the loss computation itself produced it", "(loss function)"


@register
class LossNanInf(Check):
    """``loss.nan_inf``: the first step whose training loss is NaN or ±Inf, and where it came from."""

    id = "loss.nan_inf"
    needs = frozenset({"loss"})

    def run(self, ctx: Context) -> Outcome:
        loss = ctx.loss
        step = first_nonfinite_step(loss)
        if step is None:
            return Outcome.passed(f"all {len(loss)} training losses are finite")
        fin = finite(loss)
        before = fin.value[fin.step < step]
        ev = {"first_nonfinite_step": step, "value": float(loss.value[np.searchsorted(loss.step, step)]),
              "nonfinite_steps": int((~np.isfinite(loss.value)).sum()), "steps": len(loss)}
        if len(before):
            ev.update(last_finite_loss=sig(float(before[-1])), initial_loss=sig(float(before[0])),
                      max_finite_loss=sig(float(before.max())))
        origin = nonfinite_origin(ctx)
        where, location = None, None
        if origin:
            where, location = _origin_text(origin)
            ev["origin"] = where
            ev["origin_step"] = origin["step"]
            inputs = (origin.get("event") or {}).get("inputs")
            if inputs:
                ev["origin_inputs"] = inputs[:2]
        return Outcome.found(Finding(
            self.id, f"training loss became non-finite at step {step}" + (f" ({where})" if where else ""),
            "error", 0.95, location, step, ev,
            "Look at the first non-finite module and its inputs: a division by zero, a log of 0 or of a negative "
            "number, or an overflow from a learning rate that is too large. Lower the learning rate, add an epsilon "
            "to divisions and logs, or clip gradients (torch.nn.utils.clip_grad_norm_).",
            plots={"train/loss": "train/loss", "_log": True}))


@register
class LossBlowup(Check):
    """``loss.blowup``: the finite loss grows far above its start.

    ``GROWTH`` = 10: a cross-entropy or MSE that ends (median of its last 10%) ten
    times above where it started is diverging; healthy runs end below their start.
    ``SPIKE`` = 1e3: a single value a thousand times the start is a blow-up even if
    the loss comes back (NaN runs usually pass through such spikes first).
    """

    id = "loss.blowup"
    needs = frozenset({"loss"})
    GROWTH = 10.0
    SPIKE = 1e3
    MIN_STEPS = 8

    def run(self, ctx: Context) -> Outcome:
        # the last phase's: an autoencoder's reconstruction MSE (0.04) followed by the classifier's cross-entropy
        # on the frozen encoder (2.3 at its start) "grew from 0.0559 to 1.27" (probe M h01, f11)
        fin, _ = last_phase_loss(ctx, self.MIN_STEPS)
        if len(fin) < self.MIN_STEPS:
            return Outcome.not_checked(f"only {len(fin)} finite loss values")
        start, end = head_tail(fin.value, 0.1, 2)
        base = max(abs(start), 1e-8)
        peak_i = int(np.argmax(fin.value))
        peak = float(fin.value[peak_i])
        grew = end > self.GROWTH * base and end > start
        spiked = peak > self.SPIKE * base
        if not (grew or spiked):
            return Outcome.passed(f"loss went from {sig(start)} to {sig(end)} (peak {sig(peak)})")
        over = np.nonzero(fin.value > self.GROWTH * base)[0]
        step = int(fin.step[over[0]]) if len(over) else int(fin.step[peak_i])
        title = f"training loss grew from {sig(start)} to {sig(end)} (peak {sig(peak)} at step {fin.step[peak_i]})" \
            if grew else (f"training loss spiked to {sig(peak)} at step {fin.step[peak_i]}, {peak / base:.3g}x its start "
                          f"{sig(start)} (it ended at {sig(end)})")
        return Outcome.found(Finding(
            self.id, title,
            "error", 0.85, None, step,
            {"initial_loss": sig(start), "final_loss": sig(end), "peak_loss": sig(peak),
             "peak_step": int(fin.step[peak_i]), "growth": sig(end / base)},
            "The optimisation diverges: lower the learning rate (by 10x to start with), check the loss function, "
            "and clip gradients.", explains=["loss.oscillating", "loss.not_converging", "fit.underfitting"], plots={"train/loss": "train/loss", "_log": True}))


@register
class LossNotConverging(Check):
    """``loss.not_converging``: the loss does not go down, or very slowly.

    Compares the median of the first and last 10% of the training losses.
    ``MIN_DECREASE`` = 0.1: on the zoo's healthy runs the loss falls by 40-99% within
    the recorded steps; faulty ones (tiny learning rate, frozen or dead layers) by
    under 5%. A run shorter than ``MIN_STEPS`` is not judged. An MSE regression whose
    loss starts below ``START_FIT`` of its targets' variance (R² above 0.8 from the first
    steps: a residual on the last value, a pretrained model) has little left to fall.
    """

    id = "loss.not_converging"
    needs = frozenset({"loss"})
    MIN_DECREASE = 0.10
    MIN_STEPS = 30
    START_FIT = 0.2
    #: a loss down by ``STUCK`` or more, ``EARLY_SHARE`` of that within the first three of ten windows, and level
    #: to ``PLATEAU_SPREAD`` over the last five has converged (to a high floor), not stalled; below ``STUCK`` it
    #: never moved (frozen, dead or disconnected layers), and a too small learning rate falls slowly and steadily
    STUCK = 0.03
    EARLY_SHARE = 0.75
    PLATEAU_SPREAD = 0.03

    def run(self, ctx: Context) -> Outcome:
        note = adversarial_note(ctx)
        if note:
            return Outcome.not_checked(note)
        fin, _ = last_phase_loss(ctx, self.MIN_STEPS)
        if len(fin) < self.MIN_STEPS:
            return Outcome.not_checked(f"only {len(fin)} finite loss values (needs {self.MIN_STEPS})")
        if loss_blown(ctx):
            return Outcome.passed("the loss diverges (see loss.blowup / loss.nan_inf), it is not merely flat")
        start, end = head_tail(fin.value)
        if abs(start) < 1e-3:
            return Outcome.passed(f"the loss starts near zero ({sig(start)})")
        floor = loss_floor(ctx)
        if floor is not None and floor < start:
            # soft targets: the loss can only fall to their entropy; the decrease is measured towards it
            decrease = (start - end) / (start - floor)
            if decrease >= self.MIN_DECREASE:
                return Outcome.passed(f"loss fell by {decrease:.0%} of the way to the targets' entropy {sig(floor)}, "
                                      f"its lowest value ({sig(start)} → {sig(end)})")
        decrease = (start - end) / abs(start)
        if decrease >= self.MIN_DECREASE:
            return Outcome.passed(f"loss fell by {decrease:.0%} ({sig(start)} → {sig(end)})")
        var = target_variance(ctx) if any(e.get("function") == "mse_loss" and e.get("mode") == "train"
                                          for e in ctx.run.events("loss_call")) else None
        if var and 0 < start < self.START_FIT * var:
            # a regression that starts close to its best (a residual on the last value, a pretrained model): its
            # relative decrease says little (a forecaster at 9% of the variance from its first step, down 10%)
            return Outcome.passed(f"the MSE starts at {start / var:.0%} of the targets' variance ({sig(start)} → "
                                  f"{sig(end)}): the model starts near what it can reach")
        w = windows(fin.value, 10)
        drop = float(w[0] - w[-1])
        if decrease >= self.STUCK and drop > 0 and (w[0] - w[2]) >= self.EARLY_SHARE * drop and \
                (np.max(w[5:]) - np.min(w[5:])) <= self.PLATEAU_SPREAD * abs(float(np.median(w[5:]))):
            # fell in its first tenths, then level to within 3% for the second half: converged, at a floor the
            # task or the model sets (two overlapping classes at their Bayes accuracy: 0.646 → 0.59, then 0.58)
            return Outcome.passed(f"the loss fell {decrease:.0%} in its first steps and then held level at "
                                  f"{sig(end)} for the second half: converged, at the floor of the task or the model")
        ev = {"initial_loss": sig(start), "final_loss": sig(end), "relative_decrease": sig(decrease),
              "steps": len(fin), "window_medians": [sig(float(v)) for v in w]}
        advice = ("A flat loss has many causes: a learning rate too small, frozen or disconnected weights, dead ReLUs "
                  "or saturated activations, vanishing gradients, unnormalised inputs, or a wrong loss. The causes "
                  "below (if any) are ranked by evidence.")
        advice = _with_weight_decay(ctx, ev, "Look at the weight decay first", advice)
        return Outcome.found(Finding(
            self.id, f"training loss barely moves: {sig(start)} → {sig(end)} over {len(fin)} steps "
                     f"({-decrease:+.1%})",
            "warning", 0.7 if decrease < self.STUCK else 0.55, None, int(fin.step[0]), ev, advice,
            plots={"train/loss": "train/loss"}))


@register
class LossOscillating(Check):
    """``loss.oscillating``: the loss swings up and down without settling.

    Looks at the medians of 20 equal windows of the run (minibatch noise is absorbed
    by the medians) and counts the windows that climb back above the best window so
    far by more than ``SWING`` = 15% of the initial loss (and by more than minibatch
    noise explains, ``NOISE_SIGMAS`` standard errors of a window median). A healthy run's windows
    stay near their running best (0 such windows on the zoo's healthy runs, whose
    noise is a few percent of the initial loss); ``MIN_SWINGS`` = 3 make it oscillate.
    Normalising by the initial loss, not the local level, keeps small, noisy late
    losses from counting.
    """

    id = "loss.oscillating"
    needs = frozenset({"loss"})
    WINDOWS = 20
    SWING = 0.15
    MIN_SWINGS = 3
    MIN_STEPS = 40
    #: a window's median needs this many steps to be robust to minibatch noise
    MIN_WINDOW_STEPS = 8
    #: a swing must also exceed this many standard errors of a window median (minibatch noise)
    NOISE_SIGMAS = 4.0
    #: spiky form: the second half's 90th percentile above the initial loss (healthy runs of the
    #: zoo: at most 0.22 of it) with a p90-p10 spread above 1.5x its median (a flat noisy loss: ~0.5)
    SPIKE_LEVEL = 1.0
    SPIKE_SPREAD = 1.5
    #: a mixup run's swings must reach this many times ``SWING``, and its spikes do not count (see run)
    MIXED_SWING = 2.0

    def run(self, ctx: Context) -> Outcome:
        note = adversarial_note(ctx)
        if note:
            return Outcome.not_checked(note)
        fin, _ = last_phase_loss(ctx, self.MIN_STEPS)
        if len(fin) < self.MIN_STEPS:
            return Outcome.not_checked(f"only {len(fin)} finite loss values (needs {self.MIN_STEPS})")
        # mixup scores each mixed input against two label sets: a step's loss follows its mixing weight (a
        # confident answer for one label costs the other's cross-entropy), so window medians wander with the
        # weights drawn (a healthy digits MLP: windows 0.18 → 0.85 → 0.25); such a run must swing twice as far
        mixed = bool(ctx.run.events("mixed_targets"))
        n_windows = min(self.WINDOWS, len(fin) // self.MIN_WINDOW_STEPS)
        w = windows(fin.value, n_windows)
        scale = max(abs(float(w[0])), 1e-8)
        running_best = np.minimum.accumulate(w)[:-1]
        excess = (w[1:] - running_best) / scale
        # What minibatch noise alone moves a window median by: a flat but noisy loss is not oscillating.
        k = max(1, len(fin) // n_windows)
        noise = _window_median_noise(fin.value, k) / scale
        threshold = max(self.SWING * (self.MIXED_SWING if mixed else 1.0), self.NOISE_SIGMAS * noise)
        above = np.nonzero(excess > threshold)[0]
        swings = len(above)
        best = float(w.min())
        # Spiky form: single steps shoot far up and come back, which window medians smooth away.
        half = fin.value[len(fin) // 2:]
        p10, p50, p90 = (float(v) for v in np.percentile(half, [10, 50, 90]))
        initial = float(np.median(fin.value[:5]))
        spiky = p90 > self.SPIKE_LEVEL * abs(initial) and (p90 - p10) > self.SPIKE_SPREAD * max(abs(p50), 1e-8)
        if spiky and swings < self.MIN_SWINGS and not mixed:
            start = len(fin) // 2
            over = np.nonzero(fin.value[start:] > abs(initial))[0]
            first_spike = start + int(over[0]) if len(over) else start
            return Outcome.found(Finding(
                self.id, f"training loss keeps spiking: in the second half, 10% of the steps exceed the initial loss "
                         f"({sig(p90)} vs {sig(initial)}) while the median is {sig(p50)}",
                "warning", 0.75, None, int(fin.step[first_spike]),
                {"second_half_p10": sig(p10), "second_half_median": sig(p50), "second_half_p90": sig(p90),
                 "initial_loss": sig(initial)},
                "Oscillation usually means the learning rate is too large for this batch size: lower it (by 3-10x) or "
                "use a schedule that decays it; also check that the data are shuffled.",
                explains=["loss.not_converging"], plots={"train/loss": "train/loss"}))
        if swings < self.MIN_SWINGS:
            return Outcome.passed(f"{swings} windows climbed back above the running best; end {sig(float(w[-1]))} "
                                  f"vs best {sig(best)}")
        step = int(fin.step[min(len(fin) - 1, (int(above[0]) + 1) * len(fin) // self.WINDOWS)])
        return Outcome.found(Finding(
            self.id, f"training loss oscillates: {swings} of {n_windows - 1} windows climb back above the best "
                     f"so far (up to {sig(float(excess.max()) * scale)} above it)",
            "warning", min(0.9, 0.6 + 0.05 * swings), None, step,
            {"swinging_windows": swings, "noise_threshold": sig(float(threshold * scale)), "max_excess_over_best": sig(float(excess.max()) * scale),
             "best_window_loss": sig(best), "final_window_loss": sig(float(w[-1])), "initial_loss": sig(scale),
             "window_medians": [sig(float(v)) for v in w]},
            "Oscillation usually means the learning rate is too large for this batch size: lower it (by 3-10x) or "
            "use a schedule that decays it; also check that the data are shuffled.",
            explains=["loss.not_converging"], plots={"train/loss": "train/loss"}))


@register
class LossZero(Check):
    """``loss.zero``: the training loss at (or near) zero.

    The median of the last 10% of steps below ``ZERO`` = 5e-3 and below ``RELATIVE`` = 2%
    of the initial loss (healthy digits/cancer runs of the zoo end above 0.02). A warning
    when there is no validation to show otherwise (the seed: a zero training loss usually
    means overfitting); a note when the validation loss or accuracy agrees with training.
    When validation shows the gap, ``fit.overfitting`` carries the diagnosis. With no
    validation recorded, the training set's size decides: a note when it has more than
    one sample per ``PARAMS_PER_SAMPLE`` parameters (a conv net on thousands of signals
    reaching zero has learnt an easy task as often as memorised it), a warning when it
    is smaller or its size is unknown. A loss
    that ends below ``-ZERO`` is not at zero: it passes (a negative cross-entropy or
    MSE is ``graph.loss_function``'s to explain). Nor is a margin (hinge) loss, a mean of
    ``max(0, ...)`` (a triplet or ranking loss, read from the top of its autograd graph):
    zero is every margin met, its optimum.
    """

    id = "loss.zero"
    needs = frozenset({"loss"})
    ZERO = 5e-3
    RELATIVE = 0.02
    GAP = 5.0
    #: parameters per training sample above which a zero loss with no validation reads as memorisation
    #: (data.too_few_samples's bound)
    PARAMS_PER_SAMPLE = 100.0

    def run(self, ctx: Context) -> Outcome:
        fin = finite(ctx.loss)
        if len(fin) < 5:
            return Outcome.not_checked("too few loss values")
        start, end = head_tail(fin.value)
        if end > self.ZERO or end > self.RELATIVE * abs(start):
            return Outcome.passed(f"final training loss {sig(end)} (started at {sig(start)})")
        if end < -self.ZERO:
            # below zero is not memorisation: a likelihood of continuous values can be negative, and a loss that
            # cannot be (cross-entropy, MSE) is fed values outside its domain (graph.loss_function)
            return Outcome.passed(f"the training loss goes below zero ({sig(end)}, started at {sig(start)}): not a "
                                  f"loss at zero")
        graph = next(iter(ctx.run.events("loss_graph")), None)
        ops = (graph or {}).get("ops") or []
        if len(ops) >= 2 and ops[0] in ("MeanBackward0", "SumBackward0") and \
                ops[1] in ("ClampMinBackward0", "ReluBackward0"):
            # a hinge: mean(max(0, margin - ...)), a triplet or ranking loss; zero is every margin met, its optimum
            return Outcome.passed(f"the training loss, a margin (hinge) loss ({ops[1]} under {ops[0]}), reaches "
                                  f"{sig(end)}: every margin is met, which is its optimum, not memorisation")
        limit = min(self.ZERO, self.RELATIVE * abs(start))
        step = int(fin.step[np.nonzero(fin.value <= limit)[0][0]])
        ev = ctx.eval_series("loss")
        evidence = {"final_train_loss": sig(end), "initial_loss": sig(start), "first_step_at_zero": step}
        severity, conf = "warning", 0.7
        evf = finite(ev)
        _, va = _acc_series(ctx, "val")
        _, tr = _acc_series(ctx, "train")
        if len(evf):
            evidence["final_eval_loss"] = sig(float(evf.value[-1]))
            if not (evf.value[-1] > self.GAP * max(end, 1e-6) and evf.value[-1] > 0.05):
                severity, conf = "info", 0.4
        if va is not None and len(va):
            # the validation accuracy, where there is one, says whether memorising cost anything: a validation
            # loss well above a training loss near zero is usual when the accuracies agree (0.982 against 1.0)
            evidence["final_val_acc"] = sig(float(va.value[-1]))
            tr_end = float(tr.value[-1]) if tr is not None and len(tr) else 1.0
            severity, conf = ("info", 0.4) if float(va.value[-1]) >= tr_end - 0.05 else ("warning", 0.7)
        title = f"training loss reaches {sig(end)}, and validation agrees: the task is learnt, not memorised"
        if not len(evf) and (va is None or not len(va)):
            n, params = train_size(ctx), total_params(ctx)
            if n and params:
                evidence.update({"train_samples": n, "trainable_params": params})
            if n and params and params / n < self.PARAMS_PER_SAMPLE:
                severity, conf = "info", 0.4
                title = (f"training loss reaches {sig(end)} with no validation recorded; {n} samples for {params} "
                         f"parameters: not a model that can only memorise, but check on held-out data")
        if severity != "info":
            title = f"training loss reaches {sig(end)}: the model memorises the training set"
        return Outcome.found(Finding(
            self.id, title, severity, conf,
            None, step, evidence,
            "A near-zero training loss usually means memorisation: compare with the validation loss; add data or "
            "augmentation, regularise (weight decay, dropout), or stop earlier.",
            plots={"train/loss": "train/loss", "eval/loss": "eval/loss", "_log": True}))


def _ratio_matrix(ctx: Context, table: str, field: str, denom_table: str = "weight"):
    """``(steps, names, ratio[steps, params])`` of ``table.field / weight.norm`` for weight matrices."""
    t = ctx.run.table(table)
    w = ctx.run.table(denom_table)
    names = [n for n in weight_params(ctx) if n in t.keys and n in w.keys]
    if not names or not len(t) or not len(w):
        return None
    steps_t, mt = t.pivot(field)
    steps_w, mw = w.pivot("norm")
    common, it, iw = np.intersect1d(steps_t, steps_w, return_indices=True)
    if not len(common):
        return None
    ti = [t.keys.index(n) for n in names]
    wi = [w.keys.index(n) for n in names]
    num = mt[it][:, ti]
    den = mw[iw][:, wi]
    with np.errstate(divide="ignore", invalid="ignore"):
        return common, names, num / np.maximum(den, 1e-12)


def _median_update_ratio(ctx: Context, name: str | None) -> float | None:
    """Median over the run of ‖Δw‖/‖w‖ of one weight, or None when it was not recorded."""
    m = _ratio_matrix(ctx, "update", "norm") if name else None
    if m is None or name not in m[1]:
        return None
    col = m[2][:, m[1].index(name)]
    col = col[np.isfinite(col)]
    return float(np.median(col)) if len(col) else None


@register
class GradVanishing(Check):
    """``grad.vanishing``: gradients too small to move the weights.

    Uses ‖g‖/‖w‖ per weight matrix, median over the steps after the first 10%.
    ``ABS_RATIO`` = 1e-6: below it an SGD step with any sensible learning rate changes
    the weight by less than 1e-7 of itself. ``DEPTH_RATIO`` = 1e-3: the earliest layer's
    ratio a hundred times below the last layer's is the classic vanishing profile of
    deep sigmoid/tanh stacks (healthy nets of the zoo stay within 20x: the smallest
    first/last ratio among them is 0.05, a two-layer transformer's).

    The depth profile is taken within each model (a GAN's generator and discriminator are two networks, not
    one deep one), and embedding tables are left out of both rules: a step's gradient reaches only the rows
    of its batch's tokens, so their ratio is small by construction (1e-4 for a 1,000-word table trained with
    Adam, healthy).
    """

    id = "grad.vanishing"
    needs = frozenset({"grad", "weight"})
    ABS_RATIO = 1e-6
    DEPTH_RATIO = 1e-2
    MIN_LAYERS_FOR_DEPTH = 3

    #: gradients that start ``SHRANK`` times above where they end, while the loss ends below ``CONVERGED`` of its
    #: start, vanished because the fit converged (an L-BFGS full-batch fit: loss 0.97 -> 0.025, ratios 8e-7 at
    #: the end; probe L h02), not because they cannot reach the layer
    SHRANK = 100.0
    CONVERGED = 0.1

    def _shrank_as_converged(self, ctx: Context, r: np.ndarray, start: int, cols: list[int]) -> bool:
        if not cols or start < 1:
            return False
        loss = ctx.loss.value[np.isfinite(ctx.loss.value)]
        if len(loss) < 10:
            return False
        k = max(len(loss) // 10, 1)
        if not float(np.median(loss[-k:])) <= self.CONVERGED * float(np.median(loss[:k])):
            return False
        early = np.nanmedian(r[:start][:, cols], axis=0)
        late = np.nanmedian(r[start:][:, cols], axis=0)
        return bool(np.all(np.isfinite(early)) and np.all(early >= self.SHRANK * late))

    def run(self, ctx: Context) -> Outcome:
        m = _ratio_matrix(ctx, "grad", "norm")
        if m is None:
            return Outcome.not_checked("no gradient statistics of weight matrices")
        steps, names, r = m
        info = ctx.trainable_params()
        keep = [i for i, n in enumerate(names) if info.get(n, {}).get("module_class") not in EMBEDDING_CLASSES]
        if not keep:
            return Outcome.not_checked("only embedding tables, whose gradients reach the rows of a batch only")
        names, r = [names[i] for i in keep], r[:, keep]
        start = len(steps) // 10
        med = np.nanmedian(r[start:], axis=0) if len(steps) > 1 else r[0]
        if np.all(~np.isfinite(med)):
            return Outcome.passed("no finite gradient ratio (see loss.nan_inf)")
        order = module_forward_order(ctx)
        pm = param_module(ctx)
        pos = {n: (order.index(pm[n]) if pm.get(n) in order else i) for i, n in enumerate(names)}
        ranked = sorted(range(len(names)), key=lambda i: pos[names[i]])
        tiny = [names[i] for i in ranked if np.isfinite(med[i]) and 0 < med[i] < self.ABS_RATIO]
        if self._shrank_as_converged(ctx, r, start, [names.index(n) for n in tiny]):
            tiny = []
        roots = param_root(ctx)
        classes = {p: info.get("module_class") for p, info in ctx.trainable_params().items()}
        models: dict[int, list[int]] = {}
        for i in ranked:
            if names[i] in classes and classes[names[i]] not in LAYER_CLASSES:
                continue  # a bare parameter (a CLS token of zeros, a positional table) is no layer of the profile
            models.setdefault(roots.get(names[i], 0), []).append(i)
        first, last, depth = ranked[0], ranked[-1], math.inf  # the model with the steepest profile
        for layers in models.values():
            if len(layers) < self.MIN_LAYERS_FOR_DEPTH:
                continue
            f, l_ = layers[0], layers[-1]
            d = med[f] / med[l_] if med[l_] > 0 else math.inf
            if d < depth:
                first, last, depth = f, l_, d
        findings = []
        adaptive = None
        if len(tiny) >= max(1, len(names) // 2) or (tiny and tiny[0] == names[first]):
            loc = tiny[0]
            evidence = {"grad_to_weight_ratio": {n: sig(float(med[names.index(n)])) for n in names[:8]},
                        "threshold": self.ABS_RATIO, "vanishing_params": tiny[:8]}
            findings.append(Finding(
                self.id, f"gradients vanish: ‖grad‖/‖weight‖ of {loc} is {sig(float(med[names.index(loc)]))}",
                "warning", 0.75, loc, int(steps[start]), evidence,
                _with_weight_decay(ctx, evidence, "The weight decay pulls the weights to zero and the gradients "
                                   "with them", "Gradients this small cannot train the layer. Check for saturated "
                                   "sigmoid/tanh units, dead ReLUs, a too-deep stack without normalisation or "
                                   "residual connections, or an initialisation scale too small."),
                explains=["weight.change_too_small", "weight.not_updating", "loss.not_converging", "fit.underfitting"],
                plots={f"{loc} grad norm": {"table": "grad", "key": loc, "field": "norm"}, "_log": True}))
        elif depth < self.DEPTH_RATIO and med[first] > 0 and \
                (adaptive := self._adaptive_steps_keep_up(ctx, names[first], names[last], start)) is None:
            loc = names[first]
            findings.append(Finding(
                self.id, f"gradients vanish towards the input: {loc} gets {sig(float(depth))}x the gradient ratio of "
                         f"{names[last]}", "warning", 0.7, loc, int(steps[start]),
                {"first_layer_ratio": sig(float(med[first])), "last_layer_ratio": sig(float(med[last])),
                 "depth_ratio": sig(float(depth)), "threshold": self.DEPTH_RATIO},
                "The early layers barely learn: use ReLU-family activations, normalisation layers, residual "
                "connections, or a better-scaled initialisation (Kaiming/Xavier).",
                explains=["weight.change_too_small", "weight.not_updating", "loss.not_converging", "fit.underfitting"],
                plots={f"{loc} grad norm": {"table": "grad", "key": loc, "field": "norm"},
                       f"{names[last]} grad norm": {"table": "grad", "key": names[last], "field": "norm"}, "_log": True}))
        if not findings:
            profile = f"first/last layer {sig(float(depth))}" if math.isfinite(depth) else \
                f"no model with {self.MIN_LAYERS_FOR_DEPTH}+ weight layers for a depth profile"
            if math.isfinite(depth) and depth < self.DEPTH_RATIO and adaptive is not None:
                profile += (f", but the adaptive optimizer's steps of {names[first]} are {sig(adaptive)}x the last "
                            f"layer's relative to its weights: it learns")
            return Outcome.passed(f"gradient ratios {sig(float(np.nanmin(med)))}..{sig(float(np.nanmax(med)))}; {profile}")
        return Outcome.found(*findings)

    def _adaptive_steps_keep_up(self, ctx: Context, first: str, last: str, start: int) -> float | None:
        """Under adaptive optimizers only (Adam-like: each element's step is its gradient over its own running
        scale), small gradients still give full-size steps, so whether the first layer learns shows in its
        updates: the ratio of its median ‖Δw‖/‖w‖ to the last layer's, when that is within ``DEPTH_RATIO``
        (None otherwise, or without updates). A transformer's first attention projection gets 0.002-0.009x the
        gradient ratio of its head with Adam while its steps are 0.06-0.5x the head's (a healthy one, and one
        whose training accuracy reached 100%); the zoo's vanishing stacks train with SGD."""
        if not adaptive_optimizers_only(ctx):
            return None
        u = ctx.run.table("update")
        if not len(u) or first not in u.keys or last not in u.keys:
            return None
        steps, r = u.pivot("ratio")
        with np.errstate(all="ignore"):
            a, b = (np.nanmedian(r[start:, u.keys.index(n)]) for n in (first, last))
        if not (np.isfinite(a) and np.isfinite(b) and b > 0):
            return None
        return float(a / b) if a / b >= self.DEPTH_RATIO else None


@register
class GradExploding(Check):
    """``grad.exploding``: gradients very large or growing.

    ``GROWTH`` = 100: the global gradient norm rising a hundredfold over its median of
    the first steps (healthy runs of the zoo: the norm shrinks or stays within 10x).
    ``RATIO`` = 1.0: a gradient as large as the weight itself means one SGD step with
    lr 0.1 moves the weight by 10%, far above the healthy band. Under adaptive
    optimizers only, large but steady gradients whose updates stay below
    ``CALM_UPDATE`` pass: Adam normalises their scale away (a regression on raw-scale
    targets trains fine so); under SGD their scale is the step's.
    """

    id = "grad.exploding"
    needs = frozenset({"grad"})
    GROWTH = 100.0
    RATIO = 1.0
    #: a gradient ten times the weight: one SGD step at lr 0.01 already moves it by 10%
    HUGE_RATIO = 10.0
    #: cross-entropy gradients of a healthy net have norms of order 1 (bounded by the hidden
    #: activations' norm for the last layer); the zoo's healthy runs peak below 5
    ABS_NORM = 10.0
    #: large but steady gradients pass when the updates they give stay within the healthy band's top
    CALM_UPDATE = 1e-2

    #: steps above the growth line at most, for spikes that training survived (not an explosion): this many, or
    #: ``SPIKE_SHARE`` of the steps, each isolated (at most ``SPIKE_RUN`` in a row) ...
    SPIKE_STEPS = 2
    SPIKE_SHARE = 0.01
    SPIKE_RUN = 2
    #: ... where the training loss ended at most this share of where it started
    SURVIVED_LOSS = 0.5

    def _survived_spikes(self, ctx: Context, over: np.ndarray) -> bool:
        """A growth that is a few isolated steps (``SPIKE_STEPS``, or ``SPIKE_SHARE`` of a long run, none longer
        than ``SPIKE_RUN`` steps in a row), in a run whose loss stayed finite and ended below ``SURVIVED_LOSS`` of
        its start: rare hard samples under heavy class weights (8.5 for the 6% class: probe P h04, an LSTM at
        0.999, two to six single steps at 100x its plateau's tiny gradient in 945, from one recording to the
        next), not an explosion, which compounds over steps or ends in NaN."""
        runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], over.astype(np.int8), [0]]))))[::2]
        if int(np.sum(over)) > max(self.SPIKE_STEPS, self.SPIKE_SHARE * len(over)) or \
                (len(runs) and int(runs.max()) > self.SPIKE_RUN) or first_nonfinite_step(ctx.loss) is not None:
            return False
        prog = head_tail(ctx.loss.value) if len(ctx.loss) >= 8 else None
        return prog is not None and prog[0] > 0 and prog[1] <= self.SURVIVED_LOSS * prog[0]

    def run(self, ctx: Context) -> Outcome:
        g = ctx.run.table("grad")
        steps, norms = g.pivot("norm")
        if not len(steps):
            return Outcome.not_checked("no gradient statistics")
        with np.errstate(invalid="ignore"):
            total = np.sqrt(np.nansum(np.where(np.isfinite(norms), norms, np.nan) ** 2, axis=1))
        # growth is judged within each training phase (another optimizer took over): an autoencoder's
        # reconstruction gradients (0.047) are no baseline for the classifier fine-tuned after it (8.8; probe K h03)
        base, peak_i, in_phase = 0.0, 0, np.arange(len(steps))
        for seg in _phase_segments(ctx, steps):
            k = max(2, len(seg) // 20)
            b = float(np.median(total[seg][:k]))
            i = int(seg[np.nanargmax(total[seg])]) if np.isfinite(total[seg]).any() else int(seg[0])
            if b > 0 and (base <= 0 or total[i] / b > total[peak_i] / base):
                base, peak_i, in_phase = b, i, seg
        if base <= 0 and np.isfinite(total).any():
            peak_i = int(np.nanargmax(total))
        peak = float(total[peak_i])
        m = _ratio_matrix(ctx, "grad", "norm")
        ratio_peak, ratio_loc, ratio_step = 0.0, None, None
        if m is not None:
            rs, names, r = m
            rr = np.where(np.isfinite(r), r, np.nan)
            if np.isfinite(rr).any():
                with warnings.catch_warnings():  # all-NaN columns: a parameter whose gradients went NaN at once
                    warnings.simplefilter("ignore", RuntimeWarning)
                    med = np.nanmedian(rr[len(rs) // 10:], axis=0) if len(rs) > 1 else rr[0]
                    if not np.isfinite(med).any():  # finite only in the first tenth (NaN from the next steps)
                        med = np.nanmedian(rr, axis=0)
                j = int(np.nanargmax(med))
                ratio_peak, ratio_loc = float(med[j]), names[j]
                over = np.nonzero(rr[:, j] > self.RATIO)[0]
                ratio_step = int(rs[over[0]]) if len(over) else None
        grew = base > 0 and peak > self.GROWTH * base
        if grew and self._survived_spikes(ctx, total[in_phase] > self.GROWTH * base):
            grew = False
        # a large ratio on a tiny weight is not a large gradient: the norm itself must be large too
        big = ratio_peak > self.RATIO and np.isfinite(total).any() and float(np.nanmax(total)) > self.ABS_NORM
        huge = big and ratio_peak > self.HUGE_RATIO
        if not (grew or big):
            return Outcome.passed(f"global gradient norm {sig(base)} at start, peak {sig(peak)}")
        calm = None if grew or not adaptive_optimizers_only(ctx) else _median_update_ratio(ctx, ratio_loc)
        if calm is not None and calm <= self.CALM_UPDATE:
            # large but steady gradients under Adam & co., whose steps stay in the healthy band: the optimizer
            # normalises their scale away (a regression on raw-scale targets trains fine so). Under SGD the
            # gradient's scale is the step's: large gradients are the symptom even when a tiny lr hides them
            return Outcome.passed(f"gradients are large (median ‖grad‖/‖weight‖ {sig(ratio_peak)} at {ratio_loc}) "
                                  f"but steady, and the adaptive optimizer's steps are not (median ‖Δw‖/‖w‖ "
                                  f"{sig(calm)})")
        loc = ratio_loc
        if grew:
            per = norms[peak_i]
            if np.isfinite(per).any():
                loc = g.keys[int(np.nanargmax(per))]
        step = int(steps[in_phase[np.nonzero(total[in_phase] > self.GROWTH * base)[0][0]]]) if grew else ratio_step
        return Outcome.found(Finding(
            self.id, f"gradients explode: global norm {sig(base)} → {sig(peak)}" if grew else
            f"gradients as large as the weights: median ‖grad‖/‖weight‖ {sig(ratio_peak)} at {ratio_loc}",
            "error" if grew or huge else "warning", 0.8 if grew or huge else 0.6, loc, step,
            {"initial_grad_norm": sig(base), "peak_grad_norm": sig(peak), "peak_step": int(steps[peak_i]),
             "max_grad_to_weight_ratio": sig(ratio_peak)},
            "Clip gradients (torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)), lower the learning rate, "
            "and check the initialisation scale and the inputs' scale.",
            explains=["weight.change_too_large", "loss.oscillating"],
            plots={"grad norm (largest layer)": {"table": "grad", "key": loc, "field": "norm"}, "_log": True}))


def _phase_segments(ctx: Context, steps: np.ndarray) -> list[np.ndarray]:
    """The indices of ``steps`` in each training phase (a phase starts where another optimizer takes over: a
    pre-training, then a probe, then a fine-tuning), in order; one segment for a run of one phase."""
    starts = sorted({int(e["step"]) for e in ctx.run.events("phase") if e.get("step") is not None})
    edges = np.searchsorted(steps, starts)
    return [seg for seg in np.split(np.arange(len(steps)), edges) if len(seg)]


@register
class WeightNotUpdating(Check):
    """``weight.not_updating``: trainable weights that never change.

    A parameter with ``requires_grad`` whose update norm is exactly zero on at least
    ``MIN_FRACTION`` (90%) of the recorded steps: floating-point updates are never
    exactly zero by chance, so this has no healthy counterpart. Except a bias the loss
    does not depend on: its gradient is zero (below ``NO_EFFECT`` times its layer's
    weight gradient) while that weight's is not and it changes. A shift of the layer's
    output cancels in the loss: the bias before a BatchNorm, the last bias of an
    embedding trained with a triplet or ranking loss (distances and differences of two
    outputs of the same layer). Harmless, and no setting makes it train.
    """

    id = "weight.not_updating"
    needs = frozenset({"update"})
    MIN_FRACTION = 0.9
    MIN_STEPS = 3
    #: A bias gradient this many times smaller than its layer's weight gradient is a shift the loss cancels
    #: (float32 rounding leaves ~1e-8 of such a cancellation; a bias that matters is within 1e-3 of its weight).
    NO_EFFECT = 1e-6

    def run(self, ctx: Context) -> Outcome:
        u = ctx.run.table("update")
        steps, norms = u.pivot("norm")
        if len(steps) < self.MIN_STEPS:
            return Outcome.not_checked(f"only {len(steps)} steps of updates")
        params = ctx.trainable_params()
        helpers = {n for names in helper_models(ctx).values() for n in names}  # frozen on purpose
        stuck = []
        for j, name in enumerate(u.keys):
            info = params.get(name, {})
            if info and not info.get("requires_grad", True) or name in helpers:
                continue
            col = norms[:, j]
            col = col[~np.isnan(col)]
            if len(col) >= self.MIN_STEPS and (col == 0).mean() >= self.MIN_FRACTION:
                stuck.append(name)
        shifts = self._cancelled_shifts(ctx, stuck, u.keys, norms)
        stuck = [n for n in stuck if n not in shifts]
        zero_in = self._zero_inputs(ctx, stuck)
        if stuck and len(zero_in) == len(stuck):
            return Outcome.found(Finding(
                self.id, f"{', '.join(stuck[:4])}{'…' if len(stuck) > 4 else ''} "
                         f"{'gets' if len(stuck) == 1 else 'get'} a gradient of exactly zero at every step "
                         f"while the rest of {'its layer' if len(stuck) == 1 else 'their layers'} "
                         f"learns: the input {'it multiplies' if len(stuck) == 1 else 'they multiply'} is all zeros",
                "info", 0.5, stuck[0], int(steps[0]),
                {"params": stuck[:20], "count": len(stuck), "zero_gradient": True, "steps_checked": len(steps)},
                "Harmless where the zeros are meant (a decoder driven by its hidden state alone, a padding input); "
                "if that input was meant to carry data (teacher forcing, a feature), it never arrives: check what "
                "the layer is fed.",
                plots={f"{stuck[0]} gradient norm": {"table": "grad", "key": stuck[0], "field": "norm"}}))
        if not stuck:
            n = sum(1 for k in u.keys if k not in helpers)
            return Outcome.passed(f"all {n} trainable tensors change" + (
                f" ({len(helpers)} of frozen helper models left out)" if helpers else "") + (
                f" (but {', '.join(sorted(shifts))}: a shift the loss cancels, no gradient)" if shifts else ""))
        total = sum(params.get(n, {}).get("numel", 0) for n in stuck)
        return Outcome.found(Finding(
            self.id, f"{len(stuck)} trainable tensor(s) never change: {', '.join(stuck[:4])}"
                     + ("…" if len(stuck) > 4 else ""),
            "warning", 0.85, stuck[0], int(steps[0]),
            {"params": stuck[:20], "count": len(stuck), "numel": total, "steps_checked": len(steps)},
            "These weights are trainable but nothing updates them: are they in the optimizer's param groups, do they "
            "receive a gradient (is their output used in the loss), and is the learning rate of their group > 0?",
            explains=["loss.not_converging", "fit.underfitting"],
            plots={f"{stuck[0]} update norm": {"table": "update", "key": stuck[0], "field": "norm"}}))

    def _zero_inputs(self, ctx: Context, stuck: list[str]) -> set[str]:
        """The weights among ``stuck`` whose gradient was recorded and exactly zero at every step, while another
        tensor of the same layer (its bias, an LSTM's hidden-to-hidden weight) got one: a weight only reaches
        the loss through its input, so that input is all zeros (probe E h12, a decoder LSTM fed zeros, R² 0.95:
        its weight_ih never moves). Not the optimizer's doing, so the advice to check param groups misleads. A
        layer whose every tensor gets no gradient (a rounding in the forward, a branch cut off) is not one."""
        g = ctx.run.table("grad")
        if not stuck or g is None or not len(g):
            return set()
        _, gn = g.pivot("norm")
        moving = set()
        zero = set()
        for j, k in enumerate(g.keys):
            col = gn[:, j]
            col = col[np.isfinite(col)]
            if len(col) < self.MIN_STEPS:
                continue
            if np.all(col == 0):
                zero.add(k)
            elif np.any(col > 0):
                moving.add(k.rsplit(".", 1)[0])
        return {n for n in stuck if "weight" in n.rsplit(".", 1)[-1] and n in zero and n.rsplit(".", 1)[0] in moving}

    def _cancelled_shifts(self, ctx: Context, stuck: list[str], keys: list[str], norms: np.ndarray) -> set[str]:
        """The biases among ``stuck`` whose shift of their layer's output cancels in the loss, so that they get no
        gradient: harmless (if wasteful), and no setting makes them train, so not a finding. Seen in the graph, a
        layer whose output goes straight into a BatchNorm (which subtracts the batch mean); or measured, a bias
        gradient below ``NO_EFFECT`` times its layer's weight gradient while that weight changes (an embedding's
        last bias under a triplet loss)."""
        order = module_forward_order(ctx)
        classes = {m["name"]: m["class"] for m in ctx.modules()}
        before_norm = {f"{a}.bias" for a, b in zip(order, order[1:]) if "BatchNorm" in classes.get(b, "")}
        out = {n for n in stuck if n in before_norm}
        biases = [n for n in stuck if n not in out and n.endswith("bias") and n[:-4] + "weight" in keys
                  and n[:-4] + "weight" not in stuck]
        g = ctx.run.table("grad") if biases else None
        if g is None or not len(g):
            return out
        _, gn = g.pivot("norm")
        for b in biases:
            w = b[:-4] + "weight"
            if b not in g.keys or w not in g.keys:
                continue
            gb, gw = gn[:, g.keys.index(b)], gn[:, g.keys.index(w)]
            ok = np.isfinite(gb) & np.isfinite(gw) & (gw > 0)
            moved = norms[:, keys.index(w)]
            if ok.sum() >= self.MIN_STEPS and np.nanmax(moved) > 0 and \
                    np.median(gb[ok] / gw[ok]) <= self.NO_EFFECT:
                out.add(b)
        return out


class _UpdateRatio(Check):
    needs = frozenset({"update", "weight"})

    def ratios(self, ctx: Context):
        u = ctx.run.table("update")
        names = [n for n in weight_params(ctx) if n in u.keys]
        if not names:
            return None
        steps, r = u.pivot("ratio")
        cols = [u.keys.index(n) for n in names]
        r = r[:, cols]
        params = ctx.trainable_params()
        size = np.array([params.get(n, {}).get("numel", 1) for n in names], dtype=np.float64)
        return steps, names, r, size


@register
class WeightChangeTooSmall(_UpdateRatio):
    """``weight.change_too_small``: ‖Δw‖/‖w‖ far below the healthy band (1e-4..1e-2).

    ``RATIO`` = 1e-5, ten times below the band's floor, for the median over steps of
    the weight matrices holding most of the parameters (``MIN_SHARE`` = 50%).
    Exactly-zero updates are ``weight.not_updating``'s, not counted here.
    """

    id = "weight.change_too_small"
    RATIO = 1e-5
    MIN_SHARE = 0.5
    MIN_STEPS = 5

    def run(self, ctx: Context) -> Outcome:
        got = self.ratios(ctx)
        if got is None or len(got[0]) < self.MIN_STEPS:
            return Outcome.not_checked("too few update statistics")
        steps, names, r, size = got
        rr = np.where(r > 0, r, np.nan)
        with np.errstate(all="ignore"):
            med = np.nanmedian(rr, axis=0)
        ok = np.isfinite(med)
        if not ok.any():
            return Outcome.passed("no non-zero updates to judge (see weight.not_updating)")
        small = ok & (med < self.RATIO)
        share = size[small].sum() / size[ok].sum()
        if share < self.MIN_SHARE:
            return Outcome.passed(f"median update/weight ratios {sig(float(np.nanmin(med)))}..{sig(float(np.nanmax(med)))}")
        j = int(np.nanargmin(np.where(small, med, np.nan)))
        return Outcome.found(Finding(
            self.id, f"weights change too little: median ‖Δw‖/‖w‖ {sig(float(med[j]))} at {names[j]} "
                     f"(healthy 1e-4..1e-2)", "warning", 0.75, names[j], int(steps[0]),
            {"median_update_ratio": {names[i]: sig(float(med[i])) for i in range(len(names)) if ok[i]},
             "threshold": self.RATIO, "share_of_parameters": sig(float(share))},
            "Updates are tiny relative to the weights: raise the learning rate (often 10-100x), check that it is "
            "not scaled down by a scheduler or a huge weight decay, and that gradients are not vanishing.",
            explains=["loss.not_converging", "fit.underfitting"],
            plots={f"{names[j]} update ratio": {"table": "update", "key": names[j], "field": "ratio"}, "_log": True}))


@register
class WeightChangeTooLarge(_UpdateRatio):
    """``weight.change_too_large``: ‖Δw‖/‖w‖ far above the healthy band (1e-4..1e-2).

    Three ways, per weight matrix: the median over steps above ``RATIO`` = 0.1
    (MindInsight's ``weight_change_too_large`` default), the 90th percentile above
    ``P90_RATIO`` = 0.12, or one step above ``SPIKE`` = 0.5 (half the weight rewritten at
    once). The zoo's healthy runs reach p90 0.10 (a small two-process MLP at a high but stable
    rate) and single steps of 0.11; runs with a learning rate too large show p90 0.11-0.3 or
    steps near 1.
    Small output layers are the exception, hence ``MIN_SHARE`` and ``REWRITE``. So is
    a quasi-Newton optimizer (``LBFGS``): each of its steps runs up to ``max_iter``
    iterations with a line search, and rewriting much of the weight in one step is its
    design; it is reported only when the loss did not end below where it began. A weight
    that grows from a small initialisation to ``GROWN`` times its first norm is judged from
    where it has grown (``_grown_from_small``).
    """

    id = "weight.change_too_large"
    #: optimizers whose step() is a whole inner optimisation
    MULTI_ITERATION = ("LBFGS",)
    RATIO = 0.1
    P90_RATIO = 0.12
    SPIKE = 0.5
    #: small layers (a 84x10 output layer) have large ratios in healthy runs (a MindSpore LeNet:
    #: p90 0.12 on fc2): the flagged weights must hold this share of the weight parameters...
    MIN_SHARE = 0.3
    #: ...unless one step changed a weight by more than its own norm
    REWRITE = 1.0
    MIN_STEPS = 3

    #: a weight that starts below ``SMALL_INIT`` times the scale of PyTorch's default initialisation for its
    #: layer and whose norm ends ``GROWN`` times its first or more is growing from a small initialisation
    #: (embeddings drawn with std 0.01 under Adagrad: 0.9 -> 56, probe K h07): its ratios count from where its
    #: norm reached ``GROWN_FROM`` of its last, the early steps being large against a weight still near zero. A
    #: weight at the default scale that grows tenfold (a learning rate too large) is judged at every step.
    SMALL_INIT = 0.2
    GROWN = 10.0
    GROWN_FROM = 0.5

    def _grown_from_small(self, ctx: Context, steps: np.ndarray, names: list[str]) -> dict[int, int]:
        w = ctx.run.table("weight")
        if not len(w):
            return {}
        wsteps, norms = w.pivot("norm")
        params = ctx.trainable_params()
        out = {}
        for j, n in enumerate(names):
            p = params.get(n) or {}
            shape = p.get("shape") or []
            if n not in w.keys or not shape or not p.get("numel"):
                continue
            # the RMS of PyTorch's default: N(0, 1) for an embedding, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) else
            fan_in = p["numel"] / shape[0] if len(shape) > 1 else p["numel"]
            default = 1.0 if "Embedding" in str(p.get("module_class")) else 1.0 / np.sqrt(3.0 * max(fan_in, 1))
            col = norms[:, w.keys.index(n)]
            ok = np.isfinite(col)
            if ok.sum() < self.MIN_STEPS:
                continue
            first, last = float(col[ok][0]), float(col[ok][-1])
            if first <= 0 or last < self.GROWN * first or first / np.sqrt(p["numel"]) >= self.SMALL_INIT * default:
                continue
            reached = np.nonzero(ok & (col >= self.GROWN_FROM * last))[0]
            if len(reached) and len(steps[steps >= wsteps[reached[0]]]) >= self.MIN_STEPS:
                out[j] = int(wsteps[reached[0]])
        return out

    def run(self, ctx: Context) -> Outcome:
        got = self.ratios(ctx)
        if got is None or len(got[0]) < self.MIN_STEPS:
            return Outcome.not_checked("too few update statistics")
        steps, names, r, size = got
        rr = np.where(np.isfinite(r), r, np.nan)
        grown = self._grown_from_small(ctx, steps, names)
        for j, first in grown.items():  # judged once grown: before, each step is large against a tiny weight
            rr[steps < first, j] = np.nan
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.nanmedian(rr, axis=0)
                p90 = np.nanpercentile(rr, 90, axis=0)
                peak = np.nanmax(rr, axis=0)
        flagged = (np.isfinite(med) & (med > self.RATIO)) | (np.isfinite(p90) & (p90 > self.P90_RATIO)) | \
                  (np.isfinite(peak) & (peak > self.SPIKE))
        share = float(size[flagged].sum() / max(size.sum(), 1.0))
        rewritten = np.isfinite(peak) & (peak > self.REWRITE)
        if not (flagged.any() and (share >= self.MIN_SHARE or rewritten.any())):
            return Outcome.passed(f"update/weight ratios: median up to {sig(float(np.nanmax(med)))}, p90 up to "
                                  f"{sig(float(np.nanmax(p90)))}, largest step {sig(float(np.nanmax(peak)))}")
        multi = sorted({e.get("class") for e in ctx.run.events("optimizer")} & set(self.MULTI_ITERATION))
        loss = ctx.loss.value
        if multi and len(loss) >= 2 and np.isfinite(loss).all() and loss[-1] < loss[0]:
            return Outcome.passed(f"large steps ({sig(float(np.nanmax(peak)))} of a weight's norm) are {multi[0]}'s "
                                  f"line searches, and the loss fell from {sig(float(loss[0]))} to {sig(float(loss[-1]))}")
        j = int(np.nanargmax(np.where(flagged, p90, np.nan)))
        over = np.nonzero(rr[:, j] > self.P90_RATIO)[0]
        step = int(steps[over[0]]) if len(over) else int(steps[0])
        strong = med[j] > self.RATIO or p90[j] > 2 * self.P90_RATIO
        evidence = {"median_update_ratio": sig(float(med[j])), "p90_update_ratio": sig(float(p90[j])),
                    "largest_update_ratio": sig(float(peak[j])), "largest_step": int(steps[int(np.nanargmax(rr[:, j]))]),
                    "flagged_params": [names[i] for i in np.nonzero(flagged)[0][:8]], "share_of_parameters": sig(share),
                    "thresholds": {"median": self.RATIO, "p90": self.P90_RATIO, "step": self.SPIKE}}
        # a decay that shrinks the weights towards zero makes every step large against what is left of them
        advice = _with_weight_decay(ctx, evidence, "The weight decay shrinks the weights towards zero, so each step "
                                    "is large against them", "Each step rewrites a large part of the weights: lower "
                                    "the learning rate, add warm-up, or clip gradients.")
        return Outcome.found(Finding(
            self.id, f"weights change too much per step at {names[j]}: ‖Δw‖/‖w‖ median {sig(float(med[j]))}, "
                     f"p90 {sig(float(p90[j]))}, largest {sig(float(peak[j]))} (healthy 1e-4..1e-2)",
            "warning", 0.75 if strong else 0.6, names[j], step, evidence, advice,
            plots={f"{names[j]} update ratio": {"table": "update", "key": names[j], "field": "ratio"}, "_log": True}))


def _act_matrix(ctx: Context, field: str):
    act = ctx.run.table("activation")
    if not len(act):
        return None
    steps, m = act.pivot(field)
    return act, steps, m


def _compiled(ctx: Context) -> str | None:
    """A note when a model ran under ``torch.compile``: the collector sees its output, weights, gradients
    and loss, but not the activations inside it, so "no such activation" is not a pass."""
    roots = sorted({str(e.get("root")) for e in ctx.run.events("compiled")})
    return f"{', '.join(roots)} ran under torch.compile: the activations inside it are not recorded" \
        if roots else None


def _later_half(col: np.ndarray) -> np.ndarray:
    """The later half of the steps where a column was recorded. Fractions of activations come on full
    steps only (the first 5, then a budgeted cadence): in a short, fast run the second half of the steps
    can hold none of them, and it depends on the machine's load whether it does."""
    col = col[np.isfinite(col)]
    return col[len(col) // 2:]


@register
class ActivationSaturated(Check):
    """``activation.saturated``: sigmoid/tanh outputs stuck within 1e-3 of their bounds.

    ``FRACTION`` = 0.5 of the units saturated, median over the later half of the steps that recorded it,
    in a hidden activation (the network's last module is excluded: a confident
    classifier's output sigmoid is meant to sit at its bounds).
    """

    id = "activation.saturated"
    needs = frozenset({"activation"})
    FRACTION = 0.5

    def run(self, ctx: Context) -> Outcome:
        got = _act_matrix(ctx, "sat_frac")
        if got is None:
            return Outcome.not_checked("no activation statistics")
        act, steps, m = got
        order = module_forward_order(ctx)
        last = order[-1:]  # the network's output: a confident classifier's sigmoid belongs at its bounds
        worst, worst_v = None, 0.0
        checked = 0
        for j, key in enumerate(act.keys):
            col = _later_half(m[:, j])
            if not len(col) or key in last:
                continue
            checked += 1
            v = float(np.median(col))
            if v > worst_v:
                worst, worst_v = key, v
        if not checked:
            compiled = _compiled(ctx)
            return Outcome.not_checked(compiled) if compiled else Outcome.passed("no hidden sigmoid/tanh activation")
        if worst is None or worst_v < self.FRACTION:
            return Outcome.passed(f"largest saturated fraction {sig(worst_v)}")
        j = act.keys.index(worst)
        first = np.nonzero(m[:, j] >= self.FRACTION)[0]
        return Outcome.found(Finding(
            self.id, f"{worst} is saturated: {worst_v:.0%} of its outputs sit at the bounds",
            "warning", 0.75, worst, int(steps[first[0]]) if len(first) else None,
            {"saturated_fraction": sig(worst_v), "threshold": self.FRACTION},
            "Saturated sigmoid/tanh units pass almost no gradient: normalise the inputs, lower the initial weight "
            "scale, use ReLU-family activations in hidden layers, or add normalisation layers.",
            explains=["grad.vanishing", "weight.change_too_small", "loss.not_converging", "fit.underfitting"],
            plots={f"{worst} saturated fraction": {"table": "activation", "key": worst, "field": "sat_frac"}}))


@register
class ActivationDeadRelu(Check):
    """``activation.dead_relu``: ReLU units never active over a batch.

    ``FRACTION`` = 0.7 of a ReLU's units (features or channels) never positive over the
    sampled batch rows, median over the later half of the steps that recorded it. Healthy nets of the zoo
    stay below 0.35; a ReLU fed only negatives, or killed by a large step, goes to 0.9+.
    """

    id = "activation.dead_relu"
    needs = frozenset({"activation"})
    FRACTION = 0.7

    def run(self, ctx: Context) -> Outcome:
        got = _act_matrix(ctx, "dead_frac")
        if got is None:
            return Outcome.not_checked("no activation statistics")
        act, steps, m = got
        worst, worst_v, checked = None, 0.0, 0
        order = module_forward_order(ctx)
        for j, key in enumerate(act.keys):
            col = _later_half(m[:, j])
            if not len(col):
                continue
            checked += 1
            v = float(np.median(col))
            if v > worst_v or (v == worst_v and worst is not None and key in order and worst in order
                               and order.index(key) < order.index(worst)):
                worst, worst_v = key, v
        if not checked:
            compiled = _compiled(ctx)
            return Outcome.not_checked(compiled) if compiled else Outcome.passed("no ReLU activation recorded")
        if worst is None or worst_v < self.FRACTION:
            return Outcome.passed(f"largest dead-unit fraction {sig(worst_v)}")
        j = act.keys.index(worst)
        first = np.nonzero(m[:, j] >= self.FRACTION)[0]
        return Outcome.found(Finding(
            self.id, f"{worst}: {worst_v:.0%} of the ReLU units never activate", "warning", 0.8, worst,
            int(steps[first[0]]) if len(first) else None,
            {"dead_fraction": sig(worst_v), "threshold": self.FRACTION,
             "zero_fraction": sig(float(np.nanmedian(ctx.run.table('activation').series(worst, 'zero_frac').value)))},
            "Dead ReLUs output zero and get no gradient: check what feeds them (inputs all negative? a large negative "
            "bias?), lower the learning rate, or use LeakyReLU/GELU.",
            explains=["weight.not_updating", "grad.vanishing", "weight.change_too_small", "loss.not_converging",
                      "fit.underfitting"],
            plots={f"{worst} dead fraction": {"table": "activation", "key": worst, "field": "dead_frac"}}))


@register
class TensorOverflow(Check):
    """``tensor.overflow``: NaN/Inf (or values at float16's limit) inside the network.

    Under dynamic loss scaling a few skipped steps are harmless (the scaler lowers its
    scale and goes on): if the loss stays finite and fewer than ``SKIP_TOLERANCE``
    (10%) of the steps were skipped, it is reported as information only.
    """

    id = "tensor.overflow"
    needs = frozenset({"activation"})
    SKIP_TOLERANCE = 0.1
    FP16_LIMIT = 65504.0

    def run(self, ctx: Context) -> Outcome:
        origin = nonfinite_origin(ctx)
        act = ctx.run.table("activation")
        if origin is None or origin.get("phase") == "loss":
            big = np.abs(np.concatenate([act.col("max"), act.col("min")])) if len(act) else np.zeros(0)
            half = any(p.get("dtype") == "float16" for p in ctx.trainable_params().values())
            if half and len(big) and np.nanmax(big) >= 0.5 * self.FP16_LIMIT:
                i = int(np.nanargmax(np.abs(act.col("max"))))
                return Outcome.found(Finding(
                    self.id, f"float16 activations at the dtype's limit in {act.keys[int(act.key[i])]}", "warning",
                    0.6, act.keys[int(act.key[i])], int(act.step[i]), {"max_abs": sig(float(np.nanmax(big)))},
                    "Values near 65504 overflow in float16: use bfloat16 or float32 for this part, or rescale."))
            note = "no non-finite tensor inside the network"
            if origin is not None:
                note += " (the loss function produced the NaN/Inf)"
            compiled = _compiled(ctx)
            if compiled:
                note = f"no non-finite model output, weight or gradient ({compiled})"
            return Outcome.passed(note)
        skipped = ctx.run.scalar("amp/skipped")
        loss_ok = first_nonfinite_step(ctx.loss) is None
        text, location = _origin_text(origin)
        ev = {"step": origin["step"], "phase": origin["phase"], "origin": text, "stats": origin.get("stats")}
        event = origin.get("event") or {}
        if event.get("inputs"):
            ev["inputs"] = event["inputs"][:3]
        if len(skipped) and loss_ok and float(np.mean(skipped.value)) < self.SKIP_TOLERANCE:
            return Outcome.found(Finding(
                self.id, f"transient overflow under dynamic loss scaling ({int(skipped.value.sum())} skipped steps)",
                "info", 0.5, location, origin["step"], {**ev, "skipped_steps": int(skipped.value.sum())},
                "Harmless: the GradScaler skipped those steps and lowered its scale."))
        # An op inside the forward pass that turns finite inputs into NaN/Inf is the origin of the
        # non-finite loss; weights destroyed by an update are a consequence of the loss diverging.
        inside = origin["phase"] == "forward"
        return Outcome.found(Finding(
            self.id, f"NaN/Inf inside the network from step {origin['step']}: {text}", "error",
            0.97 if inside else 0.8, location, origin["step"], ev,
            "Inspect the named module's inputs at that step: a zero divisor, the log of zero or a negative, the sqrt "
            "of a negative, an exp overflow, or weights already destroyed by a too-large update.",
            explains=["loss.nan_inf"] if inside else [], plots={"train/loss": "train/loss", "_log": True}))


def _acc_series(ctx: Context, stage: str):
    from ..report.accuracy import metric_series

    return metric_series(ctx, f"{stage}_acc")


#: validation accuracy at or below this multiple of chance (1 / classes) at every evaluation
CHANCE_FACTOR = 1.5


def validation_at_chance(ctx: Context) -> dict | None:
    """The training accuracy reached 0.8 while the validation accuracy never rose above ``CHANCE_FACTOR`` times
    chance (1 / classes) at any evaluation: ``{train_acc, best_val_acc, chance, evaluations}``, else None.
    Overfitting lifts validation above chance before it drops it; never above it is inputs scored against
    labels that are not theirs (shuffled or sorted apart, another split's labels), in training or in
    validation: stopping earlier or regularising cannot help."""
    def compute() -> dict | None:
        _, tr = _acc_series(ctx, "train")
        _, va = _acc_series(ctx, "val")
        classes = num_classes_seen(ctx)
        if tr is None or va is None or not len(va) or not len(tr) or not classes:
            return None
        tr_end = last_tenth_mean(tr.value)
        best = float(np.max(va.value))
        if tr_end < 0.8 or best > CHANCE_FACTOR / classes:
            return None
        base = FitUnderfitting.train_baseline(ctx)
        if base and tr_end < FitUnderfitting.threshold(base["acc"], per_label(ctx)):
            # no better than answering the training majority (95% of one class): the model learnt nothing of the
            # inputs, and a balanced validation set scores that at chance (data.class_imbalance's to say)
            return None
        out = {"train_acc": tr_end, "best_val_acc": best, "chance": 1.0 / classes, "evaluations": int(len(va))}
        first = first_epoch_accuracy(ctx)
        if first is not None:
            out["first_epoch_acc"] = first
        conf = next((e["confusion"] for e in reversed(ctx.run.events("eval")) if e.get("confusion")), None)
        if conf:
            c = np.asarray(conf, np.float64)
            if c.sum() > 0:
                # the share of predictions that would have to change class for their histogram to be the labels'
                out["predictions_apart"] = float(0.5 * np.abs(c.sum(1) - c.sum(0)).sum() / c.sum())
        return out
    return ctx.cached("validation_at_chance", compute)


#: the first epoch's later training batches right at least this many times chance (and ``LEARNABLE_MARGIN`` above
#: it): the model gets training samples it has not trained on right, so the labels follow the inputs
LEARNABLE_FACTOR = 2.0
LEARNABLE_MARGIN = 0.2


def first_epoch_accuracy(ctx: Context) -> float | None:
    """The mean accuracy of the second half of the first epoch's training batches, each counted by its forward pass
    before the model trained on it: how well what was learned so far carries over to samples not yet seen. Random
    labels stay at chance there, however well the model later memorises them. None without the epoch's length."""
    from .signals import steps_per_epoch

    spe = steps_per_epoch(ctx)
    _, tr = _acc_series(ctx, "train")
    if not spe or tr is None or spe < 8:
        return None
    keep = (tr.step >= spe // 2) & (tr.step < spe)
    v = tr.value[keep]
    v = v[np.isfinite(v)]
    return float(np.mean(v)) if len(v) >= 4 else None


#: the validation predictions' class histogram this far (total variation) from the labels', at least: the model
#: does not see the classes it was trained on. Labels shuffled apart from right inputs keep the two alike (the
#: model predicts the true classes, which the shuffled labels count the same): 0.25 on probe M f13
PREDICTIONS_APART = 0.12


def evaluation_inputs_apart(chance: dict) -> bool:
    """``validation_at_chance``'s result says the training labels follow their inputs (the first epoch's unseen
    batches well above chance) and the validation predictions do not follow the validation labels' classes: the
    validation inputs are not what the model was trained on. Labels shuffled apart from their inputs in validation
    leave the predictions' histogram the labels' and stay data.label_errors'."""
    first = chance.get("first_epoch_acc")
    return first is not None and chance.get("predictions_apart", 0.0) >= PREDICTIONS_APART and \
        first >= max(LEARNABLE_FACTOR * chance["chance"], chance["chance"] + LEARNABLE_MARGIN)


@register
class FitOverfitting(Check):
    """``fit.overfitting``: train metric good, validation bad or worsening.

    ``GAP`` = 0.15 between final train and validation accuracy (healthy runs of the zoo
    stay within 0.08), or the validation loss ending ``RISE`` (25%) above its best while
    the training loss keeps falling and the validation accuracy, where recorded, fell
    ``ACC_DROP`` from its best. A validation accuracy never above
    ``CHANCE_FACTOR`` times chance, while training reaches 0.8, gets advice about
    inputs and labels that no longer belong together.
    """

    id = "fit.overfitting"
    needs = frozenset()  # an evaluation the collector saw, or a validation accuracy the script printed
    GAP = 0.15
    RISE = 0.25
    #: A validation loss risen by ``RISE`` with the validation accuracy still within this of its best is the
    #: model growing confident, not losing accuracy (a loss of 0.032 rising to 0.040 while one sample of 143
    #: changed sides), as hparam.epochs_too_many judges it
    ACC_DROP = 0.01

    def run(self, ctx: Context) -> Outcome:
        from .causes._signals import eval_reads_training_data

        same = eval_reads_training_data(ctx)
        if same is not None:
            return Outcome.not_checked(f"the evaluation loader {same['eval_loader']} reads the training samples of "
                                       f"{same['train_loader']}: it cannot show overfitting")
        _, tr = _acc_series(ctx, "train")
        _, va = _acc_series(ctx, "val")
        if va is None and tr is not None:
            # no evaluation the collector could count (greedy decoding, a nearest-centroid score): the validation
            # accuracy the script prints is the only one (probe S f09: training 1.000, printed 0.231, nothing found)
            from ..report.accuracy import metric_series

            _, va = metric_series(ctx, "val_acc", printed=True)
        if "eval" not in ctx.records and va is None:
            return Outcome.not_checked("the run has no eval record and printed no validation accuracy")
        vl = finite(ctx.eval_series("loss"))
        tl = finite(ctx.loss)
        findings = []
        if tr is not None and va is not None and len(va) >= 1:
            k = max(1, len(tr) // 10)
            tr_end = float(np.mean(tr.value[-k:]))
            va_end = float(va.value[-1])
            gap = tr_end - va_end
            if gap > self.GAP:
                ev = {"train_acc": sig(tr_end), "val_acc": sig(va_end), "gap": sig(gap), "threshold": self.GAP}
                advice = ("The model fits the training data but does not generalise: more data or augmentation, "
                          "regularisation (weight decay, dropout), a smaller model, or early stopping; also check "
                          "that the evaluation data are processed like the training data.")
                chance = validation_at_chance(ctx)
                if chance is not None:
                    # overfitting lifts validation above chance before it drops it; never above chance at any
                    # evaluation is inputs scored against labels that are not theirs
                    ev["chance"] = sig(chance["chance"])
                    advice = (f"Validation accuracy never rose above chance ({chance['chance']:.2f}) at any of its "
                              f"{len(va)} evaluations, while the training accuracy reached {tr_end:.2f}: check that "
                              f"the validation inputs and labels still belong together (shuffled or sorted apart, "
                              f"another split's labels). " + advice)
                findings.append(Finding(
                    self.id, f"train accuracy {tr_end:.3f} vs validation {va_end:.3f} (gap {gap:.3f})", "warning",
                    min(0.95, 0.6 + gap), None, int(va.step[-1]), ev, advice,
                    plots={"train/acc": "train/acc", "eval/acc": "eval/acc"}))
        if not findings and len(vl) >= 3 and len(tl) >= 10:
            best_i = int(np.argmin(vl.value))
            best, end = float(vl.value[best_i]), float(vl.value[-1])
            tl_after = tl.value[tl.step >= vl.step[best_i]]
            acc_kept = va is not None and len(va) >= 2 and float(np.max(va.value) - va.value[-1]) < self.ACC_DROP
            if best > 0 and end > (1 + self.RISE) * best and best_i < len(vl) - 1 and len(tl_after) > 2 \
                    and np.median(tl_after[-max(1, len(tl_after) // 5):]) < np.median(tl_after[:max(1, len(tl_after) // 5)]) \
                    and not acc_kept:
                findings.append(Finding(
                    self.id, f"validation loss rose from {sig(best)} (step {int(vl.step[best_i])}) to {sig(end)} while "
                             "the training loss kept falling", "warning", 0.75, None, int(vl.step[best_i]),
                    {"best_val_loss": sig(best), "best_step": int(vl.step[best_i]), "final_val_loss": sig(end)},
                    "Stop at the best validation step (early stopping) and regularise.",
                    plots={"train/loss": "train/loss", "eval/loss": "eval/loss"}))
        if not findings and va is None:
            gap = self._regression_gap(ctx)
            if gap is not None:
                findings.append(gap)
        if not findings:
            return Outcome.passed("train and validation agree")
        return Outcome.found(*findings)

    def _regression_gap(self, ctx: Context) -> Finding | None:
        """Without accuracies: an MSE regression whose validation error stays far above its training error
        (``regression_gap``). Such a gap from the first evaluation on is not the loss rising again (the rule
        above): the validation data are another problem than the training data (scaled with their own
        statistics, other units, a transformed target), or the model memorised noise."""
        g = regression_gap(ctx)
        if g is None:
            return None
        t_end, v_end, var = g["train_mse"], g["val_mse"], g["variance"]
        ev = {"final_train_mse": sig(t_end), "final_val_mse": sig(v_end), "ratio": sig(v_end / t_end),
              "target_variance": sig(var), "best_val_mse": sig(g["best_val_mse"]), "threshold": REGRESSION_GAP}
        than_mean = "worse than" if v_end > var else "close to"
        advice = (f"The training MSE ends at {t_end / var:.1%} of the targets' variance, the validation MSE at "
                  f"{v_end / var:.0%}: {than_mean} predicting the training mean. "
                  + ("It was so at every evaluation: check that the validation data are processed like the training "
                     "data (inputs scaled with the training set's statistics, not their own; the same units and "
                     "target transform) and come from the same distribution. " if g["always"] else "")
                  + "Otherwise regularise (weight decay, dropout), use more data or a smaller model.")
        return Finding(
            self.id, f"validation MSE {sig(v_end)} vs training MSE {sig(t_end)} ({v_end / t_end:.0f}x)", "warning",
            0.7, None, g["step"], ev, advice, plots={"train/loss": "train/loss", "eval/loss": "eval/loss",
                                                    "_log": True})


@register
class FitUnderfitting(Check):
    """``fit.underfitting``: train (and validation) metrics poor.

    Against the user's ``--target`` when given, else a trivial baseline: accuracy not
    ``MARGIN`` (0.05) above the majority class share of the sampled training labels (at
    most halfway from that share to 1). For regression losses (MSE), a final training MSE above ``MSE_BASELINE`` (80%) of the
    targets' variance is no better than predicting the mean.
    """

    id = "fit.underfitting"
    needs = frozenset({"loss"})
    MARGIN = 0.05
    #: training steps with an accuracy needed to judge it (the regression path asks as many losses)
    MIN_STEPS = 10
    MSE_BASELINE = 0.8

    @classmethod
    def threshold(cls, majority: float, per_label: bool = False) -> float:
        """The accuracy that beats always answering the majority class (share ``majority``): ``MARGIN`` above
        it, but never above 1: halfway from a majority share of 0.98 to a perfect score. The accuracy verdict
        judges every stage by it too. A multi-label task's per-label accuracy need only beat the share itself
        (``signals.per_label``)."""
        return majority if per_label else min(majority + cls.MARGIN, (1.0 + majority) / 2)

    @staticmethod
    def train_baseline(ctx: Context) -> dict | None:
        """The training accuracy's baseline: the sampled labels' majority share, or a uniform guess where a
        weighted loss trades accuracy for the small classes' recall."""
        from ..report.accuracy import _baseline

        base = _baseline(ctx)
        if base and weighted_loss(ctx):
            base = {**base, "acc": 1.0 / max(2, base.get("classes", 2))}
        return base

    def run(self, ctx: Context) -> Outcome:
        targets = ctx.meta.get("target") or {}
        _, tr = _acc_series(ctx, "train")
        _, va = _acc_series(ctx, "val")
        if tr is not None and 0 < len(tr) < self.MIN_STEPS:
            # a script that crashed after its first step: its accuracy is the untrained model's
            return Outcome.not_checked(f"only {len(tr)} training step(s) with an accuracy")
        if tr is not None and len(tr):
            k = max(1, len(tr) // 10)
            tr_end = float(np.mean(tr.value[-k:]))
            from ..report.accuracy import _Wording, train_bar_from_val

            goal = targets.get("train_acc")
            from_val = train_bar_from_val(ctx)
            base = self.train_baseline(ctx)
            if goal is None and base and base.get("classes", 2) < 2 and from_val is None:
                return Outcome.not_checked(f"the sampled labels hold one class ({base.get('class')}): no baseline")
            words = _Wording(False, per_label(ctx))
            # a baseline beaten, but not the validation target that validation missed: short of it on the training
            # data too, the model underfits by the user's measure (the verdict's "fix training first")
            if goal is None and from_val is not None and \
                    (not base or tr_end >= self.threshold(base["acc"], per_label(ctx))) and tr_end < from_val:
                return Outcome.found(self._short_of_target(ctx, tr_end, from_val, int(tr.step[-1]), words, va))
            ref, kind = (goal, "target") if goal is not None else (
                (self.threshold(base["acc"], per_label(ctx)), "baseline") if base else (None, None))
            if ref is None:
                return Outcome.not_checked("no target and no label counts for a baseline")
            # the bar as the accuracy verdict words it: one number, said one way, in both places
            bar = words.bar({"reference_kind": "target", "reference": ref} if kind == "target" else
                            {"reference_kind": "uniform-guess baseline" if weighted_loss(ctx) else
                             "majority-class baseline", "reference": base["acc"], "required": ref})
            what = words.name
            if tr_end < ref:
                ev = {"train_acc": sig(tr_end), "reference": sig(ref), "reference_kind": kind}
                if base:
                    ev["majority_class_acc"] = sig(base["acc"])
                if va is not None and len(va):
                    ev["val_acc"] = sig(float(va.value[-1]))
                advice = ("The model does not fit even the training data: see the causes ranked above (learning "
                          "rate, frozen or dead layers, data), then a larger model or longer training.")
                advice = _with_weight_decay(ctx, ev, "The weight decay holds the model back", advice)
                return Outcome.found(Finding(
                    self.id, f"training {what} {tr_end:.3f} is below {bar}", "warning", 0.65,
                    None, int(tr.step[-1]), ev, advice, plots={"train/acc": "train/acc", "eval/acc": "eval/acc"}))
            held = self._held_back(ctx, tr_end, int(tr.step[-1]))
            if held is not None:
                return Outcome.found(held)
            return Outcome.passed(f"training {what} {tr_end:.3f} reaches {bar}")
        calls = [e for e in ctx.run.events("loss_call") if e.get("function") == "mse_loss" and e.get("mode") == "train"]
        fin = finite(ctx.loss)
        if calls and len(fin) >= 10:
            var = target_variance(ctx)
            _, end = head_tail(fin.value)
            if not var:
                return Outcome.not_checked("the targets' variance was not recorded (a run made before it was)")
            if end > self.MSE_BASELINE * var:
                ev = {"final_mse": sig(end), "target_variance": sig(var)}
                advice = "The model does not fit the training data: see the causes ranked above."
                advice = _with_weight_decay(ctx, ev, "The weight decay holds the model back", advice)
                return Outcome.found(Finding(
                    self.id, f"training MSE {sig(end)} is no better than predicting the mean (variance {sig(var)})",
                    "warning", 0.6, None, int(fin.step[-1]), ev, advice, plots={"train/loss": "train/loss"}))
            return Outcome.passed("training MSE below the mean predictor's")
        return Outcome.not_checked("no accuracy metric and no regression loss to compare with a baseline")


    #: Short of the validation target on the training data, above the baseline: a weak sign of its own (the
    #: training accuracy is counted in train mode, under dropout and augmentation), below every cause and the
    #: symptoms that say more (a warning at 0.45 ranks under a cause's 0.5).
    TARGET_CONFIDENCE = 0.45

    def _short_of_target(self, ctx: Context, tr_end: float, goal: float, step: int, words, va) -> Finding:
        """Training accuracy ``tr_end`` above the baseline but below ``goal``, the validation target that
        validation missed (``report.accuracy.train_bar_from_val``)."""
        ev = {"train_acc": sig(tr_end), "reference": sig(goal), "reference_kind": "validation target"}
        if va is not None and len(va):
            ev["val_acc"] = sig(float(va.value[-1]))
        advice = ("Validation cannot reach its target while training stays below it: see the causes ranked above "
                  "(learning rate, epochs, frozen or dead layers, the loss, the data), then a larger model or "
                  "longer training. Where dropout or augmentation hold the training accuracy down on purpose, "
                  "compare the validation accuracy with the target instead.")
        advice = _with_weight_decay(ctx, ev, "The weight decay holds the model back", advice)
        return Finding(
            self.id, f"training {words.name} {tr_end:.3f} is below the target {words.num(goal)} set for "
                     f"validation: the model does not fit its training data as well as validation should score",
            "warning", self.TARGET_CONFIDENCE, None, step, ev, advice,
            plots={"train/acc": "train/acc", "eval/acc": "eval/acc"})

    #: a model with this many trainable parameters per training sample can learn its training set by heart ...
    CAPACITY = 5.0
    #: ... so a training accuracy levelling off below this ...
    PLATEAU_ACC = 0.95
    #: ... with its loss down by less than this share over the second half of training, under a weight decay that
    #: shrinks the weights by a percent or more per step, is held back by that decay (digits, 36 parameters per
    #: sample, SGD wd 0.1: 0.87 from the third epoch on, the loss down 12% over the second half of 10 epochs and 5%
    #: of 20; the same model with wd 5e-4 reaches 1.0, its loss down by more than half)
    PLATEAU_GAIN = 0.2

    def _held_back(self, ctx: Context, tr_end: float, step: int) -> Finding | None:
        """A training accuracy above the baseline, but levelled off well below what the model's capacity reaches,
        under a weight decay strong enough to explain it (``signals.strong_weight_decay``)."""
        decay = strong_weight_decay(ctx)
        n = train_size(ctx)
        fin = finite(ctx.loss)
        if decay is None or not n or tr_end >= self.PLATEAU_ACC or len(fin) < 40:
            return None
        per_sample = total_params(ctx) / n
        q = len(fin) // 4
        mid, end = float(np.median(fin.value[q:2 * q])), float(np.median(fin.value[-q:]))
        if per_sample < self.CAPACITY or mid <= 0 or end < (1 - self.PLATEAU_GAIN) * mid:
            return None
        ev = {"train_acc": sig(tr_end), "params_per_sample": round(per_sample, 1), "loss_second_quarter": sig(mid),
              "loss_last_quarter": sig(end)}
        advice = _with_weight_decay(ctx, ev, "The weight decay holds the model back",
                                    "A model this size can fit its training set: lower the decay first.")
        return Finding(
            self.id, f"train accuracy levels off at {tr_end:.3f} (loss {sig(mid)} → {sig(end)} over the second half) "
                     f"although the model has {per_sample:.0f} parameters per training sample", "warning", 0.7,
            None, step, ev, advice, plots={"train/loss": "train/loss", "train/acc": "train/acc"})


def _with_weight_decay(ctx: Context, evidence: dict, lead: str, advice: str) -> str:
    """A flat-loss finding's advice, led by a weight decay strong enough to explain it (which then joins the
    evidence); the advice unchanged otherwise."""
    decay = strong_weight_decay(ctx)
    if not decay:
        return advice
    evidence["weight_decay"] = {k: v for k, v in decay.items() if k != "text"}
    return f"{lead}: {decay['text']}. " + advice


def num_classes_seen(ctx: Context) -> int | None:
    """Classes of the task: the width of the logits fed to a class-index loss, else the evaluation's confusion."""
    n = num_classes_from_outputs(ctx)
    if n is not None and n >= 2:
        return n
    for ev in ctx.run.events("eval"):
        if ev.get("classes"):
            return int(ev["classes"])
    return None
