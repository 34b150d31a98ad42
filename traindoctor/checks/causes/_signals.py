"""Signals several cause checks derive from the same records, computed once per run."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..base import Context
from ..signals import in_percent

#: Module classes whose ``weight`` is a learned linear map (the layers initialisation and freezing are about).
LAYER_CLASSES = ("Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                 "ConvTranspose3d", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "MultiheadAttention",
                 "LazyLinear")


def events(ctx: Context, kind: str) -> list[dict[str, Any]]:
    """Events of the primary rank (rank 0): other ranks' streams are compared, not pooled."""
    return [e for e in ctx.run.events(kind) if int(e.get("rank", 0) or 0) == 0]


def loader_roles(ctx: Context) -> dict[int, str]:
    roles: dict[int, str] = {}
    for ev in events(ctx, "dataloader"):
        if ev.get("role"):
            roles[ev["loader"]] = ev["role"]
    for ev in events(ctx, "loader_role"):
        roles[ev["loader"]] = ev["role"]
    return roles


def loaders(ctx: Context, role: str) -> list[dict[str, Any]]:
    roles = loader_roles(ctx)
    return [ev for ev in events(ctx, "dataloader") if roles.get(ev["loader"]) == role]


def loader_name(ev: dict[str, Any]) -> str:
    """A ``dataloader`` event's loader as the findings name it: the script's variable, else ``loader N``."""
    return ev.get("name") or f"loader {ev['loader']}"


def eval_reads_training_data(ctx: Context) -> dict[str, Any] | None:
    """An evaluation loader over the very samples a training loader reads (one data fingerprint: the same
    TensorDataset, the same Subset indices): its accuracy measures memory, not generalisation."""
    return ctx.cached("causes.eval_reads_training_data", lambda: _eval_reads_training_data(ctx))


def _eval_reads_training_data(ctx: Context) -> dict[str, Any] | None:
    train = {ev.get("data_fingerprint"): ev for ev in loaders(ctx, "train") if ev.get("data_fingerprint")}
    evals = loaders(ctx, "eval") + loaders(ctx, "test")
    if not train or not evals or any(ev.get("data_fingerprint") not in train for ev in evals):
        return None  # (an evaluation of the training data next to a held-out one is a comparison, not a leak)
    ev = evals[0]
    tr = train[ev["data_fingerprint"]]
    return {"eval_loader": loader_name(ev), "train_loader": loader_name(tr),
            "samples": (ev.get("dataset") or {}).get("subset_size") or (ev.get("dataset") or {}).get("length")}


def batches(ctx: Context, role: str) -> list[dict[str, Any]]:
    """Sampled batches of the loaders that play ``role`` (train, eval, test)."""
    def compute():
        roles = loader_roles(ctx)
        out: dict[str, list] = {}
        for ev in events(ctx, "batch"):
            r = roles.get(ev.get("loader")) or ev.get("role")
            out.setdefault(r or "unknown", []).append(ev)
        return out
    by_role = ctx.cached("causes.batches", compute)
    if role == "eval":
        return by_role.get("eval", []) or by_role.get("test", [])
    return by_role.get(role, [])


def _model_inputs(ctx: Context, role: str) -> tuple[list[dict], list[tuple[dict, dict | None]]]:
    """The ``model_input`` events of ``role``'s loaders, and each sampled batch of them paired with what the
    model got of it where the script changed it (None where it ran on the batch itself, or was not seen)."""
    def compute():
        roles = loader_roles(ctx)
        mine = lambda e: (roles.get(e.get("loader")) or e.get("role") or "unknown") == role or \
            role == "eval" and (roles.get(e.get("loader")) or e.get("role")) == "test"
        got = [e for e in events(ctx, "model_input") if mine(e)]
        merged = sorted([(e.get("step", 0), 0, k, e) for k, e in enumerate(batches(ctx, role)) if "x" in e] +
                        [(e.get("step", 0), 1, k, e) for k, e in enumerate(got)], key=lambda t: t[:3])
        latest: dict[tuple, int] = {}
        pairs: list[list] = []
        for _, kind, _, e in merged:
            key = (e.get("loader"), e.get("index"))
            if kind == 0:
                latest[key] = len(pairs)
                pairs.append([e, None])
            elif key in latest and not e.get("same") and "x" in e:
                pairs[latest.pop(key)][1] = e
        return got, [tuple(p) for p in pairs]
    return ctx.cached(f"causes.model_inputs.{role}", compute)


def seen_batches(ctx: Context, role: str) -> list[dict[str, Any]]:
    """``batches(ctx, role)`` with each input summary replaced by what the model got, where the script
    changed the batch after loading (``_model_inputs``)."""
    return [b if m is None else {**b, "x": m["x"], "changed_in_loop": True} for b, m in _model_inputs(ctx, role)[1]]


def input_transform(ctx: Context, role: str) -> dict[str, Any] | None:
    """How the script changed its sampled ``role`` batches before the model ran on them (``model_input``
    events: augmentation noise added in the loop, a normalisation applied after loading): the median spread
    and mean of the loader's batches and of what the model got, on the batches the script did change. None
    when it ran on the loader's tensors themselves, or nothing was recorded."""
    got, pairs = _model_inputs(ctx, role)
    pairs = [(b["x"], m["x"]) for b, m in pairs if m is not None and "std" in m["x"] and "std" in b["x"]]
    changed = len(pairs)
    if not changed:
        return None
    sb = float(np.median([b["std"] for b, _ in pairs]))
    sm = float(np.median([m["std"] for _, m in pairs]))
    mb = float(np.median([b.get("mean", 0.0) for b, _ in pairs]))
    mm = float(np.median([m.get("mean", 0.0) for _, m in pairs]))
    return {"batches": changed, "of": len(got), "loader_std": sb, "model_std": sm, "loader_mean": mb,
            "model_mean": mm, "std_ratio": sm / max(sb, 1e-12), "mean_shift_in_std": abs(mm - mb) / max(sb, 1e-12)}


def finite_loss(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    s = ctx.loss
    m = np.isfinite(s.value)
    return s.step[m], s.value[m]


def first_nonfinite_loss_step(ctx: Context) -> int | None:
    s = ctx.loss
    bad = np.nonzero(~np.isfinite(s.value))[0]
    return int(s.step[bad[0]]) if len(bad) else None


def smooth(v: np.ndarray, k: int) -> np.ndarray:
    k = max(1, min(k, len(v)))
    if k == 1:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    return (c[k:] - c[:-k]) / k


def model_param_shapes(ctx: Context) -> dict[str, list[tuple]]:
    """Each recorded model's parameter shapes in its order, by its root name: copies of one architecture (an EMA
    copy, federated clients) have equal lists."""
    return {ev.get("root"): [tuple(p["shape"]) for m in ev.get("modules", []) for p in m.get("params", [])]
            for ev in events(ctx, "model")}


def loss_graph_ops(ctx: Context) -> list[str]:
    """The autograd node names at the top of the first training loss's graph (``MeanBackward0``, ...), or []."""
    return next((e.get("ops") or [] for e in events(ctx, "loss_graph")), [])


def loss_scaled(ctx: Context) -> bool | None:
    """Whether the training loss is the loss function's value divided or multiplied by something (its graph's top
    op a ``Div``/``Mul``: ``loss / k``, ``loss * w``), or None without a loss graph."""
    top = loss_graph_ops(ctx)
    return top[0].startswith(("Div", "Mul")) if top else None


def loss_progress(ctx: Context) -> dict[str, float] | None:
    """Start and end level of the training loss (medians of the first and last tenth of steps)."""
    step, v = finite_loss(ctx)
    if len(v) < 8:
        return None
    k = max(2, len(v) // 10)
    start, end = float(np.median(v[:k])), float(np.median(v[-k:]))
    return {"start": start, "end": end, "min": float(v.min()), "max": float(v.max()), "steps": int(len(v)),
            "rel_decrease": (start - end) / max(abs(start), 1e-12)}


def optimizer_params(ctx: Context) -> set[str] | None:
    """Names of the parameters handed to any optimizer, or None when no optimizer was seen."""
    evs = events(ctx, "optimizer")
    if not evs:
        return None
    return {n for ev in evs for g in ev.get("groups", []) for n in g.get("params", [])}


def module_params(ctx: Context) -> dict[str, dict[str, Any]]:
    """Every parameter of the model events, with its module and the module's class: for a user's subclass of a
    torch layer (``class QLinear(nn.Linear)``), the torch class it derives from, which the checks know."""
    out: dict[str, dict[str, Any]] = {}
    for ev in events(ctx, "model"):
        for m in ev.get("modules", []):
            for p in m.get("params", []):
                out.setdefault(p["name"], {**p, "module": m["name"], "module_class": m.get("torch_class") or m["class"],
                                           "module_extra": m.get("extra", "")})
    return out


def weights_at(ctx: Context, step: int | None = None) -> dict[str, dict[str, float]]:
    """Weight statistics per parameter at ``step`` (default: the first recorded step)."""
    tab = ctx.run.table("weight")
    if not len(tab):
        return {}
    s = int(tab.step.min()) if step is None else step
    rows = tab.rows_at(s)
    return {tab.keys[int(tab.key[r])]: dict(zip(tab.fields, (float(x) for x in tab.values[r]))) for r in rows}


def update_ratios(ctx: Context) -> tuple[np.ndarray, list[str], np.ndarray]:
    """``(steps, keys, ratio[steps, keys])`` of ‖Δw‖/‖w‖ per parameter; NaN where not recorded."""
    tab = ctx.run.table("update")
    if not len(tab):
        return np.zeros(0, np.int64), [], np.zeros((0, 0))
    steps, mat = tab.pivot("ratio")
    return steps, list(tab.keys), mat


def trained_keys(ctx: Context, keys: list[str]) -> list[int]:
    """Indices of ``keys`` that are trainable weights handed to an optimizer (biases and norms included)."""
    params = module_params(ctx)
    in_opt = optimizer_params(ctx)
    out = []
    for i, k in enumerate(keys):
        p = params.get(k)
        if p is not None and not p.get("requires_grad", True):
            continue
        if in_opt is not None and k not in in_opt:
            continue
        out.append(i)
    return out


def eval_curve(ctx: Context, metric: str = "loss") -> tuple[str, np.ndarray, np.ndarray]:
    """``(tag, steps, values)`` of ``Context.eval_series``: its finite values, an accuracy in percent as a
    fraction."""
    tag = ctx.eval_tag(metric)
    if tag is None:
        return "", np.zeros(0, np.int64), np.zeros(0)
    s = ctx.eval_series(metric)
    m = np.isfinite(s.value)
    v = s.value[m]
    if in_percent(metric, v):
        v = v / 100.0
    return tag, s.step[m], v


def eval_accuracy_gap(ctx: Context) -> dict[str, float] | None:
    """Train and evaluation accuracy at the end of training (last quarter of the train curve)."""
    tr = ctx.in_last_phase(ctx.run.scalar("train/acc"))
    tag, st, ev = eval_curve(ctx, "acc")
    if not len(tr) or not len(ev):
        return None
    k = max(1, len(tr.value) // 10)
    train_acc = float(np.nanmean(tr.value[-k:]))
    return {"train_acc": train_acc, "eval_acc": float(ev[-1]), "best_eval_acc": float(ev.max()),
            "gap": train_acc - float(ev[-1]), "eval_tag": tag}


def num_classes(ctx: Context) -> int | None:
    counts = label_counts(ctx, "train")
    if counts:
        return len(counts)
    return num_classes_from_outputs(ctx)


#: losses that compare prediction and target element by element (after broadcasting them): regression losses
def swapped_betas(cls: str, group: dict[str, Any]) -> tuple[float, float] | None:
    """An Adam-family optimizer's param group whose betas have beta1 above beta2 ((0.999, 0.9) written for
    (0.9, 0.999)): the two, else None."""
    betas = group.get("betas")
    if "adam" not in cls.lower() or not (isinstance(betas, (list, tuple)) and len(betas) == 2
                                         and all(isinstance(b, (int, float)) for b in betas)):
        return None
    b1, b2 = float(betas[0]), float(betas[1])
    return (b1, b2) if b1 > b2 else None


ELEMENTWISE_LOSSES = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss")


def last_confusion(ctx: Context) -> tuple[dict[str, Any], np.ndarray] | None:
    """The last evaluation that kept a confusion matrix (rows: true class, columns: predicted), and the matrix."""
    evs = [e for e in events(ctx, "eval") if e.get("confusion")]
    if not evs:
        return None
    return evs[-1], np.array(evs[-1]["confusion"], dtype=np.float64)


def eval_recall(ctx: Context) -> dict[int, float]:
    """Per-class recall at the last evaluation with a confusion matrix, for the classes it saw."""
    last = last_confusion(ctx)
    if last is None:
        return {}
    conf = last[1]
    support = conf.sum(1)
    return {i: float(conf[i, i] / support[i]) for i in range(len(conf)) if support[i] > 0}


def instance_targets(ev: dict[str, Any]) -> bool:
    """A cross-entropy whose classes are the batch's own rows: an (N, N) (or (N, N-1)) similarity matrix scored
    against N distinct targets 0..N-1 (SimCLR's NT-Xent, CLIP): each sample its own class, not a label. Its width
    (512 for 2 x 256 views) is no count of the task's classes."""
    shape = (ev.get("input") or {}).get("shape") or []
    t = ev.get("target") or {}
    if len(shape) != 2 or shape[0] < 8:
        return False
    n, width = int(shape[0]), int(shape[1])
    return width in (n, n - 1) and t.get("distinct") == n and t.get("min") == 0 and t.get("max") == width - 1


def num_classes_from_outputs(ctx: Context) -> int | None:
    """Classes of a classification loss: the width of the model output fed to cross-entropy/NLL."""
    for ev in events(ctx, "loss_call"):
        shape = ev.get("input", {}).get("shape") or []
        if ev.get("function") in ("cross_entropy", "nll_loss") and len(shape) == 2 and not instance_targets(ev):
            return int(shape[1])
    return None


def label_counts(ctx: Context, role: str, first_epoch_only: bool = False) -> dict[int, int]:
    out: dict[int, int] = {}
    bs = batches(ctx, role)
    if first_epoch_only and bs:
        e0 = min(b.get("epoch", 0) for b in bs)
        bs = [b for b in bs if b.get("epoch", 0) == e0]
    for b in bs:
        for k, c in (b.get("y", {}).get("counts") or {}).items():
            out[int(k)] = out.get(int(k), 0) + int(c)
    return out


def train_size(ctx: Context) -> int | None:
    for ev in loaders(ctx, "train"):
        ds = ev.get("dataset") or {}
        n = ds.get("subset_size") or ds.get("length")
        if n:
            return int(n)
    return None


def total_params(ctx: Context) -> int:
    evs = events(ctx, "model")
    return int(sum(e.get("trainable_params", 0) for e in evs))


def fmt_num(x: float) -> str:
    if x is None or not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 1e4 or abs(x) < 1e-3:
        return f"{x:.2e}"
    return f"{x:.4g}"


def loader_label_counts(ctx: Context, role: str, sampler: str | None = None) -> dict[int, int]:
    """The class counts of every ``role`` loader's whole dataset (its ``labels`` as recorded with it), summed; with
    ``sampler``, of the loaders that draw with that sampler class only."""
    out: dict[int, int] = {}
    for ev in loaders(ctx, role):
        if sampler is not None and ev.get("sampler") != sampler:
            continue
        for k, v in ((ev.get("labels") or {}).get("counts") or {}).items():
            out[int(k)] = out.get(int(k), 0) + int(v)
    return out


def train_dataset_labels(ctx: Context) -> dict[str, Any] | None:
    """The whole training dataset's labels (``dataloader`` events' ``labels``: class counts, or mean and spread)
    of the training loader, where its sampler draws every sample alike (random or in order; a weighted sampler
    rebalances what the model sees, and the sampled batches say that better)."""
    return next((e["labels"] for e in loaders(ctx, "train")
                 if e.get("labels") and e.get("sampler") in ("RandomSampler", "SequentialSampler")), None)


def constant_prediction_losses(ctx: Context) -> list[float]:
    """What a classifier's cross-entropy costs when it answers the same for every input: ln C (a uniform
    answer), and the training labels' entropy (their frequencies), C the width of the logits."""
    call = next((e for e in events(ctx, "loss_call") if e.get("mode") == "train" and not instance_targets(e)
                 and e.get("function") == "cross_entropy" and len((e.get("input") or {}).get("shape") or []) == 2), None)
    if call is None or int(call["input"]["shape"][1]) < 2:
        return []
    refs = [math.log(int(call["input"]["shape"][1]))]
    counts = np.array(list(label_counts(ctx, "train").values()), dtype=np.float64)
    if len(counts) >= 2:
        p = counts / counts.sum()
        refs.append(float(-(p * np.log(p)).sum()))
    return refs


def early_update_ratio(ctx: Context, n_steps: int = 20) -> tuple[float | None, np.ndarray, list[str]]:
    """Median over the first steps of the per-layer median update/weight ratio of trained parameters."""
    steps, keys, mat = update_ratios(ctx)
    if not len(steps):
        return None, np.zeros(0), []
    idx = trained_keys(ctx, keys)
    if not idx:
        return None, np.zeros(0), []
    early = mat[: n_steps, idx]
    early = early[:, np.any(np.isfinite(early), 0)]
    if not early.size:
        return None, np.zeros(0), []
    per_layer = np.nanmedian(np.where(np.isfinite(early), early, np.nan), 0)
    per_layer = per_layer[np.isfinite(per_layer)]
    if not len(per_layer):
        return None, np.zeros(0), []
    return float(np.median(per_layer)), per_layer, [keys[i] for i in idx]
