"""Derived signals shared by several checks: robust windows over the loss, module order, the NaN origin."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..record.run import Series
from .base import Context


def in_percent(name: str, values: Any) -> bool:
    """An accuracy logged in percent (``td.log(val_acc=93.5)``): a metric named like an accuracy whose values
    lie in [0, 100] with one above 1, which no fraction can be. The checks and the verdict compare accuracies
    with fractions (chance, the majority baseline, the training accuracy the collector counts)."""
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    return "acc" in name.lower() and len(v) > 0 and v.min() >= 0 and 1.0 < v.max() <= 100.0


def finite(s: Series) -> Series:
    return s.where(np.isfinite(s.value))


def windows(values: np.ndarray, n: int) -> np.ndarray:
    """Medians of ``n`` consecutive, equal windows (robust to minibatch noise)."""
    if len(values) < n:
        return values.astype(np.float64)
    return np.array([np.median(w) for w in np.array_split(values.astype(np.float64), n)])


def head_tail(values: np.ndarray, frac: float = 0.1, min_n: int = 3) -> tuple[float, float]:
    k = max(min_n, int(len(values) * frac))
    return float(np.median(values[:k])), float(np.median(values[-k:]))


def last_tenth_mean(values: np.ndarray) -> float:
    """The mean of the last tenth of ``values`` (at least the last one): a per-batch training accuracy's end level,
    its noise averaged out."""
    return float(np.mean(values[-max(1, len(values) // 10):]))


def first_nonfinite_step(s: Series) -> int | None:
    bad = np.nonzero(~np.isfinite(s.value))[0]
    return int(s.step[bad[0]]) if len(bad) else None


def module_forward_order(ctx: Context) -> list[str]:
    """Module keys in the order of their first call in a training forward pass."""
    def compute() -> list[str]:
        act = ctx.run.table("activation")
        if not len(act):
            return [m["name"] for m in ctx.modules()]
        first = act.step.min()
        rows = act.rows_at(int(first))
        order = [act.keys[int(act.key[i])] for i in rows[np.argsort(act.seq[rows], kind="stable")]]
        seen, out = set(), []
        for k in order:
            if k not in seen:
                seen.add(k)
                out.append(k)
        return out
    return ctx.cached("module_order", compute)


def param_module(ctx: Context) -> dict[str, str]:
    return ctx.cached("param_module", lambda: {p: info["module"] for p, info in ctx.trainable_params().items()})


def nonfinite_origin(ctx: Context) -> dict[str, Any] | None:
    """Where NaN/Inf first appeared: step, phase (forward/backward/update), module, parameter, input statistics."""
    return ctx.cached("nonfinite_origin", lambda: _nonfinite_origin(ctx))


def _first_nonfinite_rows(table) -> tuple[int, np.ndarray] | None:
    """The first step at which some row of ``table`` holds a non-finite value, and those rows."""
    if not len(table):
        return None
    bad = np.nonzero(table.col("nonfinite") > 0)[0]
    if not len(bad):
        return None
    step = int(table.step[bad].min())
    return step, bad[table.step[bad] == step]


def _nonfinite_origin(ctx: Context) -> dict[str, Any] | None:
    run = ctx.run
    candidates: list[tuple[int, int, dict[str, Any]]] = []  # (step, phase order, info)
    act = run.table("activation")
    got = _first_nonfinite_rows(act)
    if got:
        step, rows = got
        first = rows[np.argmin(act.seq[rows])]
        candidates.append((step, 1, {"phase": "forward", "module": act.keys[int(act.key[first])],
                                     "stats": _row(act, first)}))
    for phase, order, name in (("weights", 0, "weight"), ("backward", 2, "grad")):
        t = run.table(name)
        got = _first_nonfinite_rows(t)
        if got:
            step, rows = got
            # backward order: the last parameter (in registration ~ forward order) gets its gradient first
            first = rows[np.argmax(t.key[rows])] if phase == "backward" else rows[0]
            candidates.append((step, order, {"phase": phase, "param": t.keys[int(t.key[first])],
                                             "params": sorted({t.keys[int(t.key[r])] for r in rows}),
                                             "stats": _row(t, first)}))
    loss = run.scalar("train/loss")
    lstep = first_nonfinite_step(loss)
    if lstep is not None:
        candidates.append((lstep, 3, {"phase": "loss"}))
    if not candidates:
        return None
    step, _, info = min(candidates, key=lambda c: (c[0], c[1]))
    info["step"] = step
    if info["phase"] == "backward":
        info["module"] = param_module(ctx).get(info["param"], info["param"].rsplit(".", 1)[0])
    if info["phase"] == "weights":
        info["module"] = param_module(ctx).get(info["param"], info["param"].rsplit(".", 1)[0])
        # weights went bad in the update of the step before: what did that step's gradients and update look like?
        prev = step - 1
        g = run.table("grad")
        if len(g):
            rows = g.rows_at(prev)
            if len(rows):
                norms = g.col("norm")[rows]
                info["previous_step_grad_norm_max"] = float(np.nanmax(norms)) if np.isfinite(norms).any() else math.inf
    if info["phase"] == "loss":
        # the network's outputs were finite: the loss function produced it
        info["module"] = "(loss function)"
    ev = [e for e in run.events("nonfinite") if e.get("step") == step]
    if ev:
        info["event"] = ev[0]
        if info["phase"] == "forward":
            info["module"] = ev[0].get("module", info.get("module"))
    return info


def _row(table, i: int) -> dict[str, float]:
    return {f: float(table.values[i, j]) for j, f in enumerate(table.fields)}


def loss_players(ctx: Context) -> list[str]:
    """The per-optimizer loss series (``train/loss_opt{i}``) of a run whose steps have several optimizers each
    stepping on its own loss (a GAN's discriminator and generator): empty for every other run."""
    return ctx.cached("loss_players", lambda: sorted(t for t in ctx.run.scalar_tags() if t.startswith("train/loss_opt")))


def adversarial_note(ctx: Context) -> str | None:
    """Why a convergence check of the training loss does not judge this run, or None."""
    players = loss_players(ctx)
    if len(players) < 2:
        return None
    return (f"{len(players)} optimizers each step on a loss of their own every step (adversarial training such as "
            f"a GAN): their losses are not expected to settle; judge the run by a metric logged with td.log")


def loss_blown(ctx: Context) -> bool:
    return any(f.id in ("loss.nan_inf", "loss.blowup") for f in ctx.findings)


#: Lookup tables: a step's gradient reaches only the rows of the tokens in its batch, so their gradient-to-weight
#: ratio is small by construction (the smaller the larger the vocabulary), not a sign of a vanishing gradient.
EMBEDDING_CLASSES = frozenset({"Embedding", "EmbeddingBag"})


def param_root(ctx: Context) -> dict[str, int]:
    """Each parameter's model: the index of the ``model`` event (one per watched root module) that lists it. Two
    models trained side by side (a GAN's generator and discriminator) are two networks, not one deep one."""
    def compute() -> dict[str, int]:
        out: dict[str, int] = {}
        for r, ev in enumerate(ctx.run.events("model")):
            for m in ev.get("modules", []):
                for p in m.get("params", []):
                    out.setdefault(p["name"], r)
        return out
    return ctx.cached("param_root", compute)


def weight_params(ctx: Context, min_numel: int = 16) -> list[str]:
    """Parameters that are weight matrices/kernels (not biases or norms), for ratio checks. Not those that start
    at zero (each residual block's last layer, zero-initialised): a step's ratio to their own size is undefined
    at first and large until they have grown (1.8 for the gradient, 0.04 for the update, in a healthy run)."""
    def compute() -> list[str]:
        from .causes._signals import weights_at

        w = ctx.run.table("weight")
        zero = {name for name, st in weights_at(ctx).items() if st.get("norm") == 0}
        out = []
        for name, info in ctx.trainable_params().items():
            if len(info.get("shape", [])) >= 2 and info.get("numel", 0) >= min_numel and \
                    info.get("requires_grad", True) and name not in zero:
                out.append(name)
        if not out:  # leaf-tensor scripts: every recorded tensor
            for i, k in enumerate(w.keys):
                rows = np.nonzero(w.key == i)[0]
                if len(rows) and w.values[rows[0], w.fields.index("numel")] >= min_numel and k not in zero:
                    out.append(k)
        return out
    return ctx.cached("weight_params", compute)


def loaders(ctx: Context) -> dict[int, dict[str, Any]]:
    """The data loaders of the run with their role (train/eval/test) resolved from later ``loader_role`` events."""
    def compute() -> dict[int, dict[str, Any]]:
        out = {int(ev["loader"]): dict(ev) for ev in ctx.run.events("dataloader")}
        for ev in ctx.run.events("loader_role"):
            if int(ev["loader"]) in out and not out[int(ev["loader"])].get("role"):
                out[int(ev["loader"])]["role"] = ev["role"]
        return out
    return ctx.cached("loaders", compute)


def train_loader(ctx: Context) -> dict[str, Any] | None:
    ls = loaders(ctx)
    for ev in ls.values():
        if ev.get("role") == "train":
            return ev
    return None


def steps_per_epoch(ctx: Context) -> int | None:
    ev = train_loader(ctx)
    if ev and ev.get("batches_per_epoch"):
        return int(ev["batches_per_epoch"])
    return None


#: optimizers that normalise each element's step by the gradient's running scale (the lr is the step size)
ADAPTIVE_OPTIMIZERS = ("Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam", "Adamax", "SparseAdam",
                       "Adafactor")


def adaptive_optimizers_only(ctx: Context) -> bool:
    """Every recorded optimizer is adaptive (Adam-like): gradient scale does not set the step size."""
    classes = {ev.get("class") for ev in ctx.run.events("optimizer")}
    return bool(classes) and classes <= set(ADAPTIVE_OPTIMIZERS)


#: optimizers whose weight_decay is an L2 term added to the gradient, which they then normalise per element
_COUPLED_ADAPTIVE = ("Adam", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam", "Adamax")
#: a weight decay that shrinks the weights by this share per step, or more, dominates the updates: the usual
#: settings shrink them by 1e-5..1e-4 per step (SGD lr 0.1 x wd 5e-4, AdamW lr 1e-3 x wd 0.01-0.1)
DECAY_SHRINK_HIGH = 1e-2
#: Adam's coupled L2 term: usual values are 0..1e-4; AdamW's decoupled 0.01-0.1 passed to Adam is a known slip
COUPLED_ADAPTIVE_DECAY_HIGH = 0.1


def strong_weight_decay(ctx: Context) -> dict[str, Any] | None:
    """The first optimizer group whose weight decay pulls the weights to zero faster than the data can move
    them: decoupled (AdamW) or SGD's L2, ``lr x weight_decay`` (times 1 / (1 - momentum) for SGD) of
    ``DECAY_SHRINK_HIGH`` or more per step; Adam-like coupled L2 of ``COUPLED_ADAPTIVE_DECAY_HIGH`` or more.
    A hint for the symptoms of a model that does not fit (it has no checklist id of its own)."""
    for ev in ctx.run.events("optimizer"):
        cls = ev.get("class", "")
        for g in ev.get("groups", []):
            wd, lr = g.get("weight_decay"), g.get("lr")
            if not isinstance(wd, (int, float)) or not isinstance(lr, (int, float)) or wd <= 0 or \
                    not g.get("params"):
                continue
            if cls in _COUPLED_ADAPTIVE:
                if wd >= COUPLED_ADAPTIVE_DECAY_HIGH:
                    return {"optimizer": cls, "lr": lr, "weight_decay": wd,
                            "text": f"weight_decay={wd:g} in {cls} (an L2 term added to the gradient, which {cls} "
                                    f"then normalises) pulls the weights to zero; usual values are 0-1e-4, or use "
                                    f"AdamW for a decoupled decay"}
                continue
            m = g.get("momentum") if cls == "SGD" else 0.0
            eff = lr / (1 - m) if isinstance(m, (int, float)) and 0 < m < 1 else lr
            shrink = eff * wd
            if shrink >= DECAY_SHRINK_HIGH:
                return {"optimizer": cls, "lr": lr, "weight_decay": wd, "shrink_per_step": shrink,
                        "text": f"weight_decay={wd:g} with lr={lr:g} ({cls}) shrinks the weights by "
                                f"{shrink:.1%} at every step (usual: 0.001%-0.05%); lower it 100x or more"}
    return None


def helper_models(ctx: Context) -> dict[str, list[str]]:
    """Models kept frozen on purpose, with their parameters' names: they only ever ran under ``no_grad`` (the
    record has no ``grad_forward`` event for them) and no optimizer holds any of their parameters. A
    distillation teacher, an EMA model or a target network; not a layer that fails to train. Empty for records
    without ``grad_forward`` events (made before they were written)."""
    return ctx.cached("helper_models", lambda: _helper_models(ctx))


def _helper_models(ctx: Context) -> dict[str, list[str]]:
    evs = ctx.run.events("grad_forward")
    if not evs:
        return {}
    with_grad = {e.get("root") for e in evs}
    in_opt = {n for ev in ctx.run.events("optimizer") for g in ev.get("groups", []) for n in g.get("params", [])}
    out: dict[str, list[str]] = {}
    for ev in ctx.run.events("model"):
        root = ev.get("root")
        if root in with_grad:
            continue
        names = [p["name"] for m in ev.get("modules", []) for p in m.get("params", [])]
        if names and not any(n in in_opt for n in names):
            out[root] = names
    return out


#: a training set that grew to this many times its first size during the run is a curriculum
DATA_GROWTH = 1.5


def data_growth_step(ctx: Context) -> int | None:
    """The step from which the training data had their final size, where they grew ``DATA_GROWTH`` times or more
    during the run (curriculum learning: a new DataLoader each epoch over more, and harder, samples). The loss
    of a growing training set is not one curve: it rose from 0.06 to 0.31 as harder samples came in, and was
    read as oscillating and not converging (probe J h07, validation accuracy 0.91)."""
    from .causes._signals import loader_roles

    roles = loader_roles(ctx)
    sizes = sorted((int(e["step"]), int(e["dataset"]["length"])) for e in ctx.run.events("dataloader")
                   if roles.get(e["loader"]) in (None, "train") and e.get("role") in (None, "train")
                   and int(e.get("rank", 0) or 0) == 0 and (e.get("dataset") or {}).get("length"))
    if len(sizes) < 2 or sizes[-1][1] < DATA_GROWTH * sizes[0][1]:
        return None
    final = sizes[-1][1]
    k = len(sizes) - 1
    while k > 0 and sizes[k - 1][1] == final:
        k -= 1
    return sizes[k][0]


def last_phase_loss(ctx: Context, min_steps: int) -> tuple[Series, int | None]:
    """The finite training loss of the run's last phase, and the step it began: a script that trains a teacher,
    then a student with its own optimizer, joins two losses of different scales in one series (the student's
    start above the teacher's end read as oscillation); a curriculum's training set, from the step it reached
    its final size (``data_growth_step``). The whole series when there is one phase, or when the last one has
    fewer than ``min_steps`` losses."""
    fin = finite(ctx.loss)
    evs = ctx.run.events("phase")
    grown = data_growth_step(ctx)
    if not evs and grown is None:
        return fin, None
    start = max(int(evs[-1]["step"]) if evs else 0, grown or 0)
    keep = fin.step >= start
    if int(keep.sum()) < min_steps:
        return fin, None
    return fin.where(keep), start


def target_variance(ctx: Context) -> float | None:
    """The training targets' variance, once per diagnosis (fit.underfitting, fit.overfitting, data.too_few_samples
    and the regression verdict all ask): see ``_variance_of_targets``."""
    return ctx.cached("target_variance", lambda: _variance_of_targets(ctx))


def _variance_of_targets(ctx: Context) -> float | None:
    """The training targets' variance: the whole training set's, where its loader recorded its labels; else from
    the sampled batches' means and spreads (the law of total variance: the mean of the batches' variances plus
    the variance of their means), else from the first recorded training calls of the loss (tensors sliced by
    hand). The median of the batches' own variances alone was 6e-7 for
    targets sorted before batching without shuffle (each batch a narrow band of values), against 1.0."""
    from .causes._signals import train_dataset_labels

    whole = train_dataset_labels(ctx)
    if whole and "std" in whole:  # the training dataset's own targets, read once when its loader was met
        return float(whole["std"]) ** 2
    stats = [(y["mean"], y["std"]) for ev in ctx.run.events("batch")
             if ev.get("role") in (None, "train") for y in [ev.get("y") or {}] if "std" in y and "mean" in y]
    if not stats:
        stats = [(t["mean"], t["std"]) for ev in ctx.run.events("loss_call")
                 if ev.get("function") == "mse_loss" and ev.get("mode") == "train"
                 for t in [ev.get("target") or {}] if "std" in t and "mean" in t]
    if not stats:
        return None
    means, stds = np.array(stats, dtype=np.float64).T
    return _pooled_variance(means, stds)


def _pooled_variance(means: np.ndarray, stds: np.ndarray, counts: np.ndarray | None = None) -> float:
    """The variance of values pooled from parts with these means and spreads (the law of total variance: the
    parts' mean variance plus the variance of their means), each part weighed by its count (alike by default)."""
    w = np.ones_like(means) if counts is None else np.asarray(counts, dtype=np.float64)
    mean = float(np.sum(w * means) / w.sum())
    return float(np.sum(w * (stds ** 2 + (means - mean) ** 2)) / w.sum())


def eval_target_variance(ctx: Context) -> float | None:
    """The evaluation targets' variance, around their own mean (what ``sklearn.metrics.r2_score`` divides by):
    the one evaluation loader's whole dataset, where it recorded its labels; else the evaluation pass's calls of
    ``mse_loss`` on the model's output (the first pass recorded, its batches pooled). A validation set is not the
    training set: the diabetes probe's validation targets have a variance of 0.91 in the training targets' units,
    and its R² read 0.57 against the true 0.53."""
    return ctx.cached("eval_target_variance", lambda: _variance_of_eval_targets(ctx))


def _variance_of_eval_targets(ctx: Context) -> float | None:
    from .causes._signals import loaders

    found = [e["labels"] for e in loaders(ctx, "eval") if (e.get("labels") or {}).get("std") is not None]
    if len(found) == 1:
        return float(found[0]["std"]) ** 2
    calls = [ev for ev in ctx.run.events("loss_call") if ev.get("function") == "mse_loss" and ev.get("mode") == "eval"
             and ev.get("model_output") is not False and "std" in (ev.get("target") or {})]
    if not calls:
        return None
    first = [ev["target"] for ev in calls if ev["step"] == calls[0]["step"]]
    return _pooled_variance(np.array([t["mean"] for t in first], dtype=np.float64),
                            np.array([t["std"] for t in first], dtype=np.float64),
                            np.array([np.prod(t.get("shape") or [1]) for t in first], dtype=np.float64))


#: a regression's validation MSE at least this many times its training MSE, and at least ``REGRESSION_VAL_SHARE``
#: of the targets' variance (a model no better on validation than half-way to predicting the mean, while it fits
#: the training data): healthy regressions of the zoo and the probes end within 1.5x (diabetes: 0.57 against 0.45
#: of the variance)
REGRESSION_GAP = 4.0
REGRESSION_VAL_SHARE = 0.5


#: the recorded training loss and the loss function's value agree on one factor to this relative tolerance
SCALE_TOLERANCE = 0.02


def train_loss_scale(ctx: Context) -> float | None:
    """The loss function's value over the training loss that backward() got, where that is one constant at the
    first recorded calls (a loss divided by ``len(loader)``, or by an accumulation count, before backward): the
    training loss times it is the function's value, comparable with an evaluation's. None where no value was
    kept, or the calls disagree (several terms, several heads)."""
    calls = [e for e in ctx.run.events("loss_call") if e.get("mode") == "train" and e.get("value")][:3]
    s = ctx.run.scalar("train/loss")
    if len(calls) < 2 or not len(s):
        return None
    by_step = dict(zip(s.step.tolist(), s.value.tolist()))
    ratios = []
    for c in calls:
        v = by_step.get(int(c.get("step", -1)))
        if not v or not math.isfinite(v) or not math.isfinite(c["value"]) or v * c["value"] <= 0:
            return None
        ratios.append(c["value"] / v)
    if max(ratios) > (1 + SCALE_TOLERANCE) * min(ratios):
        return None
    return float(np.median(ratios))


def regression_gap(ctx: Context) -> dict[str, Any] | None:
    """An MSE regression's validation error far above its training error at the end (fit.overfitting's and
    data.too_few_samples' signal): the final training MSE (its last tenth), the last validation MSE, the targets'
    variance, the best validation MSE, whether the validation MSE was that high at every evaluation, and the
    last evaluation's step. None where the two are not the same MSE: a training loss that sums several (a
    multi-task model's cross-entropy and MSE) is not comparable with the validation MSE of one head."""
    calls = ctx.run.events("loss_call")
    modes = {m: [e for e in calls if e.get("mode") == m] for m in ("train", "eval")}
    vl, tl = finite(ctx.eval_series("loss")), finite(ctx.loss)
    if len(vl) < 2 or len(tl) < 10 or not modes["eval"] or not modes["train"] or \
            any(e.get("function") != "mse_loss" for e in calls):
        return None
    var = target_variance(ctx)
    _, t_end = head_tail(tl.value)
    t_end *= train_loss_scale(ctx) or 1.0  # the function's value, where backward() got it divided
    v_end = float(vl.value[-1])
    if not var or t_end <= 0 or v_end < REGRESSION_GAP * t_end or v_end < REGRESSION_VAL_SHARE * var:
        return None
    return {"train_mse": t_end, "val_mse": v_end, "variance": var, "best_val_mse": float(np.min(vl.value)),
            "always": bool(np.all(vl.value >= REGRESSION_VAL_SHARE * var)), "step": int(vl.step[-1])}


def weighted_loss(ctx: Context) -> bool:
    """A class-weighted training loss (``weight=`` or ``pos_weight=``): it trades accuracy for the small classes'
    recall on purpose, so accuracy is judged against a uniform guess (fit.underfitting and the verdict)."""
    return any(e.get("weighted") for e in ctx.run.events("loss_call") if e.get("mode") == "train")


def per_label(ctx: Context) -> bool:
    """A multi-label task (a binary cross-entropy on ``(N, K)`` targets of 0s and 1s, K >= 2): its accuracy is a
    per-label one, each of the N * K answers right or wrong. Against the share of the more common answer (all
    negative, for sparse tags) no margin is asked: logistic regression on 25 tags of 8% positives reaches 0.935
    against 0.906, and a bar of 0.953 (halfway to 1) was out of any model's reach (probe I 07b)."""
    return any(e.get("mode") == "train" and "binary_cross_entropy" in str(e.get("function"))
               and len(t.get("shape") or []) == 2 and t["shape"][1] >= 2 and t.get("integer_frac") == 1.0
               and t.get("min", -1) >= 0 and t.get("max", 2) <= 1
               for e in ctx.run.events("loss_call") for t in [e.get("target") or {}])


def loss_floor(ctx: Context) -> float | None:
    """The training loss's lowest possible value when it is a cross-entropy on soft or label-smoothed targets
    (their entropy, recorded with the first loss calls), else None."""
    floors = [e["floor"] for e in ctx.run.events("loss_call") if e.get("mode") == "train" and "floor" in e]
    return float(np.mean(floors)) if floors else None


def targets_met(ctx: Context) -> bool | None:
    """Whether every target the user stated (``--target val_acc=0.95``) is met by its metric's last value; None
    where no target was stated or one was never recorded."""
    from ..report.accuracy import target_results

    met = [t["met"] for t in target_results(ctx).values()]
    return None if not met or None in met else all(met)


#: a printed accuracy and the collector's count of the same evaluation passes within this of each other (median
#: over the evaluations) are one measure: a mean of per-batch accuracies, a last batch dropped, stay within 0.02
PRINTED_AGREE = 0.05


def printed_vs_counted(ctx: Context, stage: str) -> dict[str, Any] | None:
    """The accuracy the script printed for ``stage`` (``val``, ``test``: ``val_acc 0.873``, read off its output)
    beside the one the collector counted on the same evaluation passes (``eval/acc``, ``test/acc``): each printed
    value is paired with the last count at or before its step, after the previous printed value. None where the
    script printed no such accuracy. ``agree``: None where nothing was counted to compare. Once per diagnosis and
    stage (the verdict, the targets and graph.wrong_operator all ask)."""
    return ctx.cached(f"printed_vs_counted/{stage}", lambda: _printed_vs_counted(ctx, stage))


def _printed_vs_counted(ctx: Context, stage: str) -> dict[str, Any] | None:
    p = finite(ctx.in_last_phase(ctx.run.scalar(f"printed/{stage}_acc")))
    if not len(p):
        return None
    if in_percent("acc", p.value):
        p = Series(p.step, p.value / 100.0, p.wall)
    c = finite(ctx.in_last_phase(ctx.run.scalar({"val": "eval/acc"}.get(stage, f"{stage}/acc"))))
    out: dict[str, Any] = {"stage": stage, "printed": float(p.value[-1]), "printed_max": float(np.max(p.value)),
                           "step": int(p.step[-1]), "agree": None, "pairs": 0}
    if not len(c):
        return out
    pairs, used = [], -1
    for step, value in zip(p.step, p.value):
        i = int(np.searchsorted(c.step, step, side="right")) - 1
        if i > used:
            pairs.append((float(value), float(c.value[i]), int(step)))
            used = i
    if not pairs:
        return out
    diff = np.array([cv - pv for pv, cv, _ in pairs])
    out.update(counted=pairs[-1][1], counted_max=float(np.max(c.value)), pairs=len(pairs), first_step=pairs[0][2],
               gap=float(np.median(diff)), agree=bool(np.median(np.abs(diff)) <= PRINTED_AGREE))
    return out


#: the collector's count above the script's printed accuracy by this much (median over the evaluations), and
#: above chance by as much: a model that learned, and a printed number that did not follow it
PRINTED_GAP = 0.3
#: the printed accuracy never above chance (the larger of 1/classes and the majority share) by more than this
PRINTED_AT_CHANCE = 0.1


def printed_accuracy_wrong(ctx: Context, stage: str) -> dict[str, Any] | None:
    """The script's printed accuracy for ``stage`` at chance at every evaluation while the collector counts far
    more on the same passes (the class with the top score against the batch's labels): the script's accuracy
    code is wrong, not the model (``pred, _ = torch.max(out, 1)`` compares the top scores with the labels: 0.000
    printed at every epoch against 0.94 counted). ``printed_vs_counted``'s comparison with ``chance`` added, or
    None. Only where each sample has one label: a token-level count (teacher-forced) is another measure than a
    script's whole-sequence one, whose exact match can sit near zero on a model that gets most tokens right."""
    return ctx.cached(f"printed_accuracy_wrong/{stage}", lambda: _printed_accuracy_wrong(ctx, stage))


def _printed_accuracy_wrong(ctx: Context, stage: str) -> dict[str, Any] | None:
    from ..report.accuracy import eval_baseline

    cmp = printed_vs_counted(ctx, stage)
    if not cmp or cmp["agree"] is not False or cmp["gap"] < PRINTED_GAP:
        return None
    if any(len((e.get("input") or {}).get("shape") or []) > 2 or _labels_per_sample(e) > 1
           or e.get("flattened_from") for e in ctx.run.events("loss_call") if e.get("mode") == "eval"):
        return None
    base = eval_baseline(ctx)
    if base is None:
        return None
    chance = max(base["acc"], 1.0 / max(2, base.get("classes") or 2))
    if cmp["printed_max"] > chance + PRINTED_AT_CHANCE or cmp["counted_max"] < chance + PRINTED_GAP:
        return None
    return {**cmp, "chance": chance}


def _labels_per_sample(call: dict[str, Any]) -> int:
    """How many labels each sample of a loss call's target has: 1 for (N,) and for a BCE's (N, 1) column (probe T
    f03: a printed accuracy broadcast to N x N against such a column was let pass as a per-token count)."""
    shape = (call.get("target") or {}).get("shape") or []
    return int(np.prod(shape[1:])) if len(shape) > 1 else 1


def printed_accuracy_tag(ctx: Context, name: str) -> str | None:
    """``printed/<name>`` where the script's printed ``val_acc`` or ``test_acc`` is the number to judge that stage
    by: nothing counted it otherwise, or the collector's count measures something else (a greedy generation's
    exact match printed, teacher-forced tokens counted) and the printed one is not simply wrong. None where the two
    agree or the printed one is wrong (``printed_accuracy_wrong``): the collector's count stands."""
    stage = name[:-4] if name.endswith("_acc") else None
    if stage not in ("val", "test"):
        return None
    cmp = printed_vs_counted(ctx, stage)
    if cmp is None or cmp["agree"] or (cmp["agree"] is False and printed_accuracy_wrong(ctx, stage)):
        return None
    return f"printed/{name}"
