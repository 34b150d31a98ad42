"""The seed's last step: does accuracy meet the expectation, on train, validation and test, in that order?"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks.base import Context, Finding
from ..checks.signals import finite, in_percent, last_tenth_mean, printed_accuracy_tag
from ..record.run import Series

_ALIASES = {"val_acc": ["val_acc", "eval/acc", "val/acc"], "train_acc": ["train_acc", "train/acc"],
            "test_acc": ["test_acc", "test/acc"], "val_loss": ["val_loss", "eval/loss"],
            "train_loss": ["train_loss", "train/loss"], "test_loss": ["test_loss", "test/loss"]}


def metric_series(ctx: Context, name: str, printed: bool = False):
    """The series recorded for ``name`` (``val_acc``: the user's own ``val_acc``, else the evaluation accuracy
    the collector counted), an accuracy logged in percent as a fraction (see ``in_percent``). With ``printed``,
    what the script printed under that name counts as the user's own where ``printed_accuracy_tag`` says so (the
    verdict and the targets; the symptom checks compare the collector's counts, one measure on every stage), and
    is the last resort for any other name (``val_loss 0.41`` printed, no loss seen at evaluation)."""
    tags = list(_ALIASES.get(name, [name]))
    if printed:
        own = printed_accuracy_tag(ctx, name)
        if own is not None:
            tags.insert(1, own)
        else:
            tags.append(f"printed/{name}")
    for tag in tags:
        s = ctx.in_last_phase(ctx.run.scalar(tag))  # the last fold's, the student's
        if "acc" in name:  # NaN: a pass where nothing could be counted (soft targets only)
            s = finite(s)
        if len(s):
            if in_percent(name, s.value):
                s = Series(s.step, s.value / 100.0, s.wall)
            return tag, s
    return None, None


def val_measured_otherwise(ctx: Context) -> bool:
    """A validation accuracy that the script prints and measures otherwise than the collector's count: its target
    is for that measure, not for the training accuracy the collector counts."""
    return printed_accuracy_tag(ctx, "val_acc") is not None and \
        ctx.run.scalar("val_acc").step.size == 0 and ctx.run.scalar("eval/acc").step.size > 0


def train_bar_from_val(ctx: Context) -> float | None:
    """The validation accuracy target as training's bar, where no training target was stated: the seed's order,
    training must reach the expectation set for validation first. None where validation met its target (training
    below it is dropout or augmentation at work: probe L h01) or measures otherwise."""
    targets = ctx.meta.get("target") or {}
    if targets.get("train_acc") is not None or targets.get("val_acc") is None or val_measured_otherwise(ctx):
        return None
    val = target_results(ctx).get("val_acc") or {}
    return val["target"] if val.get("met") is False else None


def target_results(ctx: Context) -> dict[str, dict[str, Any]]:
    """Each target the user stated (``--target val_acc=0.95``) against its metric's last value: met or not (None
    where the metric was never recorded), with the final and best values."""
    out: dict[str, dict[str, Any]] = {}
    for name, goal in dict(ctx.meta.get("target") or {}).items():
        tag, s = metric_series(ctx, name, printed=True)
        if s is None:
            out[name] = {"target": goal, "met": None, "note": f"no metric {name} was recorded"}
            continue
        lower_better = "loss" in name
        goal = _fraction(name, goal)
        final = float(s.value[-1])
        best = float(np.nanmin(s.value) if lower_better else np.nanmax(s.value))
        met = final <= goal if lower_better else final >= goal
        out[name] = {"target": goal, "final": final, "best": best, "met": bool(met), "tag": tag,
                     "step": int(s.step[-1])}
    return out


def assess_accuracy(ctx: Context, findings: list[Finding]) -> dict[str, Any]:
    """Targets stated by the user (``--target``), else a trivial baseline, walked train → val → test."""
    from ..checks.signals import per_label, weighted_loss
    from ..checks.symptoms import FitOverfitting, FitUnderfitting

    targets = dict(ctx.meta.get("target") or {})
    out: dict[str, Any] = {"targets": target_results(ctx), "stages": []}
    baseline = _baseline(ctx)
    if baseline is not None:
        out["baseline"] = baseline
    multi = per_label(ctx)
    if multi:
        out["per_label"] = True
    val_own = val_measured_otherwise(ctx)
    for stage in ("train", "val", "test"):
        tag, s = metric_series(ctx, f"{stage}_acc", printed=True)
        if s is None or (stage == "train" and len(s) < FitUnderfitting.MIN_STEPS):
            continue  # (a script that crashed at its first step: the untrained model's accuracy)
        # per-batch training accuracy is noisy: the mean of the last 10% of steps
        final = last_tenth_mean(s.value) if stage == "train" else float(s.value[-1])
        goal = targets.get(f"{stage}_acc")
        if goal is None and stage == "train" and not val_own:
            # the seed's order: training must reach the expectation set for validation first
            goal = targets.get("val_acc")
        goal = _fraction(f"{stage}_acc", goal)
        # a validation accuracy against the validation data's majority share: the training batches' share is
        # another one where a sampler rebalances them (WeightedRandomSampler: 1/K against a 0.9 majority)
        own = eval_baseline(ctx) if stage != "train" else FitUnderfitting.train_baseline(ctx)
        if own and stage != "train" and weighted_loss(ctx):
            # a class-weighted loss trades accuracy for the small classes' recall, on purpose: as for training,
            # the bar is a uniform guess (8% positives, weighted: 0.94 was 'below' a majority bar of 0.96)
            own = {**own, "acc": 1.0 / max(2, own.get("classes", 2))}
        ref = goal if goal is not None else (own or baseline or {}).get("acc")
        entry = {"stage": stage, "metric": tag, "final": final, "best": float(np.nanmax(s.value))}
        if ref is not None:
            entry["reference"] = ref
            entry["reference_kind"] = "target" if goal is not None else (
                "uniform-guess baseline" if weighted_loss(ctx) and own else "majority-class baseline")
            # above the baseline by fit.underfitting's margin: one report, one bar (a training accuracy of 0.60
            # against a majority share of 0.57 "met the expectation" here while fit.underfitting warned)
            entry["required"] = ref if goal is not None else FitUnderfitting.threshold(ref, multi)
            entry["met"] = bool(final >= entry["required"])
            if goal is None and stage != "train" and out["stages"] and out["stages"][0]["stage"] == "train" \
                    and out["stages"][0]["final"] - final > FitOverfitting.GAP:
                # no target: a baseline beaten, but fit.overfitting's gap below what training reached, is not met
                entry["met"] = False
        out["stages"].append(entry)
    regression = not out["stages"] and _regression_stages(ctx, targets)
    if regression:
        out["stages"] = regression
    out["verdict"] = _verdict(out["stages"], findings, regression=bool(regression), per_label=multi) or \
        _targets_verdict(out["targets"], findings)
    ignored = next((f for f in findings if f.id == "graph.loss_function" and f.location.endswith("ignore_index")
                    and f.severity != "info"), None)
    if ignored is not None and out["stages"] and out["verdict"]:
        # the accuracy a loss with ignore_index counts leaves those rows out: of a real class, the fault's cost
        # (probe J f11: 0.975 where the script's own validation accuracy, over every row, was 0.878)
        k = ignored.evidence.get("ignore_index")
        by_loss = [e for e in ctx.run.events("eval") if e.get("function") in ("cross_entropy", "nll_loss")]
        what, lower = ("these accuracies leave", "they are") if by_loss else ("the training accuracy leaves", "it is")
        out["verdict"] += f" ({what} out the rows labelled {k}, which the loss ignores: over all rows {lower} lower)"
    _printed_notes(ctx, out)
    missing = [(n, t["target"]) for n, t in out["targets"].items() if t.get("met") is None]
    if missing and (not out["verdict"] or out["verdict"].startswith(("accuracy meets", "the MSE meets", "no target"))):
        # a target that nothing recorded is not met by the stages that were (training at 1.0, validation at
        # chance, computed by hand where the collector could not see it)
        name, goal = missing[0]
        out["verdict"] = (f"{name} (target {_fraction(name, goal):g}) was never recorded, so the target could not "
                          f"be checked: traindoctor counts an accuracy from a loss function, or from a DataLoader's "
                          f"labels, in evaluation; where the script computes it otherwise, add "
                          f"traindoctor.log({name}=...) there"
                          + ("" if not out["stages"] else
                             "; recorded: " + ", ".join(f"{st['stage']} {st['final']:.3f}" for st in out["stages"])))
    from ..checks.causes._signals import eval_reads_training_data

    same = eval_reads_training_data(ctx)
    if same is not None and any(st["stage"] != "train" for st in out["stages"]):
        out["evaluation_reads_training_data"] = same
        out["verdict"] = (f"the evaluation loader {same['eval_loader']} reads the training samples of "
                          f"{same['train_loader']}: its accuracy measures what the model remembers, not how it "
                          f"generalises; evaluate on held-out data (random_split, or a separate dataset)")
    return out if (out["targets"] or out["stages"]) else {}


def _printed_notes(ctx: Context, out: dict[str, Any]) -> None:
    """Where the script prints its own validation or test accuracy and it is not what the collector counted on the
    same passes, the verdict says which number it judged: the printed one where it is another measure (a greedy
    generation's exact match printed, teacher-forced tokens counted: probe L h03, 1.000 printed against 0.876
    counted, judged "fix training first" on the count), the count where the printed one is at chance and wrong
    (graph.wrong_operator: 0.000 printed at every epoch against 0.94 counted, "met" with no word of it)."""
    from ..checks.signals import printed_accuracy_wrong, printed_vs_counted

    notes = []
    for stage in ("val", "test"):
        name = f"{stage}_acc"
        wrong = printed_accuracy_wrong(ctx, stage)
        if wrong is not None:
            out.setdefault("printed", {})[name] = {"printed": wrong["printed"], "counted": wrong["counted"],
                                                   "used": "counted"}
            notes.append(f"the script prints {name} {wrong['printed']:.3f} where the model's top class matches "
                         f"the label for {wrong['counted']:.3f} of the same samples: its accuracy code is wrong "
                         f"(graph.wrong_operator), and the figures here are the counted ones")
            continue
        if printed_accuracy_tag(ctx, name) is None:
            continue
        cmp = printed_vs_counted(ctx, stage)
        out.setdefault("printed", {})[name] = {"printed": cmp["printed"], "counted": cmp.get("counted"),
                                               "used": "printed"}
        if cmp.get("counted") is not None:
            notes.append(f"{name} judged as the script prints it, {cmp['printed']:.3f}; traindoctor's own count on "
                         f"the same passes, the top class against the label, is {cmp['counted']:.3f}: another "
                         f"measure")
    if notes and out.get("verdict"):
        out["verdict"] += " (" + "; ".join(notes) + ")"
    elif notes:
        out["verdict"] = notes[0]


def _targets_verdict(results: dict[str, dict[str, Any]], findings: list[Finding]) -> str:
    """The verdict where the user's targets are all there is to judge by (a Huber or L1 regression: no
    accuracy, and no MSE to hold against the mean prediction). Probe K h08, val_loss 0.013 against its target
    0.05: the verdict was empty. Empty where a target was never recorded (said apart) or none was stated."""
    if not results or any(t.get("met") is None for t in results.values()):
        return ""
    said = [f"{n} {t['final']:.4g} {'≤' if 'loss' in n else '≥'} {t['target']:g}" for n, t in results.items()
            if t["met"]]
    missed = [(n, t) for n, t in results.items() if not t["met"]]
    if not missed:
        return f"every stated target is met ({', '.join(said)})"
    causes = [f.id for f in findings if f.kind == "cause" and f.severity != "info"][:3]
    n, t = missed[0]
    return (f"{n} {t['final']:.4g} misses its target {t['target']:g}"
            + (f" ({len(missed) - 1} more target(s) missed)" if len(missed) > 1 else "") + ": "
            + (f"the likely causes are {', '.join(causes)}" if causes else
               "check the code, the hyperparameters, the model structure, the data and the loss curve"))


def _regression_stages(ctx: Context, targets: dict[str, float]) -> list[dict[str, Any]]:
    """A regression's stages (an MSE training loss and no accuracy): its MSE against predicting the mean (the
    targets' variance), by fit.underfitting's bar, or against a ``train_loss``/``val_loss`` target."""
    from ..checks.signals import eval_target_variance, head_tail, target_variance, train_loss_scale
    from ..checks.symptoms import FitUnderfitting

    if not any(ev.get("function") == "mse_loss" and ev.get("mode") == "train" for ev in ctx.run.events("loss_call")):
        return []
    train_var = target_variance(ctx)
    stages = []
    for stage in ("train", "val", "test"):
        tag, s = metric_series(ctx, f"{stage}_loss")
        s = finite(s) if s is not None else None
        if s is None or not len(s) or (stage == "train" and len(s) < FitUnderfitting.MIN_STEPS):
            continue
        final = head_tail(s.value)[1] if stage == "train" else float(s.value[-1])
        if tag == "train/loss":  # the function's value, where backward() got it divided by a constant
            final *= train_loss_scale(ctx) or 1.0
        goal = targets.get(f"{stage}_loss")
        # validation against its own targets' spread (R² as sklearn computes it), where the evaluation's were seen
        var = (stage == "val" and eval_target_variance(ctx)) or train_var
        entry = {"stage": stage, "metric": tag, "final": final, "best": float(np.min(s.value)),
                 "lower_is_better": True}
        if goal is not None:
            entry.update(reference=goal, reference_kind="target", required=goal, met=bool(final <= goal))
        elif var:
            entry.update(reference=var, reference_kind="mean-prediction baseline",
                         required=FitUnderfitting.MSE_BASELINE * var,
                         met=bool(final <= FitUnderfitting.MSE_BASELINE * var))
        stages.append(entry)
    return stages


def _fraction(name: str, goal: float | None) -> float | None:
    """An accuracy target stated in percent (``--target val_acc=95``) as the fraction metric_series compares it
    with."""
    return goal / 100.0 if goal is not None and "acc" in name.lower() and 1.0 < goal <= 100.0 else goal


def eval_baseline(ctx: Context) -> dict[str, Any] | None:
    """The majority-class share of the last evaluation pass (its confusion matrix's rows)."""
    for ev in reversed(ctx.run.events("eval")):
        if ev.get("confusion"):
            counts = [int(sum(row)) for row in ev["confusion"]]
            total = sum(counts)
            if total:
                k = max(range(len(counts)), key=counts.__getitem__)
                return {"acc": counts[k] / total, "class": str(k), "samples": total,
                        "classes": sum(1 for c in counts if c)}
    # a binary cross-entropy's evaluation has no confusion matrix: the share of 1s among the 0/1 targets of its
    # first recorded calls (the collector summarises three of each function and mode)
    pos = total = 0.0
    for ev in ctx.run.events("loss_call"):
        t = ev.get("target") or {}
        if ev.get("mode") == "eval" and "binary_cross_entropy" in str(ev.get("function")) and \
                t.get("min") == 0.0 and t.get("max") == 1.0 and t.get("integer_frac") == 1.0 and t.get("shape"):
            n = float(np.prod(t["shape"]))
            pos, total = pos + t["mean"] * n, total + n
    if total:
        share = pos / total
        return {"acc": max(share, 1 - share), "class": "1" if share >= 0.5 else "0", "samples": int(total),
                "classes": 2}
    return None


def _baseline(ctx: Context) -> dict[str, Any] | None:
    from ..checks.causes._signals import train_dataset_labels

    whole = train_dataset_labels(ctx)
    counts: dict[str, int] = {}
    if whole and whole.get("counts"):  # the whole training set's classes, where its sampler draws them alike
        counts = {k: int(v) for k, v in whole["counts"].items()}
    for ev in ctx.run.events("batch") if not counts else ():
        if ev.get("role") in (None, "train") and "counts" in (ev.get("y") or {}):
            for k, v in ev["y"]["counts"].items():
                counts[k] = counts.get(k, 0) + int(v)
    if not counts:
        # no sampled training batches (tensors sliced by hand, no DataLoader): the last evaluation's classes
        return eval_baseline(ctx)
    total = sum(counts.values())
    if not total:
        return None
    major = max(counts, key=counts.get)
    return {"acc": counts[major] / total, "class": major, "samples": total, "classes": len(counts)}


class _Wording:
    """How the verdict speaks of one kind of metric: an accuracy (higher is better, against the majority class)
    or a regression's MSE (lower is better, against predicting the mean)."""

    def __init__(self, regression: bool, per_label: bool = False):
        from ..checks.symptoms import FitOverfitting

        self.regression = regression
        self.per_label = per_label and not regression
        self.name = "MSE" if regression else "per-label accuracy" if self.per_label else "accuracy"
        self.short = "is no better than" if regression else "is below"
        self.baseline = "the targets' variance" if regression else "majority-class baseline"
        self.flag = "val_loss" if regression else "val_acc"
        # a gap between training and validation: fit.overfitting's accuracy gap, or a validation MSE twice training's
        self.gap = (lambda tr, va: va >= 2 * tr) if regression else (lambda tr, va: tr - va > FitOverfitting.GAP)

    def num(self, x: float) -> str:
        return f"{x:.4g}" if self.regression else f"{x:.3f}"

    def bar(self, st: dict[str, Any], first: bool = False) -> str:
        """What the stage had to reach: the target, or the baseline (and, for an accuracy, the margin above it
        that fit.underfitting asks)."""
        if st.get("reference_kind") == "target":
            return f"the target {self.num(st['reference'])}"
        if self.regression:
            return f"predicting the mean ({self.baseline + ', ' if first else ''}{self.num(st['reference'])})"
        if st.get("reference_kind") == "uniform-guess baseline":  # a class-weighted loss
            return (f"{self.num(st['required'])}, what beating a uniform guess {self.num(st['reference'])} takes "
                    f"(the loss is class-weighted)")
        if self.per_label:
            return f"{self.num(st['reference'])}, the share of the more common answer over all labels"
        return f"{self.num(st['required'])}, what beating its majority-class share {self.num(st['reference'])} takes"

    def advice(self) -> str:
        return ("check the code, the hyperparameters, the model structure, the data"
                + (" (targets scaled?)" if self.regression else "") + " and the loss curve")


def _verdict(stages: list[dict[str, Any]], findings: list[Finding], regression: bool = False,
             per_label: bool = False) -> str:
    """The seed's walk over the stages: training short of its bar first, then validation short with no gap to
    training, then a gap, then test short where validation is fine; else what the stages were judged against."""
    w = _Wording(regression, per_label)
    by = {s["stage"]: s for s in stages}
    tr, va, te = by.get("train"), by.get("val"), by.get("test")
    # an info finding is no cause (probe K f02: a run that blew up had "the likely causes are data.label_errors",
    # an info note, named)
    causes = [f.id for f in findings if f.kind == "cause" and f.severity != "info"][:3]
    why = f"the likely causes are {', '.join(causes)}" if causes else ""
    # a validation that meets the target stated for it: training short of that target is no fault (probe L h01:
    # 0.865 in train mode, with dropout, against a val_acc target of 0.88 that validation met at 0.900)
    val_met = bool(va and va.get("met") is True and va.get("reference_kind") == "target")
    if tr and tr.get("met") is False and val_met:
        return (f"validation {w.name} {w.num(va['final'])} meets the target {w.num(va['reference'])} (training's "
                f"{w.num(tr['final'])} is below it: dropout or augmentation at training, or its last batches)")
    if tr and tr.get("met") is False:
        return (f"training {w.name} {w.num(tr['final'])} {w.short} {w.bar(tr, first=True)}: fix training first; "
                + (why or w.advice()))
    if va and va.get("met") is False and (not tr or not w.gap(tr["final"], va["final"])):
        # no training metric, or one as poor: not a gap between the two (a validation accuracy 0.016 below a
        # training one that cleared its bar by 0.003 was called "fine" and its gap overfitting)
        return (f"validation {w.name} {w.num(va['final'])} {w.short} {w.bar(va)}"
                + (f" (training {w.num(tr['final'])})" if tr else "") + ": " + (why or w.advice()))
    if tr and va and va.get("met") is False:
        from ..checks.symptoms import FitOverfitting

        gap = "" if regression else f" (gap {tr['final'] - va['final']:.3f})"
        # above its bar, held short by the gap to training alone (probe L f12: "validation accuracy is 0.611, is
        # below 0.396")
        above = va.get("required") is not None and va["final"] >= va["required"] and not regression
        short = (f"{tr['final'] - va['final']:.3f} below training's, more than fit.overfitting's gap of "
                 f"{FitOverfitting.GAP:g}" if above else f"{w.short} {w.bar(va)}{gap}")
        return (f"training {w.name} {w.num(tr['final'])} is fine but validation {w.name} is {w.num(va['final'])}, "
                f"{short}: "
                + (why or "overfitting (more data, augmentation, regularisation, a smaller model, early stopping) "
                          "or an evaluation script that processes data differently or loads the wrong checkpoint"))
    if va and te and te.get("met") is False and va.get("met") is not False:
        return (f"validation {w.name} {w.num(va['final'])} is fine but test {w.name} is {w.num(te['final'])}: the "
                "test data come from a different distribution, or the test script is wrong")
    judged = [s for s in stages if "met" in s]
    if stages and not judged:
        return (f"no target and no {w.baseline} to judge the {w.name} against: state what you expect with "
                f"--target {w.flag}=...")
    if not judged:
        return ""
    if any(s.get("reference_kind") == "target" for s in judged):
        return f"{'the MSE' if regression else w.name} meets the expectation on every stage recorded"
    # no target: beating the baseline is all that was checked (a new head on a frozen backbone at 0.27 against
    # 0.20 "met the expectation" while its loss sat at ln 5)
    against = ", ".join(f"{s['stage']} {w.num(s['final'])} against {w.num(s['reference'])}" for s in judged)
    if regression:
        return (f"the MSE is below the mean prediction's on every stage recorded ({against}, R² "
                + ", ".join(f"{1 - s['final'] / s['reference']:.2f}" for s in judged)
                + "); that is all it can be judged by: state what you expect with --target val_loss=...")
    base = ("a uniform guess (the loss is class-weighted)"
            if any(s.get("reference_kind") == "uniform-guess baseline" for s in judged) else
            "the share of the more common answer over all labels" if w.per_label else "the majority-class baseline")
    held = next((f for f in findings if f.id == "fit.underfitting" and f.severity != "info"), None)
    if held is not None:  # above the baseline, but levelling off below what the model can reach
        return f"{w.name} is above {base} ({against}), but {held.title}: see fit.underfitting"
    if w.per_label:
        return (f"{w.name} is above {base} on every stage recorded ({against}); that is all it can be judged by, "
                "and it says little where most answers are negative: log an F1 score (traindoctor.log(val_f1=...)) "
                "and state what you expect with --target val_f1=...")
    return (f"{w.name} is above {base} on every stage recorded ({against}); that is all it can be judged by: "
            "state what you expect with --target val_acc=...")
