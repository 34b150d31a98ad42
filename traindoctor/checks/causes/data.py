"""Data causes, from the sampled batches of the train and evaluation loaders."""
from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..base import Check, Context, Finding, Outcome, register
from ..base import sig as fmt_sig
from . import _signals as sig
from .graph import STATIC_STEP


def _per_feature(batches: list[dict], field: str) -> np.ndarray | None:
    rows = [b["x"]["per_feature"][field] for b in batches if b.get("x", {}).get("per_feature")]
    if not rows or len({len(r) for r in rows}) != 1:
        return None
    return np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=np.float64)


def _first_step(batches: list[dict]) -> int:
    return int(min((b.get("step", STATIC_STEP) for b in batches), default=STATIC_STEP))


@register
class MissingValues(Check):
    """``data.missing_values``: NaN/Inf or placeholder values (-999, -9999, ...) in the inputs.

    Any NaN or Inf in a sampled input batch is an error (one poisons the loss); a
    placeholder counts when ``SENTINEL_FRACTION`` of a feature's values are exactly a
    typical missing-value code, which measured data practically never hits exactly.
    """

    id = "data.missing_values"
    needs = frozenset()
    SENTINEL_FRACTION = 0.001

    def _at_the_first_module(self, ctx: Context) -> Outcome:
        """No sampled batch (tensors sliced by hand): the model's input as its first module got it, from the
        first non-finite forward, where that module's own weights were still finite: the data brought the NaN."""
        from ..signals import module_forward_order

        evs = [e for e in sig.events(ctx, "nonfinite") if e.get("phase") == "forward"]
        if not evs:
            return Outcome.not_checked("no input batch was sampled")
        order = module_forward_order(ctx)
        if not order:
            return Outcome.not_checked("no module order to find the model's input")
        ev = evs[0]
        ins = ev.get("inputs") or []
        nan, inf = (sum(int(i.get(k, 0)) for i in ins) for k in ("nan", "inf"))
        params_ok = all(not p.get("nan") and not p.get("inf") for p in (ev.get("params") or {}).values())
        if ev.get("module") == order[0] and not (nan or inf):
            return Outcome.not_checked("no input batch was sampled")
        if ev.get("module") != order[0] or not params_ok:
            return Outcome.passed("no batch was sampled; the first non-finite forward did not start at the "
                                  "model's input")
        numel = sum(int(i.get("numel", 0)) for i in ins)
        return Outcome.found(Finding(
            self.id, f"{nan + inf} NaN/Inf values of {numel} in the model's input at step {ev['step']} (the input "
                     f"of {ev['module']}, the first module, whose weights were finite)",
            severity="error", confidence=0.85, location="input", step=int(ev["step"]),
            evidence={"nan": nan, "inf": inf, "values": numel, "first_module": ev["module"]},
            advice="Find and fill the missing values before training (torch.nan_to_num, SimpleImputer, or drop "
                   "the rows: X[~torch.isnan(X).any(1)]); one NaN in a batch makes the loss and every weight NaN.",
            explains=["loss.nan_inf", "tensor.overflow", "grad.exploding"]))

    #: sampled training batches of integer ids that must all hold one and the same id
    ONE_ID_BATCHES = 3

    def _one_id(self, ctx: Context) -> Finding | None:
        """Integer inputs (token or category ids) that are one and the same id in every sampled training batch:
        a lookup that misses every key maps everything to the unknown id (probe O f02: a vocabulary keyed by
        ``most_common()``'s (word, count) tuples, every word <unk> 0, 0.25 against 0.97; a loss at a constant
        answer's was all that showed). The inputs carry nothing: the placeholder is all there is."""
        xs = [b for b in sig.batches(ctx, "train") if (b.get("x") or {}).get("integer_dtype")]
        if len(xs) < self.ONE_ID_BATCHES or not all(
                b["x"].get("distinct") == 1 and b["x"].get("numel", 0) >= 8 and b["x"].get("min") == xs[0]["x"]["min"]
                for b in xs):
            return None
        value, ids = xs[0]["x"]["min"], sum(int(b["x"]["numel"]) for b in xs)
        return Finding(
            self.id, f"Every id in the {len(xs)} sampled training batches is {sig.fmt_num(value)} "
                     f"({ids} ids): the inputs are all one placeholder (an "
                     f"unknown or padding id), and carry nothing to learn from",
            severity="error", confidence=0.85, location="input ids", step=int(xs[0].get("step", STATIC_STEP)),
            evidence={"id": value, "batches": len(xs), "ids_sampled": ids,
                      "dtype": xs[0]["x"].get("dtype")},
            advice="Check the lookup that turns tokens into ids: print a few encoded samples. A vocabulary built "
                   "from Counter.most_common() holds (word, count) pairs as keys (use {w: i for i, (w, _) in "
                   "enumerate(...)}); tokens split or lower-cased differently than the vocabulary; an id column "
                   "read as another field.",
            explains=["fit.underfitting", "loss.not_converging", "weight.change_too_small", "data.label_errors",
                      "weight.not_updating", "graph.node_connection"])

    def run(self, ctx: Context) -> Outcome:
        one = self._one_id(ctx)
        if one is not None:
            return Outcome.found(one)
        bs = sig.batches(ctx, "train") + sig.batches(ctx, "eval")
        xs = [b for b in bs if "x" in b]
        if not xs:
            return self._at_the_first_module(ctx)
        nan = sum(b["x"].get("nan", 0) for b in xs)
        inf = sum(b["x"].get("inf", 0) for b in xs)
        numel = sum(b["x"].get("numel", 0) for b in xs)
        missing = _per_feature(xs, "missing")
        sentinel = _per_feature(xs, "sentinel")
        n_rows = sum(b["x"]["shape"][0] for b in xs if b.get("x", {}).get("per_feature"))
        feat_missing = missing.sum(0) if missing is not None else None
        feat_sentinel = sentinel.sum(0) if sentinel is not None else None
        sentinel_bad = feat_sentinel is not None and n_rows and \
            np.any(feat_sentinel / max(n_rows, 1) >= self.SENTINEL_FRACTION)
        if not nan and not inf and not sentinel_bad:
            return Outcome.passed(f"no NaN/Inf or placeholder values in {len(xs)} sampled batches")
        bad_batches = [b for b in xs if b["x"].get("nan", 0) or b["x"].get("inf", 0)]
        if sentinel_bad and not (nan or inf):
            j = int(np.argmax(feat_sentinel))
            what, count = "placeholder values (such as -999)", int(feat_sentinel.sum())
            bad_batches = [b for b in xs if any(b["x"].get("per_feature", {}).get("sentinel", []))]
        else:
            j = int(np.argmax(feat_missing)) if feat_missing is not None and feat_missing.max() > 0 else None
            what, count = "NaN/Inf values", int(nan + inf)
        loc = f"input feature {j}" if j is not None else "input"
        first = bad_batches[0] if bad_batches else xs[0]
        roles = sorted({b.get("role") or "train" for b in bad_batches})
        return Outcome.found(Finding(
            self.id, f"{count} {what} in the sampled input batches ({', '.join(roles)})",
            severity="error", confidence=0.9, location=loc, step=int(first.get("step", STATIC_STEP)),
            evidence={"nan": int(nan), "inf": int(inf), "values_sampled": int(numel),
                      "sentinel_values": int(feat_sentinel.sum()) if feat_sentinel is not None else 0,
                      "features_affected": int(np.sum((feat_missing if feat_missing is not None else 0) +
                                                      (feat_sentinel if feat_sentinel is not None else 0) > 0)),
                      "first_batch": {"loader": first.get("loader"), "index": first.get("index"),
                                      "epoch": first.get("epoch")}},
            advice="Clean the data before training: drop rows with missing values or impute them (mean/median, "
                   "sklearn.impute.SimpleImputer), and replace placeholder codes such as -999 by NaN before imputing.",
            explains=["loss.nan_inf", "tensor.overflow", "loss.blowup", "grad.exploding", "fit.underfitting",
                      "loss.not_converging"]))


@register
class ClassImbalance(Check):
    """``data.class_imbalance``: class counts far apart, with weak results on the small classes.

    ``RATIO`` (largest over smallest class in the sampled training labels) follows the
    seed's example (1000 against 100 samples). Imbalance alone is only a problem when
    small classes do badly, so with an evaluation confusion matrix the check asks the
    smallest class's recall to trail the largest's by ``RECALL_GAP``; a class-weighted
    loss or a sampler that rebalances batches (the batches then look balanced) answers
    it and passes.
    """

    id = "data.class_imbalance"
    needs = frozenset({"batch"})
    RATIO = 8.0
    RECALL_GAP = 0.2

    #: a dataset at least this imbalanced (largest over smallest class) for the double correction to matter
    TWICE_RATIO = 4.0
    #: loss weights giving the smallest class at least this many times the largest's weight
    TWICE_WEIGHT = 2.0

    def _corrected_twice(self, ctx: Context, counts: dict[int, int]) -> Finding | None:
        """An imbalance answered twice: a sampler that balances the batches (the sampled labels far nearer
        balance than the dataset's) and a loss weighted by inverse frequency besides. In the loss each rare class then
        weighs about the imbalance over the majority (sampled as often, weighted as much more), and the model
        calls the majority class a rare one (probe P f07:
        85/10/5% traces, 0.82 against 0.94; nothing was found, the balanced batches passed the imbalance
        check). From the loader's labels, the sampled batches' and the loss's class weights; where the
        evaluation's recall is known, the largest class must be recalled worse than the smallest."""
        data = sig.loader_label_counts(ctx, "train", sampler="WeightedRandomSampler")
        if len(data) < 2 or len(counts) < 2 or set(counts) - set(data):
            return None
        big, small = max(data, key=data.get), min(data, key=data.get)
        ratio = data[big] / max(data[small], 1)
        sampled = counts.get(big, 0) / max(counts.get(small, 0), 1)
        if ratio < self.TWICE_RATIO or sampled > ratio ** 0.5:
            return None
        call = next((e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train" and e.get("class_weight")),
                    None)
        w = (call or {}).get("class_weight") or []
        if len(w) <= max(big, small) or w[big] <= 0 or w[small] < self.TWICE_WEIGHT * w[big]:
            return None
        recall = sig.eval_recall(ctx)
        if recall and big in recall and small in recall and recall[big] >= recall[small]:
            return None
        # each class's total weight in the loss: its sampled count times its weight (balanced: equal)
        boost = counts[small] * w[small] / max(counts[big] * w[big], 1e-12)
        fmt = lambda d: "/".join(str(d.get(c, 0)) for c in sorted(data))
        return Finding(
            self.id, f"The class imbalance is corrected twice: the WeightedRandomSampler balances the batches "
                     f"(sampled {fmt(counts)} of a dataset of {fmt(data)}) and the loss weights the classes again "
                     f"({'/'.join(f'{x:.3g}' for x in w)}): in the loss class {small} weighs {boost:.0f}x class "
                     f"{big}, where balance is 1x" + (f", and class {big} is recalled {recall[big]:.0%} against {recall[small]:.0%}"
                                    if recall and big in recall and small in recall else ""),
            severity="error", confidence=0.8, location=f"{call['function']} weight", step=STATIC_STEP,
            evidence={"dataset_label_counts": {str(k): v for k, v in sorted(data.items())},
                      "sampled_label_counts": {str(k): v for k, v in sorted(counts.items())},
                      "class_weight": [round(x, 4) for x in w], "rare_class_weight_in_loss": round(boost, 2),
                      **({"eval_recall": {str(k): round(v, 3) for k, v in recall.items()}} if recall else {})},
            advice="Answer the imbalance once: either the sampler (balanced batches, an unweighted loss) or the "
                   "loss weights (a plain shuffled loader), not both.",
            explains=["fit.underfitting", "fit.overfitting", "loss.oscillating", "data.label_errors"])

    def run(self, ctx: Context) -> Outcome:
        counts = sig.label_counts(ctx, "train")
        twice = self._corrected_twice(ctx, counts)
        if twice is not None:
            return Outcome.found(twice)
        if len(counts) == 1:
            return self._one_class(ctx, counts)
        if len(counts) < 2:
            return Outcome.not_checked("no class labels in the sampled training batches")
        big = max(counts, key=counts.get)
        small = min(counts, key=counts.get)
        ratio = counts[big] / max(counts[small], 1)
        classes = sig.num_classes(ctx) or len(counts)
        missing_classes = [c for c in range(classes) if c not in counts] if classes > len(counts) else []
        if ratio < self.RATIO and not missing_classes:
            return Outcome.passed(f"largest/smallest class ratio {ratio:.1f}")
        weighted = any(e.get("weighted") for e in sig.events(ctx, "loss_call") if e.get("mode") == "train")
        recall = sig.eval_recall(ctx)
        evidence = {"train_label_counts": {str(k): v for k, v in sorted(counts.items())},
                    "ratio_largest_to_smallest": round(ratio, 2), "class_weighted_loss": weighted}
        if recall:
            evidence["eval_recall"] = {str(k): round(v, 3) for k, v in recall.items()}
        if weighted:
            wrong = self._weights_against_counts(ctx, counts, evidence)
            if wrong is not None:
                return Outcome.found(wrong)
            return Outcome.found(Finding(self.id, f"Classes are imbalanced ({ratio:.0f}:1), answered by a "
                                                  f"class-weighted loss", severity="info", confidence=0.3,
                                         location=f"class {small}", step=STATIC_STEP, evidence=evidence))
        if recall and small in recall and big in recall and recall[big] - recall[small] < self.RECALL_GAP:
            return Outcome.found(Finding(self.id, f"Classes are imbalanced ({ratio:.0f}:1) but the small class "
                                                  f"is recalled as well", severity="info", confidence=0.3,
                                         location=f"class {small}", step=STATIC_STEP, evidence=evidence))
        weak = f"; recall of class {small} is {recall[small]:.0%} against {recall[big]:.0%}" \
            if recall and small in recall and big in recall else ""
        return Outcome.found(Finding(
            self.id, f"Class {small} has {ratio:.0f}x fewer samples than class {big}{weak}",
            severity="warning" if not recall else "error", confidence=0.75 if recall else 0.55,
            location=f"class {small}", step=STATIC_STEP, evidence=evidence,
            advice=f"Rebalance: collect or oversample class {small} (WeightedRandomSampler), or weight the loss "
                   f"by inverse class frequency (CrossEntropyLoss(weight=...)); report per-class recall or F1, "
                   f"not accuracy alone.",
            explains=["fit.underfitting", "fit.overfitting", "loss.not_converging"]))

    #: class weights that give the largest class this many times the smallest class's weight favour the majority
    WEIGHT_ORDER = 2.0
    #: a pos_weight this many times the negatives-to-positives ratio (or this many times below it) over-answers it
    POS_WEIGHT_FACTOR = 5.0

    def _weights_against_counts(self, ctx: Context, counts: dict[int, int], evidence: dict) -> Finding | None:
        """A class-weighted loss whose weights do not answer the imbalance they were meant for. Balanced weights
        go as 1 / count: the rarest class weighs most. Weights computed for classes in another order (sklearn's
        compute_class_weight over np.unique's alphabetical names, labels numbered by frequency) give the largest
        class the largest weight (probe K f01: 12.5 on 80% of the data, 0.31 on 2%; the rarest class recalled at
        8%). A pos_weight is balanced at n_neg / n_pos; n_neg itself (6446 for a ratio of 31) makes every sample
        look positive (probe K f13: accuracy 0.07, F1 0.06 against 0.57)."""
        calls = [e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train"]
        big = max(counts, key=counts.get)
        small = min(counts, key=counts.get)
        for ev in calls:
            w = ev.get("class_weight")
            if w and len(w) > max(counts) and w[small] > 0 and w[big] >= self.WEIGHT_ORDER * w[small]:
                return Finding(
                    self.id, f"The loss weights class {big}, the largest ({counts[big] / sum(counts.values()):.0%} of "
                             f"the samples), {w[big]:.3g} and class {small}, the smallest, {w[small]:.3g}: the "
                             f"class weights favour the majority, in another order than the classes",
                    severity="error", confidence=0.8, location=f"{ev['function']} weight", step=STATIC_STEP,
                    evidence={**evidence, "class_weight": [round(x, 4) for x in w]},
                    advice="Compute the weights in the order of the label ids (weight[c] for label c, e.g. "
                           "compute_class_weight('balanced', classes=np.arange(C), y=y_ids) on the encoded labels, "
                           "not on names sorted another way); the rarest class should weigh most.",
                    explains=["fit.underfitting", "fit.overfitting", "loss.not_converging"])
            pw = ev.get("pos_weight")
            if pw and len(pw) == 1 and set(counts) == {0, 1} and counts[1] > 0:
                balanced = counts[0] / counts[1]
                factor = pw[0] / balanced if balanced > 0 else math.inf
                if factor >= self.POS_WEIGHT_FACTOR or (balanced >= self.RATIO and pw[0] < 1):
                    much = factor >= self.POS_WEIGHT_FACTOR
                    times = f"{factor:.0f}" if factor >= 10 else f"{factor:.2g}"
                    return Finding(
                        self.id, f"pos_weight={pw[0]:.4g} is {times}x the negatives-to-positives ratio "
                                 f"{balanced:.1f} of the training labels: positives weigh "
                                 + ("so much that predicting positive everywhere pays" if much else
                                    "less than negatives, though they are the rarer class"),
                        severity="error" if much else "warning", confidence=0.8 if much else 0.6,
                        location=f"{ev['function']} pos_weight", step=STATIC_STEP,
                        evidence={**evidence, "pos_weight": pw[0], "negatives_per_positive": round(balanced, 3)},
                        advice=f"Set pos_weight to n_negative / n_positive ({balanced:.3g} here), or lower, and pick "
                               f"the decision threshold on validation data.",
                        explains=["fit.underfitting", "fit.overfitting", "loss.not_converging",
                                  "hparam.epochs_too_many"])
        return None

    def _one_class(self, ctx: Context, counts: dict[int, int]) -> Outcome:
        """Every sampled training label is the same class: a model that learns it predicts nothing else. A fault
        when the task has more classes (the model's output width, or the evaluation labels), not a one-class
        setup by design (the loss then has one output)."""
        (only, n), = counts.items()
        outputs = sig.num_classes_from_outputs(ctx)
        eval_classes = sorted(sig.label_counts(ctx, "eval"))
        if (outputs or 0) < 2 and len(eval_classes) < 2:
            return Outcome.passed(f"one class ({only}) in the training labels, and one output")
        where = (f"evaluation has {len(eval_classes)} classes" if len(eval_classes) >= 2
                 else f"the model outputs {outputs} classes")
        return Outcome.found(Finding(
            self.id, f"The training labels hold one class only (class {only}, {n} sampled labels); {where}",
            severity="error", confidence=0.9, location=f"class {only}", step=STATIC_STEP,
            evidence={"train_label_counts": {str(only): n}, "model_outputs": outputs,
                      "eval_classes": eval_classes},
            advice="Look at how the labels are built or loaded: a bug that overwrites them (y * 0, a wrong column, "
                   "a filter that keeps one class) leaves a model that predicts that class for everything.",
            explains=["loss.zero", "fit.overfitting", "fit.underfitting", "hparam.epochs_too_many"]))


@register
class Outliers(Check):
    """``data.outliers``: values far outside the rest of their feature.

    Robust scale per feature: the median over sampled batches of the batch mean and
    standard deviation (one extreme value moves a batch's std, never the median of
    many), floored at the median scale of all features so that a sparse feature
    (constant in most batches) is measured on the data's scale. A value beyond
    ``ROBUST_Z`` of those from the median is an outlier: Gaussian data never
    reaches it, nor does a standardised binary feature with one positive in 2000
    rows (z about 45); unit mix-ups and corrupt records (x1000) go far beyond.
    Exact missing-value codes are left to ``data.missing_values``.
    """

    id = "data.outliers"
    needs = frozenset({"batch"})
    ROBUST_Z = 60.0

    def run(self, ctx: Context) -> Outcome:
        bs = [b for b in sig.batches(ctx, "train") if b.get("x", {}).get("per_feature")]
        if len(bs) < 3:
            return Outcome.not_checked("too few sampled training batches with per-feature statistics")
        mean, std = _per_feature(bs, "mean"), _per_feature(bs, "std")
        lo, hi = _per_feature(bs, "min"), _per_feature(bs, "max")
        sentinel = _per_feature(bs, "sentinel")
        if mean is None:
            return Outcome.not_checked("batches of varying width")
        center = np.nanmedian(mean, 0)
        scale = np.nanmedian(std, 0)
        scale = np.maximum(scale, np.nanmedian(scale))
        ok = scale > 1e-12
        z_hi = np.where(ok, (hi - center) / np.where(ok, scale, 1), 0)
        z_lo = np.where(ok, (center - lo) / np.where(ok, scale, 1), 0)
        z = np.nan_to_num(np.maximum(z_hi, z_lo), nan=0.0)
        if sentinel is not None:
            z[:, sentinel.sum(0) > 0] = 0
        if not np.any(z > self.ROBUST_Z):
            return Outcome.passed(f"no value beyond {self.ROBUST_Z:.0f} robust standard deviations")
        feat_z = z.max(0)
        j = int(np.argmax(feat_z))
        bi = int(np.argmax(z[:, j]))
        b = bs[bi]
        n_feat = int(np.sum(feat_z > self.ROBUST_Z))
        n_batches = int(np.sum(np.any(z > self.ROBUST_Z, 1)))
        return Outcome.found(Finding(
            self.id, f"Input feature {j} holds a value {feat_z[j]:.0f} robust standard deviations from its median",
            severity="warning", confidence=0.7, location=f"input feature {j}", step=int(b.get("step", 0)),
            evidence={"feature": j, "robust_z": round(float(feat_z[j]), 1), "median": float(center[j]),
                      "typical_std": float(scale[j]), "batch_min": float(lo[bi, j]), "batch_max": float(hi[bi, j]),
                      "features_with_outliers": n_feat, "batches_with_outliers": n_batches,
                      "batches_sampled": len(bs), "batch": {"epoch": b.get("epoch"), "index": b.get("index")}},
            advice="Find and fix or drop the abnormal rows (measurement errors, unit mix-ups), or clip/winsorise "
                   "the feature and use robust scaling (sklearn RobustScaler) before training.",
            explains=["loss.oscillating", "loss.blowup", "grad.exploding", "loss.not_converging", "loss.nan_inf",
                      "fit.underfitting"]))


_SHIFT_OPS = ("aten.sub", "aten.add", "aten.sub_", "aten.add_")
_SCALE_OPS = ("aten.div", "aten.mul", "aten.div_", "aten.mul_")


def _standardised_in_forward(ctx: Context) -> str | None:
    """A model whose forward begins with ``(x - mean) / std`` (per-feature vectors, not parameters): the inputs
    are standardised inside it, which the loader's batches do not show. From the op graph: the first op on the
    batch and the op that takes its result, shifting or scaling by vectors of one value per feature."""
    for g in sig.events(ctx, "opgraph"):
        ops = g.get("ops", [])
        for i, op in enumerate(ops):
            batch = next((t for t in op.get("in", []) if "from" not in t and "param" not in t
                          and len(t.get("shape") or []) >= 2 and t["shape"][0] > 1), None)
            if batch is None:
                continue
            width = batch["shape"][-1] if len(batch["shape"]) == 2 else batch["shape"][1]
            done, k = [], i
            while k is not None and len(done) < 2:
                cur = ops[k]
                vector = any("from" not in t and "param" not in t and t is not batch and t.get("shape") is not None
                             and math.prod(t["shape"]) == width for t in cur.get("in", []))
                if cur["op"] not in _SHIFT_OPS + _SCALE_OPS or not vector:
                    break
                done.append(cur["op"].replace("aten.", "").rstrip("_"))
                k = next((n for n in range(k + 1, min(k + 4, len(ops)))
                          if any((t.get("from") or [None])[0] == k for t in ops[n].get("in", []))), None)
            if any(d in ("div", "mul") for d in done):
                return " then ".join(done) + f" by vectors of {width} per-feature values"
            return None  # the first op on the batch is something else
    return None


def _first_layer(ctx: Context) -> tuple[str, str] | None:
    """``(name, class)`` of the first module without children that the training forward runs."""
    from ..signals import module_forward_order

    mods = {m["name"]: m for m in ctx.modules()}
    for name in module_forward_order(ctx):
        m = mods.get(name)
        if m is not None and not m.get("children"):
            return name, m["class"]
    return None


@register
class NotNormalized(Check):
    """``data.not_normalized``: input dimensions on very different scales, or far from [-1, 1].

    Per-feature standard deviations of the training batches: when the typical
    spreads of the widest and narrowest features (95th over 5th percentile, features
    that never vary left out) differ by ``SCALE_RATIO`` (two orders of magnitude, the
    seed's "数量级的差异"), or when values reach ``MAX_ABS`` (raw 0..255 pixels, raw
    physical units), the inputs were not standardised. The targets of a regression
    loss count too: beyond ``TARGET_MAX_ABS`` (prices in dollars), or beyond
    ``TARGET_FLAT_ABS`` while the loss stays flat. Inputs that go first through a
    BatchNorm are standardised by it: they pass.
    """

    id = "data.not_normalized"
    needs = frozenset()
    SCALE_RATIO = 100.0
    MAX_ABS = 50.0
    #: regression targets this large are far from what a freshly initialised network outputs (about 0, spread
    #: about 1): its last layer must grow by that much, and the MSE gradients grow with the target
    TARGET_MAX_ABS = 1e3
    #: smaller targets still count when the loss stays flat
    TARGET_FLAT_ABS = 10.0

    def run(self, ctx: Context) -> Outcome:
        target = self._target(ctx)
        if target is not None:
            return Outcome.found(target)
        bs = [b for b in sig.batches(ctx, "train") if b.get("x", {}).get("dtype", "").startswith(("float", "bfloat"))]
        if not bs:
            return Outcome.not_checked("no floating-point input batch was sampled")
        std = _per_feature(bs, "std")
        mean = _per_feature(bs, "mean")
        rows = self._rows_standardised(bs, std) or self._axes_standardised(bs, std)
        if rows is not None:
            return Outcome.found(rows)
        ratio, spread = 1.0, None
        if std is not None and std.shape[1] >= 2:
            spread = np.nanmedian(std, 0)
            varying = spread[spread > 1e-8]
            if len(varying) >= 2:
                ratio = float(np.percentile(varying, 95) / max(np.percentile(varying, 5), 1e-12))
        max_abs = max(max(abs(b["x"].get("min", 0)), abs(b["x"].get("max", 0))) for b in bs if "x" in b)
        typical_abs = float(np.median([abs(b["x"].get("mean", 0)) + b["x"].get("std", 0) for b in bs]))
        if ratio < self.SCALE_RATIO and typical_abs < self.MAX_ABS:
            return Outcome.passed(f"feature scales within {ratio:.0f}x, values up to {max_abs:.3g}")
        inside = _standardised_in_forward(ctx)
        if inside:
            return Outcome.passed(f"feature scales differ by {ratio:.0f}x (values up to {max_abs:.3g}) in the loader, "
                                  f"but the model's forward standardises them first ({inside})")
        first = _first_layer(ctx)
        if first is not None and "BatchNorm" in first[1]:
            # a BatchNorm on the raw inputs standardises each feature with its batch statistics
            return Outcome.passed(f"feature scales differ by {ratio:.0f}x (values up to {max_abs:.3g}), but the "
                                  f"model's first layer {first[0]} ({first[1]}) standardises them")
        evidence = {"feature_std_ratio_p95_p5": round(ratio, 1), "max_abs": max_abs,
                    "typical_abs_value": round(typical_abs, 3)}
        loc = "input"
        if spread is not None:
            j_hi, j_lo = int(np.nanargmax(spread)), int(np.nanargmin(np.where(spread > 1e-8, spread, np.inf)))
            evidence.update(widest_feature=j_hi, widest_std=float(spread[j_hi]), narrowest_feature=j_lo,
                            narrowest_std=float(spread[j_lo]))
            if mean is not None:
                evidence["widest_mean"] = float(np.nanmedian(mean, 0)[j_hi])
            loc = f"input feature {j_hi}"
        title = (f"Input features differ in scale by {ratio:.0f}x" if ratio >= self.SCALE_RATIO
                 else f"Inputs are not normalised: values around {typical_abs:.3g}")
        return Outcome.found(Finding(
            self.id, title, severity="warning", confidence=0.75, location=loc, step=_first_step(bs),
            evidence=evidence,
            advice="Standardise each feature with statistics of the training set (x - mean) / std "
                   "(sklearn StandardScaler), or scale images to [0, 1] and normalise per channel; apply the "
                   "same transform at evaluation.",
            explains=["loss.not_converging", "loss.oscillating", "loss.blowup", "grad.exploding",
                      "activation.saturated", "fit.underfitting", "loss.nan_inf", "activation.dead_relu"]))


    #: table rows (of ``MIN_FEATURES`` or more) standardised: at most this far from mean 0 and std 1 ...
    ROW_MEAN_TOL = 0.01
    ROW_STD_TOL = 0.1
    MIN_FEATURES = 4
    #: ... while the features' own spreads across the samples are mostly below this: the samples differ from one
    #: another far less than the features differ from one another (wine standardised per row: 0.01-0.18)
    ROW_FEATURE_STD = 0.25

    def _rows_standardised(self, bs: list[dict], std: np.ndarray | None) -> Finding | None:
        """A table standardised along the wrong axis: ``(X - X.mean(1)) / X.std(1)`` gives every sample mean 0 and
        std 1 across its features, the large-valued features dominate each row, and the features' variation
        across samples, what the model learns from, shrinks to a few hundredths (wine: validation 0.69 against
        0.98 standardised per column). From the example rows of the first sampled batches."""
        tables = [np.array(b["x"]["examples"]["data"], dtype=np.float64) for b in bs
                  if (b["x"].get("examples") or {}).get("type") == "table" and len(b["x"].get("shape", [])) == 2
                  and b["x"]["shape"][1] >= self.MIN_FEATURES and b["x"]["shape"][1] <= 64]
        tables = [t for t in tables if t.ndim == 2 and len(t) >= 2 and np.isfinite(t).all()]
        if not tables or std is None:
            return None
        x = np.concatenate(tables)
        row_mean, row_std = x.mean(1), x.std(1)
        # the population or the sample std (ddof 1), either within the tolerance
        ok = (np.abs(row_mean) <= self.ROW_MEAN_TOL) & (np.abs(row_std - 1) <= self.ROW_STD_TOL)
        spread = np.nanmedian(std, 0)
        if ok.mean() < 0.9 or not np.isfinite(spread).any() or np.nanmedian(spread) >= self.ROW_FEATURE_STD:
            return None
        return Finding(
            self.id, f"Each input row is standardised across its {x.shape[1]} features (every sample has mean 0 and "
                     f"std 1), not each feature across the samples: the features vary by only "
                     f"{np.nanmin(spread):.2g}-{np.nanmax(spread):.2g} from sample to sample",
            severity="warning", confidence=0.8, location="input", step=_first_step(bs),
            evidence={"rows_checked": int(len(x)), "rows_standardised": round(float(ok.mean()), 3),
                      "feature_std_median": round(float(np.nanmedian(spread)), 4),
                      "feature_std_min": round(float(np.nanmin(spread)), 4),
                      "feature_std_max": round(float(np.nanmax(spread)), 4)},
            advice="Standardise each feature over the samples: (X - X.mean(0)) / X.std(0) with the training set's "
                   "statistics (sklearn StandardScaler), not over the features of each sample (axis=1).",
            explains=["fit.underfitting", "loss.not_converging", "data.preprocess_mismatch"])

    #: a batch standardised as a whole: its mean within this of 0 and its std within this of 1 ...
    WHOLE_MEAN_TOL = 0.05
    WHOLE_STD_TOL = 0.1
    #: ... while no feature varies across the batch by more than this
    AXES_FEATURE_STD = 0.1

    def _axes_standardised(self, bs: list[dict], std: np.ndarray | None) -> Finding | None:
        """Inputs standardised over the wrong axes: ``(X - X.mean((0, 1))) / X.std((0, 1))`` on ``(N, C, T)``
        windows gives each time step one mean and std over the samples and channels, so the batch as a whole has
        mean 0 and std 1, but each channel keeps its offset and its spread shrinks to what it was against the
        largest channel's scale (sensor windows with pressure ~1000 and a gyroscope ~0.05: the gyroscope, which
        carries the class, varies by 9e-5, validation 0.32 against 1.00 per channel). Every batch mean 0 and
        std 1 while every feature's spread stays below ``AXES_FEATURE_STD`` is no standardisation a user meant:
        the spread is all between the features, none between the samples."""
        if std is None or std.shape[1] < 2:
            return None
        whole = [(b["x"].get("mean"), b["x"].get("std")) for b in bs]
        if any(m is None or s is None for m, s in whole):
            return None
        mean, spread_all = float(np.median([m for m, _ in whole])), float(np.median([s for _, s in whole]))
        spread = np.nanmedian(std, 0)
        if (abs(mean) > self.WHOLE_MEAN_TOL or abs(spread_all - 1) > self.WHOLE_STD_TOL
                or not np.isfinite(spread).all() or np.max(spread) > self.AXES_FEATURE_STD):
            return None
        axis = bs[0]["x"]["per_feature"].get("axis", 1)
        means = _per_feature(bs, "mean")
        kind = "features" if len(bs[0]["x"].get("shape", [])) == 2 else f"channels (dim {axis})"
        return Finding(
            self.id, f"The inputs are standardised as a whole (batch mean {mean:.2g}, std {spread_all:.3g}) but "
                     f"each of their {std.shape[1]} {kind} varies by only {np.min(spread):.2g}-{np.max(spread):.2g} "
                     f"from sample to sample: the mean and std were taken over the wrong axes",
            severity="warning", confidence=0.8, location="input", step=_first_step(bs),
            evidence={"batch_mean": round(mean, 4), "batch_std": round(spread_all, 4), "feature_axis": axis,
                      "feature_std": [fmt_sig(float(v)) for v in spread],
                      **({"feature_mean": [fmt_sig(float(v)) for v in np.nanmedian(means, 0)]}
                         if means is not None and means.shape == std.shape else {})},
            advice="Take the statistics per feature (per channel) over the samples and the other axes, e.g. "
                   "X.mean(axis=(0, 2), keepdims=True) and X.std(axis=(0, 2), keepdims=True) for (N, C, T) data, "
                   "with the training set's values, and apply the same at evaluation.",
            explains=["fit.underfitting", "loss.not_converging", "data.preprocess_mismatch", "data.label_errors"])

    def _target(self, ctx: Context) -> Finding | None:
        """A regression loss whose targets are on a scale the network's output cannot reach soon."""
        calls = [e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train"
                 and e.get("function") in sig.ELEMENTWISE_LOSSES and "min" in e.get("target", {})]
        if not calls:
            return None
        t = calls[0]["target"]
        scale = max(abs(t["min"]), abs(t["max"]))
        flat = bool([f for f in ctx.findings if f.id in ("loss.not_converging", "fit.underfitting")
                     and f.severity in ("warning", "error")])
        if scale < self.TARGET_MAX_ABS and not (flat and scale >= self.TARGET_FLAT_ABS):
            return None
        return Finding(
            self.id, f"The regression targets of {calls[0]['function']} reach {sig.fmt_num(scale)} (mean "
                     f"{sig.fmt_num(t.get('mean', 0))}): not scaled, while the network's outputs start near 0",
            severity="warning", confidence=0.75 if flat else 0.6, location="target", step=int(calls[0].get("step", 0)),
            evidence={"target": t, "loss_flat": flat},
            advice="Standardise the target with the training set's mean and std (or divide by its scale), train "
                   "on that, and map predictions back; or initialise the last layer's bias to the target mean.",
            explains=["loss.not_converging", "loss.blowup", "grad.exploding", "weight.change_too_large",
                      "fit.underfitting", "loss.oscillating"])



@register
class PreprocessMismatch(Check):
    """``data.preprocess_mismatch``: evaluation inputs processed differently from training inputs.

    Compares the sampled evaluation batches with the training batches, feature by
    feature: a mean shifted by more than ``MEAN_SHIFT`` training standard deviations,
    or a spread ``SCALE_RATIO`` times larger or smaller, on at least
    ``FEATURE_SHARE`` of the features. Random train/test splits of one dataset stay
    far inside these (a shift of 0.2 std is already unusual), and so does
    augmentation noise on the training side (noise of 0.5 std widens the spread by
    12%), while a missed normalisation or a different scaling moves every feature.
    Labels too: an evaluation confusion matrix whose rows each have one dominant
    prediction (``REMAP_CONSISTENCY`` of the samples), mostly not on the diagonal, is a
    class numbering that differs between training and evaluation; and a regression's
    evaluation targets far from its training targets (``TARGET_SHIFT``, ``TARGET_SCALE``)
    are transformed differently.
    """

    id = "data.preprocess_mismatch"
    needs = frozenset()
    MEAN_SHIFT = 1.0
    SCALE_RATIO = 2.5
    FEATURE_SHARE = 0.3
    #: labels remapped: the share of evaluation samples predicted as their class's most frequent prediction
    #: (a permutation of the classes keeps it high) and how far below it the accuracy must be
    REMAP_CONSISTENCY = 0.6
    REMAP_ACC_SHARE = 0.5

    def _learned_not_carried(self, ctx: Context) -> Finding | None:
        """Validation at chance at every evaluation while training learned, and learned what carries over: the
        first epoch's later training batches, each scored before the model trained on it, were well above chance,
        and the validation predictions' classes are not the labels' (``symptoms.evaluation_inputs_apart``). The
        labels follow the inputs in training, so the validation inputs are not what the model was trained on,
        though their features have the training's means and spreads: a transform fit again on them
        (``pca.fit_transform(X_val)``: components reordered and their signs flipped; probe M f13, 0.10 against
        0.96, blamed on the training labels). Not where a part of the model never gets a gradient: the evaluation
        may read it untrained."""
        from ..symptoms import evaluation_inputs_apart, validation_at_chance

        chance = validation_at_chance(ctx)
        if chance is None or not evaluation_inputs_apart(chance):
            return None
        missing = sig.events(ctx, "grad_missing")
        if missing and set(missing[0].get("params") or []) & set(missing[-1].get("params") or []):
            # a part that never gets a gradient may be what the evaluation reads (probe N f01: the loss on the
            # auxiliary head, the main head evaluated untrained): graph.node_connection's to say
            return None
        return Finding(
            self.id, f"Validation stays at chance ({chance['best_val_acc']:.2f} at best, chance {chance['chance']:.2f}) "
                     f"while the model learned what carries over to new training samples: the first epoch's "
                     f"batches, each scored before training on it, were {chance['first_epoch_acc']:.2f} right, and "
                     f"{chance['predictions_apart']:.0%} of the validation predictions would have to change class to "
                     f"match the labels' classes. The validation inputs are not processed as the training inputs were",
            severity="error", confidence=0.7, location="evaluation inputs", step=0,
            evidence={k: round(v, 4) if isinstance(v, float) else v for k, v in chance.items()},
            advice="Transform validation data with what was fit on the training data: scaler.transform(X_val), "
                   "pca.transform(X_val), the training vocabulary; never fit_transform on the validation set. "
                   "Their means and spreads can match while the features mean other things (components reordered, "
                   "signs flipped).",
            explains=["fit.overfitting", "data.label_errors", "hparam.epochs_too_many", "loss.zero",
                      "data.too_few_samples"])

    #: pairs of passes compared at least, and the share of them that must differ
    RANDOM_PAIRS = 2
    RANDOM_SHARE = 0.5
    #: the batch statistics compared between passes
    PASS_STATS = ("mean", "std", "min", "max")

    def _eval_randomised(self, ctx: Context) -> Finding | None:
        """Evaluation inputs that change from one pass to the next: a validation set built from the training
        ``Dataset`` class with its augmentation left on (``Traces(Xva, yva)`` without ``augment=False``: random
        gain, jitter and time masking at every evaluation; probe R f09: 0.85 against 1.00, nothing found). An
        evaluation loader that reads in order (a SequentialSampler) gives the same samples at the same batch
        index in every pass; a deterministic pipeline gives them the same statistics to the float's precision.
        ``RANDOM_SHARE`` of ``RANDOM_PAIRS`` or more such pairs differing is randomness at evaluation."""
        ordered = {e.get("loader") for e in sig.events(ctx, "dataloader") if e.get("sampler") == "SequentialSampler"}
        by: dict[tuple, list[dict]] = {}
        for b in sig.batches(ctx, "eval"):
            if b.get("loader") in ordered and "x" in b and b.get("index") is not None:
                by.setdefault((b["loader"], b["index"]), []).append(b)
        pairs, differ, example = 0, 0, None
        for (loader, index), bs in by.items():
            for a, c in zip(bs, bs[1:]):
                if a.get("epoch") == c.get("epoch") or a["x"].get("shape") != c["x"].get("shape"):
                    continue
                pairs += 1
                keys = [k for k in self.PASS_STATS if isinstance(a["x"].get(k), (int, float))
                        and isinstance(c["x"].get(k), (int, float))]
                if any(not math.isclose(a["x"][k], c["x"][k], rel_tol=1e-5, abs_tol=1e-7) for k in keys):
                    differ += 1
                    example = example or (loader, index, a, c)
        if pairs < self.RANDOM_PAIRS or differ < self.RANDOM_SHARE * pairs or example is None:
            return None
        loader, index, a, c = example
        return Finding(
            self.id, f"The evaluation inputs change from one pass to the next: batch {index} of evaluation loader "
                     f"{loader}, read in order, had mean {a['x']['mean']:.4g} and std {a['x']['std']:.4g} at pass "
                     f"{a.get('epoch')} and {c['x']['mean']:.4g} / {c['x']['std']:.4g} at pass {c.get('epoch')} "
                     f"({differ} of {pairs} such pairs differ): random augmentation runs at evaluation",
            severity="warning", confidence=0.8, location=f"evaluation loader {loader}", step=int(c.get("step", 0)),
            evidence={"pairs_compared": pairs, "pairs_different": differ, "loader": loader, "batch_index": index,
                      "first": {k: a["x"].get(k) for k in self.PASS_STATS},
                      "later": {k: c["x"].get(k) for k in self.PASS_STATS}},
            advice="Build the evaluation dataset without the training augmentation (augment=False, or "
                   "transforms with no random crop/flip/noise/masking), so that every pass scores the same inputs; "
                   "test-time augmentation averages several views of each sample instead.",
            explains=["fit.underfitting", "fit.overfitting", "data.label_errors", "hparam.epochs_too_many"])

    def run(self, ctx: Context) -> Outcome:
        remapped = self._remapped_labels(ctx)
        if remapped is not None:
            return Outcome.found(remapped)
        targets = self._targets_apart(ctx) or self._eval_randomised(ctx)
        if targets is not None:
            return Outcome.found(targets)
        noised = self._augmented_apart(ctx)
        if noised is not None:
            return Outcome.found(noised)
        ids = self._ids_apart(ctx)
        if ids is not None:
            return Outcome.found(ids)
        tables = self._encodings_apart(ctx)
        if tables is not None:
            return Outcome.found(tables)
        # what the model got: a batch changed in the loop (standardised there, noise added) as it was changed
        tr = [b for b in sig.seen_batches(ctx, "train") if "x" in b]
        ev = [b for b in sig.seen_batches(ctx, "eval") if "x" in b]
        if not tr or not ev:
            return Outcome.not_checked("needs sampled input batches of training and of evaluation")
        drift = self._training_inputs_drift(tr, ev)
        if drift is not None:
            return Outcome.found(drift)
        tm, ts = _per_feature(tr, "mean"), _per_feature(tr, "std")
        em, es = _per_feature(ev, "mean"), _per_feature(ev, "std")
        if tm is not None and em is not None and tm.shape[1] == em.shape[1]:
            mu_t, sd_t = np.nanmedian(tm, 0), np.nanmedian(ts, 0)
            mu_e, sd_e = np.nanmedian(em, 0), np.nanmedian(es, 0)
        else:
            mu_t = np.array([np.median([b["x"].get("mean", 0) for b in tr])])
            sd_t = np.array([np.median([b["x"].get("std", 0) for b in tr])])
            mu_e = np.array([np.median([b["x"].get("mean", 0) for b in ev])])
            sd_e = np.array([np.median([b["x"].get("std", 0) for b in ev])])
        varies = (sd_t > 1e-8) | (sd_e > 1e-8)
        if not np.any(varies):
            return Outcome.passed("inputs do not vary")
        pooled = np.maximum(sd_t, 1e-8)
        shift = np.abs(mu_e - mu_t) / pooled
        scale = np.maximum(sd_e, 1e-8) / np.maximum(sd_t, 1e-8)
        bad = varies & ((shift > self.MEAN_SHIFT) | (scale > self.SCALE_RATIO) | (scale < 1 / self.SCALE_RATIO))
        share = float(bad.sum() / varies.sum())
        if share < self.FEATURE_SHARE:
            apart = self._learned_not_carried(ctx)
            if apart is not None:
                return Outcome.found(apart)
            return Outcome.passed(f"evaluation inputs match training inputs ({share:.0%} of features differ)")
        agree = self._results_agree(ctx)
        if agree:
            return Outcome.passed(f"the evaluation loader's batches differ from the training loader's on {share:.0%} "
                                  f"of features, but {agree}: the script transforms them after loading")
        j = int(np.argmax(np.where(varies, shift + np.abs(np.log(scale)), -1)))
        return Outcome.found(Finding(
            self.id, f"Evaluation inputs differ from training inputs on {share:.0%} of features "
                     f"(feature {j}: mean {mu_t[j]:.3g} vs {mu_e[j]:.3g}, std {sd_t[j]:.3g} vs {sd_e[j]:.3g})",
            severity="error", confidence=0.85, location=f"input feature {j}" if len(mu_t) > 1 else "input",
            step=_first_step(ev),
            evidence={"features_differing": int(bad.sum()), "features": int(varies.sum()),
                      "train_mean": float(mu_t[j]), "eval_mean": float(mu_e[j]), "train_std": float(sd_t[j]),
                      "eval_std": float(sd_e[j]), "median_mean_shift_in_train_std": float(np.median(shift[varies])),
                      "median_std_ratio": float(np.median(scale[varies]))},
            advice="Apply exactly the training preprocessing at evaluation and inference (same scaler fitted on "
                   "the training data, same normalisation constants, same resize/crop); keep random "
                   "augmentation for training only.",
            explains=["fit.overfitting", "fit.underfitting"]))

    #: a string-to-id table of the evaluation dataset that maps this share of the sampled keys it shares with
    #: training's table (``MIN_SHARED`` of them at least) to other ids was built apart
    TABLE_DIFFER = 0.2
    MIN_SHARED = 10

    def _encodings_apart(self, ctx: Context) -> Finding | None:
        """An evaluation dataset that built its own vocabulary (or class-to-index table) instead of taking
        training's: ``ReviewDataset(val)`` counting its own words gives the same words other ids, and the model
        reads other words' embeddings (probe K f11: 0.54 against 1.00, the labels blamed). From the collector's
        sample of each dataset's string-to-id tables: the same attribute in a training and an evaluation dataset,
        two tables, and the words both sampled mapped to different ids."""
        def tables(desc: dict | None, out: dict) -> dict:
            if not desc:
                return out
            for name, t in (desc.get("encodings") or {}).items():
                out.setdefault(name, (desc.get("class"), t))
            tables(desc.get("wraps"), out)
            for part in desc.get("parts") or []:
                tables(part, out)
            return out

        train = [(ev, tables(ev.get("dataset"), {})) for ev in sig.loaders(ctx, "train")]
        evals = [(ev, tables(ev.get("dataset"), {})) for ev in sig.loaders(ctx, "eval") + sig.loaders(ctx, "test")]
        for eev, etab in evals:
            for tev, ttab in train:
                for name in sorted(set(etab) & set(ttab)):
                    (cls, e), (_, t) = etab[name], ttab[name]
                    if e.get("id") == t.get("id"):
                        continue
                    tmap = {k: v for k, v in t.get("sample", [])}
                    shared = [(k, tmap[k], v) for k, v in e.get("sample", []) if k in tmap]
                    if len(shared) < self.MIN_SHARED:
                        continue
                    differ = [x for x in shared if x[1] != x[2]]
                    if len(differ) < self.TABLE_DIFFER * len(shared):
                        continue
                    k, a, b = differ[0]
                    return Finding(
                        self.id, f"{sig.loader_name(eev)}'s dataset has its own {name} ({e.get('size')} entries "
                                 f"against training's {t.get('size')}): {len(differ)} of the {len(shared)} keys "
                                 f"sampled in both map to other ids ('{k}': {b} against {a} in training)",
                        severity="error", confidence=0.85, location=f"{cls}.{name}", step=STATIC_STEP,
                        evidence={"table": name, "dataset_class": cls, "eval_loader": sig.loader_name(eev),
                                  "train_loader": sig.loader_name(tev), "train_size": t.get("size"),
                                  "eval_size": e.get("size"), "keys_compared": len(shared),
                                  "keys_mapped_apart": len(differ), "example": {"key": k, "train": a, "eval": b}},
                        advice=f"Build {name} once, on the training data, and pass it to the evaluation dataset "
                               f"(e.g. Dataset(val, {name}=train_ds.{name})): each split counting its own makes the "
                               f"same word (or class) another id.",
                        explains=["fit.overfitting", "fit.underfitting", "data.label_errors",
                                  "hparam.epochs_too_many"])
        return None

    #: training inputs whose spread over the last quarter of the run is this many times the first quarter's,
    #: while evaluation's stays within ``DRIFT_EVAL`` of the first quarter's, change as training goes
    DRIFT = 2.0
    DRIFT_EVAL = 1.3
    MIN_DRIFT_BATCHES = 8

    def _training_inputs_drift(self, tr: list[dict], ev: list[dict]) -> Finding | None:
        """The training inputs' spread grows over the run while evaluation's stays where training's began: the
        script changes its training data as it goes. Noise added in place to a slice of the dataset (``xb +=
        jitter * randn_like(xb)`` on ``X_train[i:i + 32]``, a view) accumulates: std 0.15 * sqrt(epochs), the
        digits' pixels buried by the 80th epoch (probe K f03: 0.10 against 0.99)."""
        rows = sorted((int(b.get("step", 0)), float(b["x"]["std"])) for b in tr
                      if isinstance(b["x"].get("std"), (int, float)) and math.isfinite(b["x"]["std"]))
        if len(rows) < self.MIN_DRIFT_BATCHES:
            return None
        q = max(len(rows) // 4, 2)
        first = float(np.median([v for _, v in rows[:q]]))
        last = float(np.median([v for _, v in rows[-q:]]))
        evs = [float(b["x"]["std"]) for b in ev if isinstance(b["x"].get("std"), (int, float))]
        if not evs or first <= 1e-8 or last < self.DRIFT * first:
            return None
        ev_std = float(np.median(evs))
        if not (first / self.DRIFT_EVAL <= ev_std <= first * self.DRIFT_EVAL):
            return None
        return Finding(
            self.id, f"The training inputs change as training goes: their spread grows from {first:.3g} (steps "
                     f"{rows[0][0]}-{rows[q - 1][0]}) to {last:.3g} (steps {rows[-q][0]}-{rows[-1][0]}), while "
                     f"evaluation's stays at {ev_std:.3g}",
            severity="error", confidence=0.85, location="training inputs", step=rows[-q][0],
            evidence={"train_std_first_quarter": round(first, 4), "train_std_last_quarter": round(last, 4),
                      "eval_std": round(ev_std, 4), "sampled_training_batches": len(rows)},
            advice="Look for an in-place change of the training data: noise or a transform added with += (or "
                   "add_, mul_) to a batch that is a view of the dataset tensor (X_train[i:i + n]) writes into "
                   "the dataset, and it accumulates every epoch. Write xb = xb + noise, or clone the batch first.",
            explains=["fit.overfitting", "fit.underfitting", "hparam.epochs_too_many", "loss.oscillating",
                      "loss.not_converging"])

    #: an Embedding's training ids spanning this many values or more, for their range to say what they are
    MIN_ID_SPAN = 10

    def _ids_apart(self, ctx: Context) -> Finding | None:
        """An Embedding fed ids at evaluation numbered apart from training's: both ends of the range shifted by
        the same amount (users 1..400 at evaluation against 0..399 in training: a 1-based log read with a
        0-based encoding on one side only, probe J f16, an RMSE of 1.71 against 1.23 for predicting the mean).
        Each id then reads another id's row, and the shifted end a row that never trained."""
        last: dict[str, dict] = {}
        for ev in sig.events(ctx, "embedding_range"):
            last[ev["module"]] = ev
        for name, ev in last.items():
            (tlo, thi), (elo, ehi) = ev["train"], ev["eval"]
            shift = elo - tlo
            if shift == 0 or ehi - thi != shift or thi - tlo < self.MIN_ID_SPAN:
                continue
            return Finding(
                self.id, f"Evaluation feeds {name} ids {elo}..{ehi}, training {tlo}..{thi}: numbered "
                         f"{abs(shift)} {'up' if shift > 0 else 'down'} from training's",
                severity="error", confidence=0.85, location=name, step=int(ev.get("step", STATIC_STEP)),
                evidence={"module": name, "train_ids": [tlo, thi], "eval_ids": [elo, ehi], "shift": shift,
                          "rows": ev.get("rows")},
                advice="Encode the ids the same way for training and evaluation (one mapping from raw id to row, "
                       "fitted once: a LabelEncoder or a dict built on the training data, applied to both).",
                explains=["fit.overfitting", "fit.underfitting"])
        return None

    #: training inputs spread this many times wider by the loop than the loader gave them (noise added) ...
    NOISED = 1.5
    #: ... on which the model scores this much below its evaluation accuracy on unchanged inputs
    NOISED_GAP = 0.1

    def _augmented_apart(self, ctx: Context) -> Finding | None:
        """Augmentation strong enough to hide the signal: the training batches changed in the loop to a spread
        ``NOISED`` times the loader's (Gaussian noise added), and the model doing ``NOISED_GAP`` worse on them than
        on the evaluation's clean inputs (probe J f07: noise of 1.5 standard deviations on two-moons, spread 1.0
        -> 1.79, training accuracy 0.72 against 0.88, and only loss.not_converging was found)."""
        noised = sig.input_transform(ctx, "train")
        gap = sig.eval_accuracy_gap(ctx)
        # and the training loss flat: noise of 2 standard deviations on the 64 digits features is a regulariser
        # (validation 0.948 against 0.938 without it), under which the loss still falls; on two-moons' two
        # features it drowns the signal, and the loss stops falling early
        flat = any(f.id == "loss.not_converging" and f.severity != "info" for f in ctx.findings)
        if noised is None or gap is None or noised["std_ratio"] < self.NOISED or not flat or \
                gap["eval_acc"] - gap["train_acc"] < self.NOISED_GAP:
            return None
        return Finding(
            self.id, f"The training inputs are changed in the loop to {noised['std_ratio']:.1f}x the spread the "
                     f"loader gives (augmentation noise), and the model does worse on them (accuracy "
                     f"{gap['train_acc']:.3f}) than on the unchanged evaluation inputs ({gap['eval_acc']:.3f})",
            severity="warning", confidence=0.7, location="training inputs", step=STATIC_STEP,
            evidence={"loader_std": round(noised["loader_std"], 4), "model_std": round(noised["model_std"], 4),
                      "std_ratio": round(noised["std_ratio"], 3), "train_acc": round(gap["train_acc"], 4),
                      "eval_acc": round(gap["eval_acc"], 4), "batches_changed": noised["batches"]},
            advice="The augmentation drowns the inputs: lower its strength (Gaussian noise of about 0.05-0.1 of the "
                   "features' spread, not more than it), so that training and evaluation inputs look alike.",
            explains=["loss.not_converging", "fit.underfitting", "data.label_errors", "loss.oscillating"])

    #: evaluation results this close to training's say the model saw inputs processed alike
    AGREE_ACC_GAP = 0.05
    AGREE_LOSS_RATIO = 1.5

    def _results_agree(self, ctx: Context) -> str | None:
        """The batches a loader yields are not always what the model gets: a script that standardises (or
        scales) its evaluation batches inside the loop shows raw loader batches. A model evaluated as well as
        it trains got the same processing; a real mismatch costs accuracy (or loss) at evaluation."""
        gap = sig.eval_accuracy_gap(ctx)
        if gap is not None:
            chance = 1.0 / max(2, sig.num_classes(ctx) or 2)
            if gap["gap"] < self.AGREE_ACC_GAP and gap["eval_acc"] > 1.5 * chance:
                return f"the evaluation accuracy {gap['eval_acc']:.3f} matches training's {gap['train_acc']:.3f}"
            return None
        _, _, ev = sig.eval_curve(ctx, "loss")
        fin = ctx.loss.value[np.isfinite(ctx.loss.value)]
        if len(ev) and len(fin) >= 10:
            tail = float(np.median(fin[-max(1, len(fin) // 10):]))
            start = float(np.median(fin[:max(1, len(fin) // 10)]))
            if tail < 0.5 * start and 0 <= float(ev[-1]) <= self.AGREE_LOSS_RATIO * tail:
                return f"the evaluation loss {float(ev[-1]):.3g} is near training's {tail:.3g}"
        return None

    #: a regression's evaluation targets this many training standard deviations from the training targets' mean,
    #: or spread ``TARGET_SCALE`` times wider or narrower, are another transform of the target (raw against
    #: log-transformed and standardised: a mean of 1600 against 0), not another sample of it: a trend between a
    #: time series' training and validation periods moves its mean by about one standard deviation
    TARGET_SHIFT = 3.0
    TARGET_SCALE = 5.0

    #: training targets of a regression loss all whole numbers, with at most this many distinct values per call,
    #: against evaluation targets of which at most ``EVAL_WHOLE`` are
    ROUNDED_DISTINCT = 12
    EVAL_WHOLE = 0.2

    def _targets_rounded(self, calls: list[dict], tr: list[dict], ev: list[dict]) -> Finding | None:
        """Standardised regression targets cast to integers for training only (``torch.LongTensor(y_scaled)``,
        ``.long()``, ``astype(int)``): every value truncated to -2..2, while evaluation keeps its floats (probe L
        f13: R² 0.78 against 0.97; nothing was found)."""
        if not all(t.get("integer_frac") == 1.0 and 1 < int(t.get("distinct") or 0) <= self.ROUNDED_DISTINCT
                   for t in tr):
            return None
        if not all(isinstance(t.get("integer_frac"), (int, float)) and t["integer_frac"] <= self.EVAL_WHOLE
                   and int(t.get("distinct") or 0) > self.ROUNDED_DISTINCT for t in ev):
            return None
        fn = calls[0]["function"]
        lo, hi = min(t.get("min", 0) for t in tr), max(t.get("max", 0) for t in tr)
        return Finding(
            self.id, f"The training targets of {fn} are whole numbers ({max(int(t['distinct']) for t in tr)} "
                     f"distinct values from {sig.fmt_num(lo)} to {sig.fmt_num(hi)} per batch), the evaluation "
                     f"targets are not: the training targets were rounded or cast to an integer type",
            severity="error", confidence=0.8, location="training targets",
            step=int(next(e for e in calls if e.get("mode") == "train").get("step", 0)),
            evidence={"function": fn, "train_distinct": [t.get("distinct") for t in tr],
                      "train_whole_share": [t.get("integer_frac") for t in tr],
                      "eval_whole_share": [t.get("integer_frac") for t in ev],
                      "eval_distinct": [t.get("distinct") for t in ev]},
            advice="Keep regression targets in a float type from the start (torch.tensor(y, dtype=torch.float32), "
                   "torch.FloatTensor(y)); torch.LongTensor(y), .long() or astype(int) truncate them.",
            explains=["fit.underfitting", "fit.overfitting", "loss.not_converging", "data.label_errors"])

    def _targets_apart(self, ctx: Context) -> Finding | None:
        """Regression targets processed differently at evaluation: the recorded training and evaluation calls
        of an element-wise loss (their first three each) compared by mean and spread."""
        calls = [e for e in sig.events(ctx, "loss_call") if e.get("function") in sig.ELEMENTWISE_LOSSES
                 and "mean" in (e.get("target") or {}) and "std" in e["target"]]
        tr = [e["target"] for e in calls if e.get("mode") == "train"]
        ev = [e["target"] for e in calls if e.get("mode") == "eval"]
        if not tr or not ev:
            return None
        rounded = self._targets_rounded(calls, tr, ev)
        if rounded is not None:
            return rounded
        mu_t, mu_e = float(np.mean([t["mean"] for t in tr])), float(np.mean([t["mean"] for t in ev]))
        sd_t, sd_e = float(np.median([t["std"] for t in tr])), float(np.median([t["std"] for t in ev]))
        if sd_t <= 1e-8 or sd_e <= 1e-8:
            return None
        shift, scale = abs(mu_e - mu_t) / sd_t, sd_e / sd_t
        if shift < self.TARGET_SHIFT and 1 / self.TARGET_SCALE < scale < self.TARGET_SCALE:
            return None
        fn = calls[0]["function"]
        return Finding(
            self.id, f"The evaluation targets of {fn} are on another scale than the training targets: mean "
                     f"{sig.fmt_num(mu_e)} (std {sig.fmt_num(sd_e)}) against {sig.fmt_num(mu_t)} (std "
                     f"{sig.fmt_num(sd_t)})",
            severity="error", confidence=0.85, location="evaluation targets",
            step=int(next(e for e in calls if e.get("mode") == "eval").get("step", 0)),
            evidence={"function": fn, "train_target_mean": round(mu_t, 4), "train_target_std": round(sd_t, 4),
                      "eval_target_mean": round(mu_e, 4), "eval_target_std": round(sd_e, 4),
                      "shift_in_train_std": round(shift, 2), "std_ratio": round(scale, 3)},
            advice="Transform the evaluation targets exactly as the training targets (the same log, the same "
                   "scaler fitted on the training set), or map the predictions back before comparing them with "
                   "raw targets.",
            explains=["fit.overfitting", "fit.underfitting", "hparam.epochs_too_many", "data.too_few_samples"])

    def _remapped_labels(self, ctx: Context) -> Finding | None:
        """Evaluation labels in another class numbering than training's: the model predicts one class for each
        true class, consistently, but not the same one (a shift by one, a different label encoder)."""
        last = sig.last_confusion(ctx)
        if last is None:
            return None
        ev, conf = last
        total = conf.sum()
        rows = np.nonzero(conf.sum(1) > 0)[0]
        if total < 20 or len(rows) < 2:
            return None
        consistency = float(conf[rows].max(1).sum() / total)
        acc = float(np.trace(conf) / total)
        usual = {int(i): int(np.argmax(conf[i])) for i in rows}
        moved = {a: b for a, b in usual.items() if a != b}
        # a renumbering maps the classes onto different classes; a model that predicts one class for all (it
        # learnt nothing) is consistent too, but onto one column
        if consistency < self.REMAP_CONSISTENCY or acc > self.REMAP_ACC_SHARE * consistency or \
                len(moved) < len(rows) / 2 or len(set(usual.values())) < 0.8 * len(rows):
            return None
        pairs = ", ".join(f"{a}→{b}" for a, b in list(moved.items())[:6]) + ("…" if len(moved) > 6 else "")
        # labels the outputs cannot name (1..10 against outputs 0..9) sit outside the matrix: the sampled batches'
        outside = sorted(c for c in sig.label_counts(ctx, "eval") if c < 0 or c >= len(conf))
        return Finding(
            self.id, f"The evaluation labels look renumbered: {consistency:.0%} of evaluation samples get their "
                     f"class's usual prediction, but accuracy is {acc:.0%} (true→predicted: {pairs})"
                     + (f"; evaluation label(s) {', '.join(map(str, outside[:4]))} lie outside the model's "
                        f"{len(conf)} outputs" if outside else ""),
            severity="error", confidence=0.85, location="evaluation labels", step=int(ev.get("step", 0)),
            evidence={"consistency": round(consistency, 3), "accuracy": round(acc, 3), "mapping": moved,
                      "eval_step": ev.get("step"), **({"labels_outside_outputs": outside} if outside else {})},
            advice="Build the evaluation labels exactly as the training labels: the same label encoder or class "
                   "list (ImageFolder's class_to_idx, a LabelEncoder fitted once), no shift (y - 1 on one side only).",
            explains=["fit.overfitting", "fit.underfitting", "hparam.epochs_too_many"])


def _same_neighbours(ctx: Context, seqs: list[np.ndarray]) -> tuple[float, float]:
    """The share of neighbouring samples with the same label in these label sequences, and its expectation for
    shuffled data (the sum of the squared class shares; a uniform share where the sequences miss classes that
    the model outputs)."""
    pairs = [s[1:] == s[:-1] for s in seqs if len(s) > 1]
    same = float(np.mean(np.concatenate(pairs))) if pairs else 0.0
    counts = np.bincount(np.concatenate(seqs))
    expected = float(np.sum((counts / counts.sum()) ** 2))
    classes = sig.num_classes_from_outputs(ctx)
    if classes and np.count_nonzero(counts) < classes:
        expected = 1.0 / classes
    return same, expected


@register
class NotShuffled(Check):
    """``data.not_shuffled``: the training loader walks the data in a fixed, label-sorted order.

    A sequential sampler is only harmful when the order carries structure, so the
    check also reads the label sequences of the sampled batches: the share of
    neighbouring samples with the same label. Shuffled data gives the sum of the
    squared class shares (0.5 for two balanced classes, 0.1 for ten); data sorted
    by label gives nearly 1 (when the sampled batches miss classes the model
    outputs, the shuffled expectation is taken as balanced). ``SAME_NEIGHBOURS`` must be reached and exceed the
    shuffled expectation by ``MARGIN``. A sequential sampler over pre-shuffled data
    is reported as info only.
    """

    id = "data.not_shuffled"
    needs = frozenset()
    SAME_NEIGHBOURS = 0.85
    MARGIN = 0.3
    #: A regression's batches holding less than this share of the targets' variance (the whole training set's,
    #: recorded with its loader) are bands of sorted targets: shuffled batches of 20 or more hold about 95%.
    WITHIN_SHARE = 0.25

    #: a class this share of the evaluation data (and ``APART_MIN`` samples) with no training sample at all
    APART_SHARE = 0.05
    APART_MIN = 5

    def _split_apart(self, ctx: Context) -> Finding | None:
        """Classes the evaluation holds and training never saw: a split cut from data sorted by class without
        shuffling (``train_test_split(..., shuffle=False)`` on wine: class 2 was 89% of validation and absent from
        training; data.label_errors led, and class_imbalance passed with a ratio of 1.0), or grouped by the label
        (``GroupShuffleSplit().split(X, y, groups=y)`` for ``groups=subject``: probe R f10)."""
        # every training loader's labels and every sampled training batch's (a second phase may train on others)
        train = dict(sig.label_counts(ctx, "train"))
        for k, v in sig.loader_label_counts(ctx, "train").items():
            train[k] = train.get(k, 0) + v
        last = sig.last_confusion(ctx)
        if len(train) < 2 or last is None:  # (one training class: data.class_imbalance's "one class only")
            return None
        counts = [int(c) for c in last[1].sum(1)]
        total = sum(counts)
        apart = [k for k, c in enumerate(counts) if c >= max(self.APART_MIN, self.APART_SHARE * total)
                 and train.get(k, 0) == 0]
        if not total or not apart:
            return None
        share = sum(counts[k] for k in apart) / total
        names = ", ".join(str(k) for k in apart[:5])
        return Finding(
            self.id, f"Class{'es' if len(apart) > 1 else ''} {names} {'are' if len(apart) > 1 else 'is'} {share:.0%} "
                     f"of the evaluation data and never in the training data: the split separates whole classes (cut "
                     f"from data ordered by class, or grouped by the label)",
            severity="error", confidence=0.9, location="train/validation split", step=STATIC_STEP,
            evidence={"train_label_counts": {str(k): v for k, v in sorted(train.items())},
                      "eval_label_counts": {str(k): c for k, c in enumerate(counts) if c},
                      "classes_only_in_evaluation": apart},
            advice="Shuffle before splitting, and stratify: train_test_split(X, y, test_size=0.2, shuffle=True, "
                   "stratify=y, random_state=0) (or torch.utils.data.random_split). A grouped split "
                   "(GroupShuffleSplit, GroupKFold) takes the entity that must not leak as its groups (the "
                   "subject, the patient), never the label.",
            explains=["data.label_errors", "fit.overfitting", "data.class_imbalance", "data.preprocess_mismatch",
                      "loss.zero", "hparam.epochs_too_many"])

    def run(self, ctx: Context) -> Outcome:
        apart = self._split_apart(ctx)
        if apart is not None:
            return Outcome.found(apart)
        tl = sig.loaders(ctx, "train")
        if not tl:
            return self._sliced(ctx)
        loader = tl[0]
        if loader.get("shuffle") is not False:
            return Outcome.passed(f"training loader samples with {loader.get('sampler')}")
        bs = [b for b in sig.batches(ctx, "train") if b.get("loader") == loader["loader"]
              and b.get("y", {}).get("sequence")]
        evidence = {"sampler": loader.get("sampler"), "shuffle": False, "loader": loader.get("name"),
                    "batch_size": loader.get("batch_size")}
        if bs:
            seqs = [np.asarray(b["y"]["sequence"]) for b in bs]
            same, expected = _same_neighbours(ctx, seqs)
            per_batch = [len(b["y"]["counts"]) for b in bs]
            evidence.update(same_label_neighbours=round(same, 3), expected_if_shuffled=round(expected, 3),
                            classes_per_batch=per_batch[:12], first_labels=[s[:16].tolist() for s in seqs[:3]])
            if same >= self.SAME_NEIGHBOURS and same >= expected + self.MARGIN:
                return Outcome.found(Finding(
                    self.id, f"The training data is not shuffled and ordered by label: {same:.0%} of neighbouring "
                             f"samples share a label ({expected:.0%} if shuffled)",
                    severity="error", confidence=0.9, location=sig.loader_name(loader),
                    step=STATIC_STEP, evidence=evidence,
                    advice="Pass shuffle=True to the training DataLoader (or a RandomSampler / DistributedSampler "
                           "with shuffle=True) so every batch mixes classes and the order changes each epoch.",
                    explains=["loss.oscillating", "loss.not_converging", "fit.underfitting", "fit.overfitting"],
                    plots={"train loss": "train/loss"}))
        ys = [b["y"] for b in sig.batches(ctx, "train") if b.get("loader") == loader["loader"]
              and "std" in (b.get("y") or {})]
        whole = loader.get("labels") or {}
        if not bs and ys and whole.get("std"):
            # regression targets: shuffled batches hold about the whole set's variance; batches of targets sorted
            # before batching hold a narrow band each
            within = float(np.mean([y["std"] ** 2 for y in ys]))
            share = within / max(float(whole["std"]) ** 2, 1e-30)
            evidence.update(within_batch_variance=round(within, 6), targets_variance=round(whole["std"] ** 2, 6),
                            within_share=round(share, 4))
            if share < self.WITHIN_SHARE:
                return Outcome.found(Finding(
                    self.id, f"The training data is not shuffled and ordered by target: a batch holds "
                             f"{100 * share:.2g}% of the targets' variance (about all of it if shuffled)",
                    severity="error", confidence=0.85, location=sig.loader_name(loader),
                    step=STATIC_STEP, evidence=evidence,
                    advice="Pass shuffle=True to the training DataLoader: each batch then spans the targets' range, "
                           "and the model does not chase one band of values after another.",
                    explains=["loss.oscillating", "loss.blowup", "loss.not_converging", "fit.underfitting",
                              "fit.overfitting", "grad.exploding"],
                    plots={"train loss": "train/loss"}))
        return Outcome.found(Finding(
            self.id, "The training loader does not shuffle (the batches still mix classes)" if not ys or bs else
            "The training loader does not shuffle (the batches still span the targets)",
            severity="info", confidence=0.3, location=sig.loader_name(loader),
            step=STATIC_STEP, evidence=evidence,
            advice="Pass shuffle=True to the training DataLoader so the order changes each epoch."))

    def _sliced(self, ctx: Context) -> Outcome:
        """No DataLoader (batches sliced from tensors by hand): the labels of the last training rows, in the
        order the loss saw them (the collector keeps them for confident learning)."""
        evs = sig.events(ctx, "train_predictions")
        if not evs:
            return Outcome.not_checked("no training data loader and no training labels in order were recorded")
        labels = np.asarray(evs[-1]["labels"], dtype=np.int64)
        if len(labels) < 100 or labels.min() < 0:
            return Outcome.not_checked(f"only {len(labels)} training labels in order were recorded")
        same, expected = _same_neighbours(ctx, [labels])
        evidence = {"batches": "sliced by hand (no DataLoader)", "same_label_neighbours": round(same, 3),
                    "expected_if_shuffled": round(expected, 3), "rows": int(len(labels)),
                    "last_labels": labels[-16:].tolist()}
        if same >= self.SAME_NEIGHBOURS and same >= expected + self.MARGIN:
            return Outcome.found(Finding(
                self.id, f"The training batches, sliced by hand, are ordered by label: {same:.0%} of neighbouring "
                         f"samples share a label ({expected:.0%} if shuffled)",
                severity="error", confidence=0.85, location="training batches", step=STATIC_STEP, evidence=evidence,
                advice="Shuffle the training set every epoch: perm = torch.randperm(len(X)), then slice X[perm[i:i + b]] "
                       "and y[perm[i:i + b]] (or a DataLoader with shuffle=True).",
                explains=["loss.oscillating", "loss.not_converging", "fit.underfitting", "fit.overfitting",
                          "loss.blowup", "grad.exploding"],
                plots={"train loss": "train/loss"}))
        return Outcome.passed(f"the batches sliced by hand mix labels ({same:.0%} of neighbours alike, "
                              f"{expected:.0%} if shuffled)")


@register
class TooFewSamples(Check):
    """``data.too_few_samples``: a training set too small for the model's capacity.

    Capacity is the trainable parameter count. The check reports when the model has
    ``PARAMS_PER_SAMPLE`` or more parameters per training sample and generalises
    badly (train accuracy ``GAP`` above evaluation accuracy), or when classes have
    fewer than ``MIN_PER_CLASS`` samples each, a scale at which no deep model is
    reliable (the seed cites 5000 per class for acceptable results).
    """

    id = "data.too_few_samples"
    needs = frozenset()
    PARAMS_PER_SAMPLE = 100.0
    GAP = 0.15
    MIN_PER_CLASS = 15

    def _length_not_rows(self, ctx: Context) -> Finding | None:
        """A Dataset whose ``__len__`` is not its number of rows: every tensor it holds has more rows than it
        says, and its length is another dimension of them (``self.X.shape[1]``, the 64 features of 1347 digits:
        the loader draws indices below 64 only; probe L f03, 0.27 against 0.95)."""
        for ev in sig.loaders(ctx, "train"):
            ds = ev.get("dataset") or {}
            n, arrays = ds.get("length"), ds.get("arrays") or {}
            if not isinstance(n, int) or n < 1 or not arrays:
                continue
            rows = {k: v[0] for k, v in arrays.items()}
            other = [(k, v) for k, v in arrays.items() if n in v[1:]]
            # (a windowed series, len = rows - window + 1, is shorter than its arrays by design: the length must be
            # another dimension of them)
            if not other or not all(r > n for r in rows.values()) or len(set(rows.values())) != 1:
                continue
            name, shape = other[0]
            total = shape[0]
            return Finding(
                self.id, f"{ds.get('class')}.__len__() says {n}, but its {name} holds {total} rows "
                         f"{tuple(shape)}: the loader draws only the first {n} samples",
                severity="error", confidence=0.85, location=f"{ds.get('class')}.__len__", step=STATIC_STEP,
                evidence={"dataset_length": n, "arrays": arrays, "loader": sig.loader_name(ev)},
                advice=f"Return the number of samples from __len__: len(self.{name}), or self.{name}.shape[0] "
                       f"(shape[{shape.index(n, 1)}] is another dimension).",
                explains=["fit.overfitting", "fit.underfitting", "hparam.batch_size_too_large", "loss.zero",
                          "hparam.epochs_too_many"])
        return None

    def _sampler_weights_short(self, ctx: Context) -> Finding | None:
        """A ``WeightedRandomSampler`` given fewer weights than the dataset has samples: one weight per class
        (``1 / class_counts``) where one per sample is meant. It draws indices below its number of weights
        only, so the training sees those few samples again and again (probe M f05: 10 of 792 digits, 0.64
        against 0.97; data.preprocess_mismatch led)."""
        for ev in sig.loaders(ctx, "train"):
            sw, n = ev.get("sampler_weights") or {}, (ev.get("dataset") or {}).get("length")
            k = sw.get("length")
            if not isinstance(k, int) or not isinstance(n, int) or not 0 < k < n:
                continue
            labels = ev.get("labels") or {}
            per_class = k == len(labels.get("counts") or {})
            return Finding(
                self.id, f"{ev.get('sampler')} of {sig.loader_name(ev)} has {k} weights for a dataset of {n} "
                         f"samples" + (f" (one per class: {k} classes)" if per_class else "")
                         + f": it draws only the indices 0..{k - 1}, so training sees {k} samples",
                severity="error", confidence=0.9, location=f"{sig.loader_name(ev)}.sampler", step=STATIC_STEP,
                evidence={"sampler_weights": k, "dataset_length": n, "num_samples": sw.get("num_samples"),
                          "one_per_class": per_class, "loader": sig.loader_name(ev)},
                advice="Give the sampler one weight per sample: weights = class_weights[train_labels] (each "
                       "sample's class weight), with len(weights) == len(dataset).",
                explains=["fit.overfitting", "fit.underfitting", "data.class_imbalance", "loss.zero",
                          "data.preprocess_mismatch", "data.label_errors", "hparam.epochs_too_many"])
        return None

    #: sampled training batches, over at least ``SAME_SPAN`` steps, that must all be one batch
    SAME_BATCHES = 6
    SAME_SPAN = 20

    def _same_batch_every_step(self, ctx: Context) -> Finding | None:
        """Every sampled training batch holds the same inputs: a seed set inside the step loop
        (``torch.manual_seed`` before ``torch.randint``) replays one random draw, ``next(iter(loader))`` restarts
        an unshuffled loader, an index drawn once outside the loop. The model trains on one batch of the data
        (probe N f07: 32 digits of 1257, 0.71 against 0.96; only fit.overfitting was found). Full-batch training
        is told apart by the data's size: the training dataset's length, else an evaluation pass at least
        twice the batch (no training set is that much smaller than its validation set by design)."""
        train = [b for b in sig.batches(ctx, "train") if (b.get("x") or {}).get("shape")]
        if len(train) < self.SAME_BATCHES or train[-1]["step"] - train[0]["step"] < self.SAME_SPAN:
            return None
        keys = ("shape", "mean", "std", "min", "max")
        first = train[0]["x"]
        same = lambda x: all(x.get(k) == first.get(k) for k in keys) and \
            (x.get("per_feature") or {}).get("mean") == (first.get("per_feature") or {}).get("mean")
        if not all(same(b["x"]) for b in train[1:]):
            return None
        rows = int(first["shape"][0])
        n = sig.train_size(ctx)
        evals = max((int(e["n"]) for e in sig.events(ctx, "eval") if isinstance(e.get("n"), int)), default=None)
        if (n is not None and n <= rows) or (n is None and (evals is None or evals < 2 * rows)):
            return None
        return Finding(
            self.id, f"Every sampled training batch is the same one: {len(train)} batches from step "
                     f"{train[0]['step']} to {train[-1]['step']} hold identical inputs ({rows} rows, mean "
                     f"{sig.fmt_num(first.get('mean', 0))}): the model trains on {rows} samples"
                     + (f" of {n}" if n else ""),
            severity="error", confidence=0.85, location="training batches", step=int(train[0]["step"]),
            evidence={"batches": len(train), "first_step": int(train[0]["step"]), "last_step": int(train[-1]["step"]),
                      "rows": rows, "input_mean": first.get("mean"), "input_std": first.get("std"),
                      "train_samples": n, "eval_samples": evals},
            advice="Find what repeats the draw: a torch.manual_seed (or np.random.seed) call inside the step loop "
                   "replays the same random indices each step, next(iter(loader)) starts an unshuffled loader "
                   "again at its first batch, indices drawn once before the loop stay fixed. Seed once before "
                   "training and iterate the loader (for xb, yb in loader).",
            explains=["fit.overfitting", "loss.zero", "hparam.epochs_too_many", "loss.oscillating",
                      "fit.underfitting"])

    #: consecutive sliced training batches whose starts move by less than half a batch, at this share of the
    #: pairs or more, ...
    SLIDE_SHARE = 0.8
    #: ... over at most this share of the tensor they are sliced from
    SLIDE_COVER = 0.5

    def _windows_slide(self, ctx: Context) -> Finding | None:
        """Batches sliced by hand whose start moves by one row per step: ``X[i:i + B]`` with ``i`` the batch's
        number where ``i * B`` was meant, so the batches are windows sliding over the first rows (probe S f07: 42
        batches an epoch over rows 0-73 of 1,347; loss.zero only). From where each sampled batch sits in the
        tensor it views; batches that tile it (``range(0, N, B)``) move a whole batch per step."""
        bs = [b for b in sig.batches(ctx, "train") if b.get("loader") is None and b.get("view_rows")
              and (b.get("x") or {}).get("shape")]
        if len(bs) < 4:
            return None
        storage = Counter(b["view_rows"]["storage"] for b in bs).most_common(1)[0][0]
        bs = sorted((b for b in bs if b["view_rows"]["storage"] == storage), key=lambda b: b["index"])
        size = int(bs[0]["x"]["shape"][0])
        moves = [b2["view_rows"]["start"] - b1["view_rows"]["start"] for b1, b2 in zip(bs, bs[1:])
                 if b2["index"] == b1["index"] + 1]
        slide = [m for m in moves if 0 < m < size / 2]
        if len(moves) < 2 or len(slide) < self.SLIDE_SHARE * len(moves):
            return None
        lo = min(b["view_rows"]["start"] for b in bs)
        hi = max(b["view_rows"]["start"] + int(b["x"]["shape"][0]) for b in bs)
        rows = int(bs[0]["view_rows"]["rows"])
        if hi - lo > self.SLIDE_COVER * rows:
            return None
        return Finding(
            self.id, f"The training batches are windows sliding by {int(np.median(slide))} row per step, not "
                     f"tiles: {len(bs)} sampled batches of {size} cover rows {lo}-{hi - 1} of the {rows} the tensor "
                     f"holds, so training sees about {hi - lo} samples (a slice X[i:i + {size}] with i the batch's "
                     f"number)",
            severity="error", confidence=0.85, location="training batches (sliced by hand)", step=int(bs[0]["step"]),
            evidence={"batch_size": size, "starts_of_first_batches": [b["view_rows"]["start"] for b in bs[:8]],
                      "rows_covered": [lo, hi - 1], "tensor_rows": rows, "sampled_batches": len(bs)},
            advice=f"Step the slice by whole batches: for i in range(0, N, {size}): xb = X[i:i + {size}] (or "
                   f"X[k * {size}:(k + 1) * {size}] for the k-th batch), shuffling the order each epoch; a DataLoader "
                   f"does both.",
            explains=["loss.zero", "fit.overfitting", "hparam.epochs_too_many", "fit.underfitting",
                      "data.label_errors"])

    def run(self, ctx: Context) -> Outcome:
        short = self._length_not_rows(ctx) or self._sampler_weights_short(ctx) or self._same_batch_every_step(ctx) \
            or self._windows_slide(ctx)
        if short is not None:
            return Outcome.found(short)
        n = sig.train_size(ctx)
        if not n:
            return Outcome.not_checked("the training dataset's length is unknown")
        params = sig.total_params(ctx)
        classes = sig.num_classes(ctx)
        gap = sig.eval_accuracy_gap(ctx)
        per_sample = params / n
        per_class = n / classes if classes else None
        evidence = {"train_samples": n, "trainable_params": params, "params_per_sample": round(per_sample, 1),
                    "classes": classes}
        if gap:
            evidence.update({k: round(v, 4) if isinstance(v, float) else v for k, v in gap.items()})
        overfit = gap is not None and gap["gap"] >= self.GAP
        if gap is None and per_sample >= self.PARAMS_PER_SAMPLE:
            # a regression: its validation MSE far above the training MSE, as fit.overfitting judges it
            from ..signals import regression_gap

            mse_gap = regression_gap(ctx)
            if mse_gap is not None:
                overfit = True
                evidence.update(final_train_mse=fmt_sig(mse_gap["train_mse"]), final_val_mse=fmt_sig(mse_gap["val_mse"]))
        tiny = per_class is not None and per_class < self.MIN_PER_CLASS
        if not ((per_sample >= self.PARAMS_PER_SAMPLE and overfit) or tiny):
            return Outcome.passed(f"{n} samples for {params} parameters ({per_sample:.1f} per sample)")
        title = f"Only {n} training samples" + (f" ({per_class:.0f} per class)" if per_class else "") + \
            f" for {params} parameters"
        if gap:
            title += f"; train accuracy {gap['train_acc']:.0%} vs evaluation {gap['eval_acc']:.0%}"
        elif "final_val_mse" in evidence:
            title += f"; training MSE {evidence['final_train_mse']} vs validation {evidence['final_val_mse']}"
        return Outcome.found(Finding(
            self.id, title, severity="warning" if not (overfit and tiny) else "error",
            # a regression's MSE gap alone says less than an accuracy gap: a training MSE near 0 on noisy targets is
            # also what training too long gives (hparam.epochs_too_many's, which the zoo's overtrained regression
            # has, at 450 parameters per sample)
            confidence=0.85 if (overfit and tiny) else (0.6 if "final_val_mse" in evidence else 0.7),
            location="training dataset",
            step=STATIC_STEP,
            evidence=evidence,
            advice="Get more training data (or augment it), or shrink the model (fewer/narrower layers), and "
                   "regularise (weight decay, dropout, early stopping on the validation metric).",
            explains=["fit.overfitting", "loss.zero", "loss.oscillating"],
            plots={"train acc": "train/acc", "eval acc": gap["eval_tag"]} if gap else {}))
