"""What the TensorBoard and MindSpore readers share: turning another tool's records
into traindoctor's signals.

* Scalars keep their own tags, and the ones that clearly are the training loss,
  an evaluation metric or the learning rate are also offered under the names the
  checks read (``train/loss``, ``eval/acc``, ``opt0/group0/lr``...): see
  :func:`canonical_tag`.
* Histograms become ``Histogram`` objects (kind ``weight`` or ``grad``) and, since
  most logs hold no per-step statistics, one ``weight``/``grad`` table row per
  histogram, computed from the histogram's own summary numbers (exact where the
  format stores them: count, min, max, sum, sum of squares; estimated from bucket
  centres where it does not; ``meta["table_fields_estimated"]`` lists which).
* ``records()`` claims only the families that are really present.
"""
from __future__ import annotations

import base64
import math
import os
import re
from typing import Any, Callable

import numpy as np

from ..record.run import TENSOR_FIELDS, Histogram, Run, Series, Table, split_by_tag

_SPLIT = re.compile(r"[/_\-.\s:|]+")
_ROLES = {"train": "train", "training": "train", "val": "eval", "valid": "eval", "validation": "eval",
          "eval": "eval", "evaluation": "eval", "dev": "eval", "test": "test"}
_METRICS = {"loss": "loss", "cost": "loss", "acc": "acc", "accuracy": "acc", "top1": "acc", "lr": "lr"}
#: Tokens that do not change what a scalar is ("loss_epoch", "loss/auto", "Loss/train/avg").
_NEUTRAL = {"step", "epoch", "epochs", "avg", "mean", "total", "auto", "scalar", "scalars", "value", "metric",
            "metrics", "overall", "set", "data"}
#: Cell/module classes whose outputs the activation checks judge (the names agree in PyTorch and
#: MindSpore; ``collect/stats.py`` holds the same table but imports torch).
_SATURATING = {"Sigmoid", "Tanh", "Hardtanh", "Softsign", "HSigmoid", "Hardsigmoid"}
_RECTIFIER = {"ReLU", "ReLU6"}
#: Encoded images kept per tag (for the dashboard); later ones are described, not stored.
IMAGES_KEPT_PER_TAG = 4
_GRAD_TOKENS = {"grad", "grads", "gradient", "gradients"}
_WEIGHT_TOKENS = {"weights", "param", "params", "parameters"}


def canonical_tag(tag: str) -> str | None:
    """The checks' name for a scalar tag, or None when the tag is not clearly one of them.

    ``Loss/train``, ``train_loss``, ``loss`` → ``train/loss``; ``val_acc``,
    ``Accuracy/validation`` → ``eval/acc``; ``lr``, ``learning_rate`` → ``opt0/group0/lr``.
    A tag with any other word in it (``loss_cls``, ``grad_norm/layer1``) maps to nothing,
    so one part of a composite loss is never taken for the loss.
    """
    low = tag.lower().replace("learning_rate", "lr").replace("learning rate", "lr").replace("learningrate", "lr")
    tokens = [t for t in _SPLIT.split(low) if t]
    roles = {_ROLES[t] for t in tokens if t in _ROLES}
    metrics = {_METRICS[t] for t in tokens if t in _METRICS}
    others = [t for t in tokens if t not in _ROLES and t not in _METRICS and t not in _NEUTRAL]
    if others or len(metrics) != 1 or len(roles) > 1:
        return None
    metric = metrics.pop()
    if metric == "lr":
        return "opt0/group0/lr" if not roles or roles == {"train"} else None
    return f"{roles.pop() if roles else 'train'}/{metric}"


def activation_kind(cls: str) -> str:
    """``saturating``, ``rectifier`` or ``other`` for a cell/module class name."""
    return "saturating" if cls in _SATURATING else "rectifier" if cls in _RECTIFIER else "other"


@np.errstate(all="ignore")
def array_summary(arr: np.ndarray) -> dict[str, Any]:
    """Mean, std, min and max of the finite values, and the count of the others."""
    if arr.size == 0 or arr.dtype == object:
        return {}
    a = arr.astype(np.float64).reshape(-1)
    fin = a[np.isfinite(a)]
    out: dict[str, Any] = {"nonfinite": int(a.size - fin.size)}
    if fin.size:
        out.update(mean=float(fin.mean()), std=float(fin.std()), min=float(fin.min()), max=float(fin.max()))
    return out


def dirs_with(logdir: str, is_log_file: Callable[[str], bool]) -> list[str]:
    """Every directory under ``logdir`` (itself included) holding a file ``is_log_file`` accepts: one run each."""
    out = []
    for root, dirs, files in os.walk(logdir):
        dirs.sort()
        if any(is_log_file(f) for f in files):
            out.append(root)
    return out


def histogram_target(tag: str) -> tuple[str, str]:
    """``(parameter name, kind)`` of a histogram tag: ``fc1.weight.grad`` → ``("fc1.weight", "grad")``."""
    parts = [p for p in re.split(r"([/.])", tag)]
    words = [p for p in parts if p not in ("/", ".")]
    kind = "grad" if any(w.lower() in _GRAD_TOKENS for w in words) else "weight"
    keep = [w for w in words if w.lower() not in _GRAD_TOKENS and w.lower() not in _WEIGHT_TOKENS | {"auto"}]
    name = ".".join(keep) if keep else tag
    return name, kind


class ImportedRun(Run):
    """Base of the importers' runs: collects scalars, histograms and events, derives signals."""

    def __init__(self, path: str, name: str | None = None) -> None:
        super().__init__(path, name)
        self._scalar_tags: dict[str, int] = {}
        self._s_tag: list[int] = []
        self._s_step: list[int] = []
        self._s_value: list[float] = []
        self._s_wall: list[float] = []
        self._hists: list[tuple[Histogram, tuple[float, ...]]] = []
        self._events: list[dict[str, Any]] = []
        self._meta: dict[str, Any] = {"kind": "meta", "source": self.source}
        self._estimated: set[str] = set()
        self._images_per_tag: dict[str, int] = {}
        self._cache: dict[Any, Any] = {}

    # -- filling -------------------------------------------------------------
    def add_scalar(self, tag: str, step: int, value: float, wall: float) -> None:
        idx = self._scalar_tags.get(tag)
        if idx is None:
            idx = self._scalar_tags[tag] = len(self._scalar_tags)
        self._s_tag.append(idx)
        self._s_step.append(step)
        self._s_value.append(value)
        self._s_wall.append(wall)

    def add_histogram(self, tag: str, step: int, edges: np.ndarray, counts: np.ndarray, *, numel: float,
                      vmin: float, vmax: float, vsum: float | None, sum_sq: float | None, nonfinite: float) -> None:
        """One histogram; ``vsum``/``sum_sq`` None means "not stored": estimated from bucket centres."""
        key, kind = histogram_target(tag)
        if vsum is None or sum_sq is None:
            centres = (edges[:-1] + edges[1:]) / 2 if len(edges) > 1 else np.zeros(0)
            if vsum is None:
                vsum = float(np.dot(counts, centres))
                self._estimated.add("mean")
            if sum_sq is None:
                sum_sq = float(np.dot(counts, centres * centres))
                self._estimated.update(("std", "norm"))
        n = max(float(numel), 1.0)
        mean = vsum / n
        std = math.sqrt(max(sum_sq / n - mean * mean, 0.0))
        if not (math.isfinite(vmin) and math.isfinite(vmax)):
            zero_frac = math.nan
        elif vmin == 0.0 and vmax == 0.0:
            zero_frac = 1.0
        elif not (vmin <= 0.0 <= vmax):
            zero_frac = 0.0
        else:  # zeros share a bucket with small values: a histogram cannot say how many
            zero_frac = math.nan
        row = (mean, std, vmin, vmax, math.sqrt(max(sum_sq, 0.0)), zero_frac, nonfinite, float(numel))
        self._hists.append((Histogram(key, kind, int(step), edges, counts), row))

    def add_event(self, ev: dict[str, Any]) -> None:
        self._events.append(ev)

    def add_image(self, tag: str, step: int, width: int, height: int, colorspace: int, data: bytes) -> None:
        """An ``image`` event; the first ``IMAGES_KEPT_PER_TAG`` of a tag keep their encoded bytes."""
        seen = self._images_per_tag.get(tag, 0)
        self._images_per_tag[tag] = seen + 1
        ev = {"kind": "image", "tag": tag, "step": step, "width": width, "height": height,
              "colorspace": colorspace, "bytes": len(data)}
        if seen < IMAGES_KEPT_PER_TAG:
            ev["png_base64"] = base64.b64encode(data).decode()
        self._events.append(ev)

    def changed(self) -> None:
        self._cache.clear()

    # -- Run interface -------------------------------------------------------
    @property
    def meta(self) -> dict[str, Any]:
        meta = dict(self._meta)
        if self._estimated:
            meta["table_fields_estimated"] = sorted(self._estimated)
        return meta

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        if kind is None:
            return list(self._events)
        return [e for e in self._events if e.get("kind") == kind]

    def _series(self) -> dict[str, Series]:
        if "series" in self._cache:
            return self._cache["series"]
        out: dict[str, Series] = {}
        if self._s_tag:
            tag = np.asarray(self._s_tag, np.int32)
            step = np.asarray(self._s_step, np.int64)
            value = np.asarray(self._s_value, np.float64)
            wall = np.asarray(self._s_wall, np.float64)
            # by tag, then step; stable, so a rewritten step keeps file order
            out = split_by_tag(step, tag, value, wall, self._scalar_tags)
        aliases: dict[str, str] = {}
        for name, s in out.items():
            canon = canonical_tag(name)
            if canon is None or canon in out:
                continue
            best = aliases.get(canon)
            if best is None or len(s) > len(out[best]):  # the per-step series over the per-epoch one
                aliases[canon] = name
        for canon, name in aliases.items():
            out[canon] = out[name]
        self._cache["series"] = out
        self._cache["aliases"] = aliases
        return out

    def aliases(self) -> dict[str, str]:
        """``{our name: the source's tag}`` for the scalars offered under the checks' names."""
        self._series()
        return dict(self._cache["aliases"])

    def scalar_tags(self) -> list[str]:
        return sorted(self._series())

    def scalar(self, tag: str) -> Series:
        return self._series().get(tag) or Series.empty()

    def table(self, name: str) -> Table:
        if name not in ("weight", "grad"):
            return super().table(name)
        key = ("table", name)
        if key not in self._cache:
            rows = [(h, r) for h, r in self._hists if h.kind == name]
            if not rows:
                self._cache[key] = Table.empty(name, TENSOR_FIELDS)
            else:
                rows.sort(key=lambda hr: hr[0].step)
                names: dict[str, int] = {}
                keyidx = np.array([names.setdefault(h.key, len(names)) for h, _ in rows], np.int32)
                steps = np.array([h.step for h, _ in rows], np.int64)
                seq = np.zeros(len(rows), np.int32)
                for i in range(1, len(rows)):
                    seq[i] = seq[i - 1] + 1 if steps[i] == steps[i - 1] else 0
                vals = np.array([r for _, r in rows], np.float32)
                self._cache[key] = Table(name, TENSOR_FIELDS, list(names), steps, keyidx, seq, vals)
        return self._cache[key]

    def histograms(self, kind: str | None = None, key: str | None = None) -> list[Histogram]:
        return [h for h, _ in self._hists if (kind is None or h.kind == kind) and (key is None or h.key == key)]

    def records(self) -> set[str]:
        have = set()
        tags = self._series()
        if len(tags.get("train/loss", Series.empty())):
            have.add("loss")
        if any(t.startswith(("eval/", "test/")) for t in tags):
            have.add("eval")
        kinds = {h.kind for h, _ in self._hists}
        have.update(kinds)
        if kinds:
            have.add("histogram")
        if any(e.get("kind") == "model" for e in self._events):
            have.add("graph")
        return have
