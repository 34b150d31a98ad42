"""``data.label_errors``, apart from the other data checks because it runs last: a model that trains badly
for any other reason found in the run (graph, data, hyperparameters) also contradicts correct labels."""
from __future__ import annotations

import numpy as np

from ..base import Check, Context, Finding, Outcome, register
from ..signals import loss_floor
from . import _signals as sig


#: symptoms of an unstable training, whose predictions cannot be trusted to judge labels
_UNSTABLE = ("loss.oscillating", "loss.blowup", "loss.nan_inf", "weight.change_too_large", "grad.exploding")


@register
class LabelErrors(Check):
    """``data.label_errors``: training labels the model confidently contradicts.

    Confident learning (cleanlab's ``find_label_issues``) on the training
    predictions recorded at the end of training. Hard examples near a class border
    get low confidence everywhere; a wrong label on an easy example gets a confident
    prediction of another class. Reported when cleanlab flags ``ISSUE_SHARE`` of the
    rows *and* ``CONFIDENT_SHARE`` of the rows are predicted with probability above
    ``CONFIDENT`` as a class other than their label, so ambiguous data (where the
    model is unsure) does not count as mislabelled. Training accuracy far below the
    evaluation accuracy (the evaluation labels are cleaner) relaxes the confidence.
    A model that trains badly for another reason found in the run also contradicts
    correct labels, so then the finding is only a note. A model whose sure predictions
    are wrong only as often as their confidence says (``CALIBRATED``) sees classes
    that overlap, not wrong labels.
    """

    id = "data.label_errors"
    needs = frozenset()
    ISSUE_SHARE = 0.05
    CONFIDENT = 0.8
    CONFIDENT_SHARE = 0.04
    #: With many classes and much noise the model is rarely that sure; when the evaluation accuracy is
    #: ``EVAL_ABOVE_TRAIN`` above the training accuracy, predictions with ``LIKELY`` probability count instead.
    EVAL_ABOVE_TRAIN = 0.15
    LIKELY = 0.6
    #: ...not when the script changes the training inputs' spread by this factor after loading (noise added)
    NOISED = 1.2
    MIN_ROWS = 200
    #: ...nor when the rows predicted with ``SURE`` probability (``MIN_SURE_ROWS`` of them at least) are wrong at
    #: most ``CALIBRATED`` times as often as their confidence says. Classes that overlap (the same evidence under
    #: both labels) give a model wrong as often as it expects, less and less so as it is surer: a transformer on
    #: tokens, 3.3% wrong against 3.4% expected; a coin-flip label with a logistic bias, 3.9% against 4.1%.
    #: Wrong labels on easy rows keep it wrong at their own rate however sure it is: 15% of labels flipped, 12.8%
    #: against 6.3%; the zoo's flipped blobs, 27% against 8.5%.
    SURE = 0.9
    MIN_SURE_ROWS = 50
    CALIBRATED = 1.25

    def _label_always_set(self, ctx: Context) -> Finding | None:
        """A column of multi-label (or ordinal level) targets that is 1 in every row of the first training calls:
        it carries nothing, and the encoding that made it is likely off by one (probe P f03: CORAL levels as
        ``arange(K - 1) <= y`` for ``< y``; level 0 always 1, every grade decoded one too high, 0.19 against
        0.83; nothing was found). From the binary cross-entropy's first calls, each column's share of ones."""
        calls = [e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train"
                 and (e.get("target") or {}).get("col_mean")]
        if not calls:
            return None
        width = len(calls[0]["target"]["col_mean"])
        always = [j for j in range(width) if all(len(c["target"]["col_mean"]) == width
                                                   and c["target"]["col_mean"][j] == 1.0 for c in calls)]
        if not always:
            return None
        rows = sum(int(c["target"]["shape"][0]) for c in calls)
        means = [round(float(np.mean([c["target"]["col_mean"][j] for c in calls])), 3) for j in range(width)]
        return Finding(
            self.id, f"Target column {always[0]} of {calls[0]['function']} is 1 in all {rows} rows of the first "
                     f"training batches ({width} columns, shares of ones {means}): a label set for every sample "
                     f"teaches nothing, and the encoding that built it is likely off by one",
            severity="warning", confidence=0.7, location=f"{calls[0]['function']} target",
            step=int(calls[0].get("step", 0)),
            evidence={"always_set_columns": always, "rows": rows, "column_share_of_ones": means},
            advice="Check how the targets are encoded: ordinal levels are (y > k) for k = 0..K-2, i.e. "
                   "torch.arange(K - 1) < y[:, None] (with <= level 0 is always 1 and every grade decodes one too "
                   "high); a multi-hot column that every sample carries is no label.",
            explains=["fit.underfitting", "fit.overfitting", "graph.loss_function", "loss.not_converging"])

    def run(self, ctx: Context) -> Outcome:
        zipped = _zipped_loaders(ctx)
        if zipped is not None:
            x, y = zipped
            return Outcome.found(Finding(
                self.id, f"Inputs and labels come from two DataLoaders read together ({sig.loader_name(x)}, "
                         f"{sig.loader_name(y)}), each shuffled on its own: the labels no longer belong to their inputs",
                severity="error", confidence=0.9, location=sig.loader_name(y), step=0,
                evidence={"inputs_loader": x["name"], "labels_loader": y["name"],
                          "length": x.get("dataset", {}).get("length"), "batch_size": x.get("batch_size")},
                advice="Keep each input with its label in one dataset: DataLoader(TensorDataset(X, y), shuffle=True) "
                       "shuffles the pairs together. Two shuffled loaders zipped draw two different orders.",
                explains=["fit.underfitting", "loss.not_converging", "fit.overfitting", "hparam.epochs_too_many"]))
        copied = self._targets_are_inputs(ctx) or self._targets_shifted(ctx) or self._label_always_set(ctx)
        if copied is not None:
            return Outcome.found(copied)
        out = self._confident_learning(ctx)
        if out.findings:
            return out
        from ..symptoms import validation_at_chance

        chance = validation_at_chance(ctx)
        if chance is None:
            flat = self._nothing_to_learn(ctx) or self._below_chance(ctx)
            return Outcome.found(flat) if flat is not None else out
        from ..symptoms import evaluation_inputs_apart

        if evaluation_inputs_apart(chance):
            return Outcome.passed(f"validation stays at chance, but the first epoch's unseen training batches were "
                                  f"{chance['first_epoch_acc']:.2f} right and the validation predictions are not "
                                  f"the labels' classes: the validation inputs differ (see data.preprocess_mismatch)")
        return Outcome.found(Finding(
            self.id, f"the model learns the training labels (accuracy {chance['train_acc']:.2f}) but validation never "
                     f"rose above chance ({chance['best_val_acc']:.2f} at best, chance {chance['chance']:.2f}): the "
                     f"labels do not follow the inputs",
            severity="warning", confidence=0.65, location="labels", step=0,
            evidence={k: round(v, 4) if isinstance(v, float) else v for k, v in chance.items()},
            advice="Check that inputs and labels stayed together: X and y shuffled, sorted or filtered separately, a "
                   "split that re-indexes one of them, labels read from another file or split. A network memorises "
                   "random training labels (so confident learning, which reads its own predictions, sees no "
                   "contradiction); validation then stays at chance.",
            explains=["fit.overfitting", "hparam.epochs_too_many", "loss.zero"]))

    #: a validation accuracy under this share of chance at every evaluation is no model at chance: its answers
    #: are the wrong ones on purpose (12 classes, chance 0.083: 0.000-0.002 at all 20 evaluations, probe S f08) ...
    BELOW_CHANCE = 0.25
    #: ... while the training loss fell by this share: the model learnt something
    BELOW_CHANCE_FELL = 0.3

    def _below_chance(self, ctx: Context) -> Finding | None:
        """A validation accuracy far below chance at every evaluation while the training loss falls: the
        evaluation's answers anti-correlate with its labels. A model that learnt nothing scores chance; one that
        scores nearly zero picks, for almost every sample, a class that is not its own: the prediction inverted
        (``argmax`` of distances for ``argmin``, a score's sign) or the labels numbered otherwise at evaluation
        (probe S f08: a nearest-centroid evaluation with argmax, 0.002 for 12 classes; nothing was found). From the
        training labels' classes (chance) and the validation accuracy the collector counted or the script
        printed."""
        from ...report.accuracy import metric_series

        train = dict(sig.label_counts(ctx, "train")) or sig.loader_label_counts(ctx, "train")
        tag, va = metric_series(ctx, "val_acc", printed=True)
        prog = sig.loss_progress(ctx)
        if len(train) < 2 or va is None or len(va) < 2 or prog is None or prog["rel_decrease"] < self.BELOW_CHANCE_FELL:
            return None
        chance = 1.0 / len(train)
        best = float(np.max(va.value))
        if best >= self.BELOW_CHANCE * chance:
            return None
        return Finding(
            self.id, f"Validation accuracy ({tag}) stays far below chance, {best:.3f} at best against "
                     f"{chance:.3f} for {len(train)} classes, at all {len(va)} evaluations while the training loss "
                     f"falls {prog['rel_decrease']:.0%}: the evaluation picks a wrong class for nearly every sample "
                     f"(the prediction inverted, or the labels numbered otherwise)",
            severity="warning", confidence=0.6, location=tag, step=int(va.step[0]),
            evidence={"best_val_acc": best, "chance": chance, "classes": len(train), "evaluations": int(len(va)),
                      "train_loss_fell": round(prog["rel_decrease"], 3)},
            advice="A model that learnt nothing scores chance; scoring near zero means the answers are chosen "
                   "against the labels. Check the evaluation's decision: argmin over distances (argmax over "
                   "similarities), the sign of a score, a threshold's side; then that the evaluation's labels are "
                   "numbered as training's (the same class-to-index mapping).",
            explains=["fit.overfitting", "fit.underfitting", "hparam.epochs_too_many"])

    #: the next token decides the targets at least this well (share of positions with its most common target) ...
    NEXT_DECIDES = 0.8
    #: ... and the target's own token this much less well
    OWN_GAP = 0.3

    def _targets_shifted(self, ctx: Context) -> Finding | None:
        """Token-level targets that line up with the next input token, not their own: a tagger given
        ``seqs[:, :-1]`` as input and ``tags[:, 1:]`` as targets (a language model's shift copied into a tagger), so
        each position is scored against the tag of a word the left-to-right model has not read yet (probe M f12:
        0.23 against 0.96; loss.not_converging and fit.underfitting only). From the collector's reading of the first
        training calls: how well one token decides the target at its own position and at the next one's."""
        calls = [e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train" and e.get("target_alignment")]
        if not calls:
            return None
        own = float(np.mean([e["target_alignment"]["0"] for e in calls]))
        nxt = float(np.mean([e["target_alignment"]["1"] for e in calls]))
        if nxt < self.NEXT_DECIDES or nxt - own < self.OWN_GAP:
            return None
        return Finding(
            self.id, f"The targets follow the next input token, not their own: one token decides the target one "
                     f"position before it for {nxt:.0%} of the positions, and at its own position for {own:.0%}. Each "
                     f"position is scored against the label of the token after it",
            severity="error", confidence=0.8, location="targets", step=int(calls[0].get("step", 0)),
            evidence={"decided_by_own_token": round(own, 4), "decided_by_next_token": round(nxt, 4),
                      "calls": len(calls), "function": calls[0].get("function")},
            advice="Keep each label at its token's position: inputs seqs and targets tags of the same positions (a "
                   "tagger needs no shift; the shift by one, inputs x[:, :-1] and targets x[:, 1:], is a language "
                   "model's, whose targets are the next tokens themselves).",
            explains=["loss.not_converging", "fit.underfitting", "fit.overfitting", "hparam.epochs_too_few",
                      "hparam.lr_too_small"])

    def _targets_are_inputs(self, ctx: Context) -> Finding | None:
        """Training targets that are the model's own input ids: a next-token model given ``seq[:, :-1]`` as both
        input and target learns to copy its input, reaches a loss near zero, and predicts nothing at evaluation,
        where the targets are shifted (probe K f05: 0.00 against 1.00). Reported where training went that way:
        a loss near zero or a model that fits training and not evaluation (an autoencoder of tokens, which
        reconstructs its input by design, is judged the same way at evaluation and fits both)."""
        calls = sig.events(ctx, "loss_call")
        call = next((e for e in calls if e.get("mode") == "train" and e.get("target_is_input") is True), None)
        if call is None:
            return None
        from ..symptoms import validation_at_chance

        fn = call["function"]
        # evaluation scored against targets that are not its inputs: the two disagree on what the task is
        apart = any(e.get("mode") == "eval" and e.get("function") == fn and e.get("target_is_input") is False
                    for e in calls)
        floats = (call.get("target") or {}).get("dtype", "").startswith(("float", "bfloat"))
        shown = sorted({f.id for f in ctx.findings} & {"loss.zero", "fit.overfitting"})
        # an autoencoder reconstructs its input by design: float targets only where evaluation's differ (a
        # denoiser trained against its noisy input, probe L f01)
        if not apart and (floats or (not shown and validation_at_chance(ctx) is None)):
            return None
        shape = (call.get("target") or {}).get("shape")
        return Finding(
            self.id, f"The training targets of {fn} are the model's own inputs, value for value"
                     f"{f' ({tuple(shape)})' if shape else ''}"
                     + (", and the evaluation's are not" if apart else "") + ": it learns to copy them"
                     + (f" ({', '.join(shown)})" if shown else ""),
            severity="error", confidence=0.85, location=f"{fn} target", step=int(call.get("step", 0)),
            evidence={"target_shape": shape, "symptoms": shown, "function": fn, "evaluation_targets_differ": apart},
            advice=("Train against the targets the evaluation uses: a denoiser's clean inputs "
                    "(loss = crit(model(noisy), clean)), not the noisy ones it is given." if floats else
                    "Shift the targets against the inputs for next-token prediction: inputs seq[:, :-1], targets "
                    "seq[:, 1:] (the evaluation may already do so); or check that the labels, not the inputs, "
                    "are passed to the loss."),
            explains=["loss.zero", "fit.overfitting", "hparam.epochs_too_many", "data.label_errors",
                      "fit.underfitting"])

    #: a loss that never leaves a constant prediction's (within this share, at the end and over the run) ...
    FLAT_TOL = 0.03
    MIN_FLAT_STEPS = 100
    #: ... while the trained layers' median step is inside the healthy band (from its bottom, 1e-4)
    MOVING_RATIO = 1e-4
    #: ... and, where the targets raise the loss's floor (soft targets, label smoothing), it did not cover this
    #: share of the way from the constant answer's loss down to that floor (label_smoothing=0.9 on digits: 57%)
    FLOOR_WAY = 0.3

    def _nothing_to_learn(self, ctx: Context) -> Finding | None:
        """Inputs that tell the model nothing about the labels: its cross-entropy stays at what a constant answer
        costs (ln C, or the labels' entropy) for the whole run while its weights move at a healthy rate and no
        other cause is found. Inputs shuffled apart from their labels (X shuffled, y not) give that when the
        model cannot learn the pairs by heart (digits: 2.30 → 2.26 in 330 steps, Adam at 1e-3)."""
        if sig.events(ctx, "mixed_targets"):
            return None
        refs = sig.constant_prediction_losses(ctx)
        _, v = sig.finite_loss(ctx)
        if not refs or len(v) < self.MIN_FLAT_STEPS:
            return None
        end = float(np.median(v[-max(5, len(v) // 5):]))
        low = float(np.percentile(v, 5))
        ref = min(refs, key=lambda r: abs(end - r))
        if abs(end - ref) > self.FLAT_TOL * ref or low < (1 - 2 * self.FLAT_TOL) * ref:
            return None
        floor = loss_floor(ctx)
        if floor is not None and ref > floor and (ref - end) > self.FLOOR_WAY * (ref - floor):
            return None  # near a raised floor (soft or smoothed targets): it learnt what the targets let it
        _, per_layer, _ = sig.early_update_ratio(ctx, len(v))
        others = sorted({f.id for f in ctx.findings if f.kind == "cause" and f.severity in ("error", "warning")})
        if not len(per_layer) or float(np.median(per_layer)) < self.MOVING_RATIO or others or _linear_model(ctx):
            return None  # (a linear model on XOR-like data cannot express the task: fit.underfitting's to say)
        return Finding(
            self.id, f"The loss stays at what a constant answer costs ({sig.fmt_num(end)} against "
                     f"{sig.fmt_num(ref)}) for all {len(v)} steps, while the weights move at a healthy rate: the "
                     f"inputs tell the model nothing it can use about the labels",
            severity="warning", confidence=0.6, location="labels", step=0,
            evidence={"final_loss": round(end, 4), "constant_prediction_loss": round(ref, 4),
                      "steps": int(len(v)), "median_update_ratio": float(np.median(per_layer))},
            advice="Check that inputs and labels still belong together (an array shuffled, sorted or filtered "
                   "without the other; labels read from another file; the wrong input columns), and that the "
                   "model can express the task at all (a linear model on XOR-like data cannot).",
            explains=["loss.not_converging", "fit.underfitting"])

    def _confident_learning(self, ctx: Context) -> Outcome:
        evs = sig.events(ctx, "train_predictions")
        mixed = sig.events(ctx, "mixed_targets")
        if mixed and not evs:
            return Outcome.not_checked(f"each training output is scored against two label sets from step "
                                       f"{mixed[0]['step']} on (mixup or cutmix): no one label to contradict")
        if not evs:
            return Outcome.not_checked("no training predictions of a classification loss were recorded")
        ev = evs[-1]
        labels = np.asarray(ev["labels"], dtype=np.int64)
        probs = np.asarray(ev["probs"], dtype=np.float64)
        if len(labels) < self.MIN_ROWS or probs.shape[1] < 2:
            return Outcome.not_checked(f"only {len(labels)} training predictions recorded")
        probs = probs / probs.sum(1, keepdims=True)
        pred = probs.argmax(1)
        conf_other = (pred != labels) & (probs.max(1) >= self.CONFIDENT)
        confident_share = float(conf_other.mean())
        issues = self._issues(labels, probs)
        issue_share = float(issues.mean()) if issues is not None else confident_share
        gap = sig.eval_accuracy_gap(ctx)
        evidence = {"rows": int(len(labels)), "flagged_by_confident_learning": int(issues.sum()) if issues is not None
                    else None, "confidently_other_class": int(conf_other.sum()),
                    "confidently_other_share": round(confident_share, 4)}
        if gap:
            evidence.update(train_acc=round(gap["train_acc"], 4), eval_acc=round(gap["eval_acc"], 4))
        # Training accuracy far below evaluation accuracy: the training labels are worse than the evaluation ones.
        clean_eval = gap is not None and gap["eval_acc"] - gap["train_acc"] >= self.EVAL_ABOVE_TRAIN
        # ...unless the training inputs are corrupted in the loop (augmentation noise): their predictions are
        # unsure because of the inputs, and the evaluation, on clean inputs, is better for that reason
        noised = sig.input_transform(ctx, "train")
        augmented = noised is not None and (noised["std_ratio"] > self.NOISED or noised["std_ratio"] < 1 / self.NOISED)
        likely_share = float(((pred != labels) & (probs.max(1) >= self.LIKELY)).mean())
        evidence["likely_other_share"] = round(likely_share, 4)
        # calibrated: among the rows predicted with CONFIDENT probability, as many are wrong as that probability
        # says; classes that overlap (the same evidence under both labels) give that, a wrong label on an easy
        # example a model surer than it is right
        sure = probs.max(1) >= self.SURE
        n_sure = int(sure.sum())
        wrong_sure = float((pred[sure] != labels[sure]).mean()) if n_sure else 0.0
        expected_wrong = float((1 - probs.max(1)[sure]).mean()) if n_sure else 0.0
        evidence.update(wrong_when_sure=round(wrong_sure, 4), expected_wrong_when_sure=round(expected_wrong, 4),
                        sure_rows=n_sure)
        # within twice the binomial spread of the rows counted
        calibrated = n_sure >= self.MIN_SURE_ROWS and wrong_sure <= self.CALIBRATED * expected_wrong + \
            2 * np.sqrt(expected_wrong * (1 - expected_wrong) / n_sure)
        if calibrated and not clean_eval and issue_share >= self.ISSUE_SHARE and confident_share >= self.CONFIDENT_SHARE:
            return Outcome.passed(f"{confident_share:.1%} of training rows confidently contradict their label, but "
                                  f"the predictions it makes with {self.SURE:.0%}+ probability are wrong as often as that "
                                  f"probability says ({wrong_sure:.1%} against {expected_wrong:.1%}): classes that "
                                  f"overlap, not wrong labels")
        if issue_share < self.ISSUE_SHARE or not (confident_share >= self.CONFIDENT_SHARE or
                                                  (clean_eval and not augmented
                                                   and likely_share >= self.CONFIDENT_SHARE)):
            return Outcome.passed(f"{confident_share:.1%} of training rows confidently contradict their label" + (
                f"; the training inputs are changed in the loop before the model sees them (spread "
                f"{noised['loader_std']:.3g} → {noised['model_std']:.3g}), which explains the training accuracy "
                f"below evaluation's" if clean_eval and augmented else ""))
        pairs: dict[str, int] = {}
        for y, p in zip(labels[conf_other], pred[conf_other]):
            pairs[f"{y}->{p}"] = pairs.get(f"{y}->{p}", 0) + 1
        top = sorted(pairs.items(), key=lambda kv: -kv[1])[:8]
        evidence["label_to_predicted"] = dict(top)
        worst = top[0][0].split("->")[0]
        conf = 0.8 if (gap and gap["eval_acc"] > gap["train_acc"]) else 0.7
        # A model trained badly for another reason, or whose training is unstable (confident learning
        # needs a model that fits), also contradicts correct labels.
        others = sorted({f.id for f in ctx.findings if f.severity in ("error", "warning") and
                         (f.kind == "cause" or f.id in _UNSTABLE)})
        if others:
            evidence["other_causes"] = others
            return Outcome.found(Finding(
                self.id, f"{confident_share:.0%} of training rows are predicted as another class than their label, "
                         f"which the other causes found may explain", severity="info", confidence=0.3,
                location=f"class {worst}", step=int(ev.get("step", 0)), evidence=evidence))
        return Outcome.found(Finding(
            self.id, f"{confident_share:.0%} of training rows are confidently predicted as another class than "
                     f"their label (likely label errors)",
            severity="warning", confidence=conf, location=f"class {worst}", step=int(ev.get("step", 0)),
            evidence=evidence,
            advice="Review the flagged samples and fix their labels (cleanlab.find_label_issues lists them); "
                   "until then, label smoothing or a noise-robust loss limits the damage.",
            explains=["fit.underfitting", "loss.not_converging", "fit.overfitting", "loss.oscillating"]))

    def _issues(self, labels: np.ndarray, probs: np.ndarray) -> np.ndarray | None:
        try:
            from cleanlab.filter import find_label_issues
        except ImportError:
            return None
        present = np.unique(labels)
        if len(present) != probs.shape[1]:
            return None
        # n_jobs=1: cleanlab's default forks a process pool, and a fork from a threaded process (the
        # dashboard's server, a training script) can leave a child holding a lock forever; the pool then
        # never answers and the diagnosis hangs. On the few thousand rows recorded, one process is fast.
        return np.asarray(find_label_issues(labels, probs, n_jobs=1), dtype=bool)


def _linear_model(ctx: Context) -> bool:
    """A model of Linear layers only, with no activation between them (its other modules are containers or the
    model's own class, and no functional activation was recorded): whatever its depth, a linear map."""
    mods = ctx.modules()
    other = {m.get("class") for m in mods if m.get("parent") is not None} - {
        "Linear", "Sequential", "ModuleList", "ModuleDict", "Identity", "Flatten", "Dropout"}
    act = ctx.run.table("activation")
    functional = len(act) > 0 and any("[" in k for k in act.keys)
    return bool(mods) and not other and not functional and any(m.get("class") == "Linear" for m in mods)


def _zipped_loaders(ctx: Context) -> tuple[dict, dict] | None:
    """Two shuffled DataLoaders that the script reads together (``zip(x_loader, y_loader)``), one of float inputs
    and one of integer labels, each over a bare tensor: their epochs start at the same steps, and each sampler
    draws its own order. Returns their ``dataloader`` events (inputs, labels)."""
    loaders = {e["loader"]: e for e in sig.events(ctx, "dataloader")}
    starts: dict[int, list[int]] = {}
    for e in sig.events(ctx, "epoch"):
        starts.setdefault(e["loader"], []).append(int(e["step"]))
    kinds: dict[int, str] = {}
    for b in sig.events(ctx, "batch"):
        x = b.get("x") or {}
        if b["loader"] in kinds or "y" in b or not x.get("dtype"):
            continue
        kinds[b["loader"]] = "labels" if x.get("integer_dtype") and len(x.get("shape", [])) == 1 else \
            ("inputs" if "float" in x["dtype"] else "other")
    bare = [i for i, e in loaders.items() if e.get("shuffle") and e.get("sampler") == "RandomSampler"
            and i in kinds and kinds[i] != "other" and len(starts.get(i, [])) >= 2]
    for i in bare:
        for j in bare:
            if kinds[i] == "inputs" and kinds[j] == "labels" and starts[i] == starts[j] and \
                    loaders[i].get("dataset", {}).get("length") == loaders[j].get("dataset", {}).get("length"):
                return loaders[i], loaders[j]
    return None
