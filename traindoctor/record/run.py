"""The one reader interface: everything downstream (checks, report, server) reads a
:class:`Run`, whatever wrote it (traindoctor's collectors, TensorBoard, MindSpore).

Signals are exposed in a small vocabulary:

* scalars: ``run.scalar(tag) -> Series`` with tags such as ``train/loss``,
  ``eval/loss``, ``train/acc``, ``eval/acc``, ``opt0/group0/lr`` and anything the user logs;
* per-step statistics tables: ``run.table(name) -> Table`` where name is one of
  ``weight``, ``grad``, ``update`` (per parameter), ``activation`` (per module output);
* histograms: ``run.histograms(kind) -> list[Histogram]`` (kind ``weight`` or ``grad``);
* events: ``run.events(kind)`` for everything structured (module tree, the traced op graph
  ``opgraph``, data loaders, sampled batches, optimizer hyperparameters, loss-function calls,
  static findings);
* tensor snapshots: ``run.tensor_snapshots(name) -> list[TensorSnapshot]``: a bounded 2-D view of a
  tensor at a step, with the statistics and histogram of the whole tensor.

A source that does not record a signal returns an empty value; checks then mark their
checklist item ``not_checked``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

#: Fields of the per-parameter tables ``weight`` and ``grad``.
TENSOR_FIELDS = ("mean", "std", "min", "max", "norm", "zero_frac", "nonfinite", "numel")
#: Fields of the ``update`` table: the norm of the change over one step and its ratio to the weight norm.
UPDATE_FIELDS = ("norm", "ratio")
#: Fields of the ``activation`` table (one row per module call in a training forward pass).
ACTIVATION_FIELDS = ("mean", "std", "min", "max", "zero_frac", "sat_frac", "dead_frac", "nonfinite", "numel")


@dataclass
class Series:
    step: np.ndarray
    value: np.ndarray
    wall: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.step)

    def where(self, keep: np.ndarray) -> "Series":
        """The points where ``keep`` (a boolean mask) is true."""
        return Series(self.step[keep], self.value[keep], None if self.wall is None else self.wall[keep])

    @classmethod
    def empty(cls) -> "Series":
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.float64))


@dataclass
class Table:
    """Per-step statistics in long form: one row per (step, key[, call])."""

    name: str
    fields: tuple[str, ...]
    keys: list[str]
    step: np.ndarray  # int64 [n]
    key: np.ndarray  # int32 [n], index into keys
    seq: np.ndarray  # int32 [n], order within the step (forward order for activations)
    values: np.ndarray  # float32 [n, len(fields)]

    @classmethod
    def empty(cls, name: str, fields: tuple[str, ...]) -> "Table":
        return cls(name, fields, [], np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int32),
                   np.zeros((0, len(fields)), np.float32))

    def __len__(self) -> int:
        return len(self.step)

    def col(self, field_name: str) -> np.ndarray:
        return self.values[:, self.fields.index(field_name)]

    def key_index(self, key: str) -> int:
        return self.keys.index(key)

    def series(self, key: str, field_name: str) -> Series:
        if key not in self.keys:
            return Series.empty()
        m = self.key == self.keys.index(key)
        return Series(self.step[m], self.col(field_name)[m].astype(np.float64))

    def rows_at(self, step: int) -> np.ndarray:
        return np.nonzero(self.step == step)[0]

    def steps(self) -> np.ndarray:
        return np.unique(self.step)

    def _step_index(self) -> tuple[np.ndarray, np.ndarray]:
        cache = self.__dict__.setdefault("_cache", {})
        if "step_index" not in cache:
            step = self.step
            if len(step) and np.all(step[1:] >= step[:-1]):  # written in order: a linear pass, no sort
                change = np.empty(len(step), bool)
                change[0] = True
                np.not_equal(step[1:], step[:-1], out=change[1:])
                cache["step_index"] = (step[change], np.cumsum(change) - 1)
            else:
                cache["step_index"] = np.unique(step, return_inverse=True)
        return cache["step_index"]

    def pivot(self, field_name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, matrix[steps, keys])`` of one field; the last call of a key in a step wins; NaN where absent."""
        cache = self.__dict__.setdefault("_cache", {})
        key = ("pivot", field_name)
        if key not in cache:
            steps, inv = self._step_index()
            out = np.full((len(steps), len(self.keys)), np.nan, np.float64)
            out[inv, self.key] = self.col(field_name)
            cache[key] = (steps, out)
        return cache[key]


@dataclass
class Histogram:
    key: str
    kind: str
    step: int
    edges: np.ndarray
    counts: np.ndarray


@dataclass
class TensorSnapshot:
    """One tensor at one step: the statistics and histogram of the whole tensor and a 2-D view of it.

    ``matrix`` is the tensor laid out as a matrix (``layout`` says how: a conv weight is
    ``(out, in*kh*kw)``); ``values`` is that matrix, or when ``reduced`` is set
    (``{"method": "block", "to": [r, c], "block": [rows per cell, cols per cell]}``) its block means,
    with ``absmax`` the largest magnitude in each block.
    """

    name: str
    step: int
    source: str  # "user" (marked in the script) or "weight" (picked by the collector)
    shape: list[int]
    dtype: str
    matrix: list[int]
    layout: str
    reduced: dict[str, Any] | None
    values: np.ndarray  # float32 [r, c]
    absmax: np.ndarray | None
    stats: dict[str, float]  # TENSOR_FIELDS of the whole tensor
    edges: np.ndarray
    counts: np.ndarray
    note: str | None = None


@dataclass
class RunInfo:
    name: str
    path: str
    source: str
    status: str
    steps: int
    start_time: float | None = None
    end_time: float | None = None
    exit_code: int | None = None


class Run:
    """Base class of the readers. Subclasses fill the protected attributes in ``refresh``."""

    source = "traindoctor"

    def __init__(self, path: str, name: str | None = None) -> None:
        self.path = path
        self.name = name or path.rstrip("/").split("/")[-1]
        self.warnings: list[str] = []

    # -- to implement -------------------------------------------------------
    def refresh(self) -> bool:
        """Read what was appended since the last call. Returns whether anything new came."""
        return False

    @property
    def meta(self) -> dict[str, Any]:
        return {}

    @property
    def status(self) -> str:
        return "finished"

    def scalar_tags(self) -> list[str]:
        return []

    def scalar(self, tag: str) -> Series:
        return Series.empty()

    def table(self, name: str) -> Table:
        fields = {"update": UPDATE_FIELDS, "activation": ACTIVATION_FIELDS}.get(name, TENSOR_FIELDS)
        return Table.empty(name, fields)

    def histograms(self, kind: str | None = None, key: str | None = None) -> list[Histogram]:
        return []

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        return []

    def tensor_snapshots(self, name: str | None = None) -> list[TensorSnapshot]:
        """Snapshots of tensor ``name`` (every tensor when None), ordered by name, then step."""
        return []

    def records(self) -> set[str]:
        """Which signal families this run holds (``loss``, ``weight``, ``grad``, ``update``,
        ``activation``, ``histogram``, ``batch``, ``graph``, ``dataloader``, ``eval``, ``optimizer``,
        ``tensor``, ``opgraph``).
        Checks use it to answer ``not_checked`` rather than guess."""
        return set()

    # -- derived, shared by all sources ------------------------------------
    def event(self, kind: str) -> dict[str, Any] | None:
        ev = self.events(kind)
        return ev[-1] if ev else None

    @property
    def steps(self) -> int:
        loss = self.scalar("train/loss")
        last = int(loss.step[-1]) + 1 if len(loss) else 0
        for t in ("weight", "grad"):
            tab = self.table(t)
            if len(tab):
                last = max(last, int(tab.step.max()) + 1)
        return last

    def info(self) -> RunInfo:
        meta = self.meta
        end = self.event("end") or {}
        return RunInfo(self.name, self.path, self.source, self.status, self.steps,
                       meta.get("start_time"), end.get("time"), end.get("exit_code"))

    def first_scalar(self, *tags: str) -> tuple[str, Series]:
        for t in tags:
            s = self.scalar(t)
            if len(s):
                return t, s
        return tags[0] if tags else "", Series.empty()


def split_by_tag(step: np.ndarray, tag: np.ndarray, value: np.ndarray, wall: np.ndarray,
                 names: dict[str, int]) -> dict[str, Series]:
    """One :class:`Series` per tag from long-form columns, each ordered by step (stable for equal steps).

    Steps usually arrive in order, and a stable sort on the tag alone (a radix sort) is then enough
    and ten times faster than ``lexsort``; out-of-order steps fall back to it.
    """
    order = np.argsort(tag, kind="stable")
    tag_sorted = tag[order]
    if np.any((np.diff(step[order]) < 0) & (np.diff(tag_sorted) == 0)):
        order = np.lexsort((step, tag))
        tag_sorted = tag[order]
    bounds = np.searchsorted(tag_sorted, np.arange(len(names) + 1))
    out = {}
    for name, i in names.items():
        sl = order[bounds[i]:bounds[i + 1]]
        out[name] = Series(step[sl], value[sl], wall[sl])
    return out


def concat_series(parts: Iterable[Series]) -> Series:
    parts = list(parts)
    if not parts:
        return Series.empty()
    return Series(np.concatenate([p.step for p in parts]), np.concatenate([p.value for p in parts]),
                  np.concatenate([p.wall if p.wall is not None else np.full(len(p), np.nan) for p in parts]))
