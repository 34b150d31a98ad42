"""Watchpoint conditions, declared as data: one table read by the engine, the CLI, the API and the dashboard.

Names, parameters, defaults and validation follow MindInsight's debugger
(``mindinsight/debugger/conditionmgr/condition_list.py``) so that its users find
what they know:

* a parameter is a ``percentage`` (in [0, 100]), an ``abs`` value (finite, >= 0) or a
  ``normal`` value (finite);
* a condition with several parameters hits when *any* of the parameters the user set
  triggers (MindInsight sends each set parameter as its own comparison);
* defaults apply only when the user set none of a condition's trigger parameters;
* the outcome of one condition on one tensor is ``hit``, ``not_hit`` or
  ``cannot_check``: a tensor holding NaN/Inf cannot be checked against a range or a
  threshold, and a change condition cannot be checked without a previous value.

Evaluation here is vectorised over a block of statistics rows (``STAT_FIELDS``), in
NumPy: the same function serves the live engine (one small block per step, moved off
the device in one transfer) and ``traindoctor hits`` over a recorded run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

#: The outcome states, kept apart.
HIT, NOT_HIT, CANNOT_CHECK, NOT_APPLICABLE = 1, 0, 2, 3
STATE_NAMES = {HIT: "hit", NOT_HIT: "not_hit", CANNOT_CHECK: "cannot_check", NOT_APPLICABLE: "not_applicable"}

#: Raw statistics of one watched tensor, as computed on its device. NaN means "not computed".
#: ``nonfinite`` is exact on the CPU and a 0/1 flag elsewhere (derived from the abs sum, no extra pass).
#: ``limit`` counts low-precision elements at the dtype's limit (|x| >= finfo.max, Inf or NaN), or the
#: GradScaler's found-inf for its own row. ``prev_abs_sum`` is the abs sum of the previous value.
#: ``l2`` is the L2 norm. Where the abs sum was not taken, it bounds the abs mean (see :func:`abs_mean_bounds`).
BASE_FIELDS = ("numel", "abs_sum", "sum", "min", "max", "nonzero", "nonfinite", "limit",
               "update_abs_sum", "prev_abs_sum", "not_close", "l2")


def abs_mean_bounds(l2: np.ndarray, numel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of a tensor's abs mean from its L2 norm: ``L2 <= L1 <= sqrt(n) * L2``, so
    ``L2 / n <= abs_mean <= L2 / sqrt(n)``.

    A gradient whose lower bound is above ``gradient_vanishing``'s threshold cannot be vanishing, and
    that is the common case by orders of magnitude (a threshold of 1e-9 against abs means of 1e-6 and
    up). The live engine then takes no abs sum (on the CPU an abs sum costs 3x a plain sum, and the
    norm is already there: the collector takes it every step); only a tensor that its bounds do not
    rule out gets the exact abs sum, so a live hit always carries the exact abs mean. Offline, over
    rows without an abs sum, the bounds also settle a hit where both lie beyond the threshold.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(numel > 0, numel, np.nan)
        return l2 / n, l2 / np.sqrt(n)


def abs_mean_sure(key: str, v: float | np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(surely triggered, surely not) for one ``abs_mean_lt``/``abs_mean_gt`` parameter, from the bounds
    (``v``: one threshold, or one per row)."""
    with np.errstate(invalid="ignore"):
        return (hi < v, lo >= v) if key == "abs_mean_lt" else (lo > v, hi <= v)


def abs_mean_decided(params: dict[str, float | bool], lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Rows where the bounds ``[lo, hi]`` of the abs mean settle every ``abs_mean_*`` parameter."""
    ok = np.isfinite(lo) & np.isfinite(hi)
    for k, v in params.items():
        if k in ("abs_mean_lt", "abs_mean_gt"):
            yes, no = abs_mean_sure(k, float(v), lo, hi)
            ok &= yes | no
    return ok


def range_field(start: float, end: float) -> str:
    """Column holding the count of elements in ``[start, end]``."""
    return f"in_range[{start!r},{end!r}]"


# ---------------------------------------------------------------------------- parameters
def _percentage(v: float) -> bool:
    return 0.0 <= v <= 100.0


def _abs(v: float) -> bool:
    return 0.0 <= v < math.inf


def _normal(v: float) -> bool:
    return -math.inf < v < math.inf


VALIDATORS: dict[str, Callable[[float], bool]] = {"percentage": _percentage, "abs": _abs, "normal": _normal}
_VALIDATOR_TEXT = {"percentage": "a percentage in [0, 100]", "abs": "a finite value >= 0", "normal": "a finite value"}


@dataclass(frozen=True)
class Param:
    """One condition parameter. ``support`` parameters (a range's bounds) never trigger on their own."""

    name: str
    validator: str = "normal"
    default: float | bool | None = None
    type: str = "float"
    support: bool = False
    requires: tuple[str, ...] = ()
    visible: bool = True

    def check(self, value: float | bool) -> str | None:
        """An error message, or None when ``value`` is valid."""
        if self.type == "bool":
            return None if isinstance(value, bool) else f"{self.name} must be true or false"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{self.name} must be a number"
        if not VALIDATORS[self.validator](float(value)):
            return f"{self.name}={value!r}: must be {_VALIDATOR_TEXT[self.validator]}"
        return None


def _too_large_params() -> tuple[Param, ...]:
    return (Param("abs_mean_gt", "abs"), Param("max_gt"), Param("min_gt"), Param("mean_gt"))


def _too_small_params() -> tuple[Param, ...]:
    return (Param("abs_mean_lt", "abs"), Param("max_lt"), Param("min_lt"), Param("mean_lt"))


def _range_params() -> tuple[Param, ...]:
    both = ("range_start_inclusive", "range_end_inclusive")
    return (Param("range_start_inclusive", support=True), Param("range_end_inclusive", support=True),
            Param("range_percentage_lt", "percentage", requires=both),
            Param("range_percentage_gt", "percentage", requires=both),
            Param("max_min_lt"), Param("max_min_gt"))


def _change_params(name: str, default: float) -> tuple[Param, ...]:
    return (Param(name, "abs", default), Param("epsilon", "normal", 1e-9, support=True, visible=False))


@dataclass(frozen=True)
class Condition:
    """One row of the table: what a condition watches, its parameters, and how it is evaluated."""

    name: str
    abbr: str
    target: str
    family: str  # overflow | too_large | too_small | all_zero | init | not_changed | change_large | change_small | range | op_overflow
    params: tuple[Param, ...] = ()
    description: str = ""
    #: Evaluated only on the weights before the first update (MindInsight: available at step 0 only).
    initial_only: bool = False

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def trigger_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if not p.support and p.type != "bool")

    def resolve(self, given: dict[str, float | bool]) -> dict[str, float | bool]:
        """Validate ``given`` and fill defaults; raises ``ValueError`` with a message for people."""
        names = {p.name for p in self.params}
        for k in given:
            if k not in names:
                known = ", ".join(p.name for p in self.params) or "none"
                raise ValueError(f"{self.name}: unknown parameter {k!r} (parameters: {known})")
        errors = [e for k, v in given.items() if (e := self.param(k).check(v))]
        if errors:
            raise ValueError(f"{self.name}: " + "; ".join(errors))
        out = dict(given)
        triggers = [p.name for p in self.trigger_params]
        if triggers and not any(k in out for k in triggers):
            defaults = {p.name: p.default for p in self.trigger_params if p.default is not None}
            if not defaults:
                raise ValueError(f"{self.name}: set at least one of {', '.join(triggers)}")
            out.update(defaults)
        for p in self.params:
            if p.support and p.default is not None:
                out.setdefault(p.name, p.default)
            if p.name in out:
                missing = [r for r in p.requires if r not in out]
                if missing:
                    raise ValueError(f"{self.name}: {p.name} needs {' and '.join(missing)}")
        if "range_start_inclusive" in out and "range_end_inclusive" in out \
                and out["range_start_inclusive"] > out["range_end_inclusive"]:
            raise ValueError(f"{self.name}: range_start_inclusive must not exceed range_end_inclusive")
        return out

    def needs(self, params: dict[str, float | bool]) -> set[str]:
        """The raw statistics (``BASE_FIELDS`` or range columns) this condition reads."""
        need = {"numel", "nonfinite"}
        if self.family in ("too_large", "too_small", "init"):
            for k in params:
                if k.startswith("abs_mean"):
                    need.add("abs_sum")
                elif k.startswith(("max", "min")):
                    need |= {"min", "max"}
                elif k.startswith("mean"):
                    need.add("sum")
                elif k.startswith("zero"):
                    need.add("nonzero")
        elif self.family == "all_zero":
            need.add("nonzero")
        elif self.family in ("change_large", "change_small"):
            need |= {"update_abs_sum", "prev_abs_sum"}
        elif self.family == "not_changed":
            need.add("not_close")
        elif self.family == "op_overflow":
            need.add("limit")
        elif self.family == "range":
            if "max_min_lt" in params or "max_min_gt" in params:
                need |= {"min", "max"}
            if "range_percentage_lt" in params or "range_percentage_gt" in params:
                need.add(range_field(float(params["range_start_inclusive"]), float(params["range_end_inclusive"])))
        return need


CONDITIONS: tuple[Condition, ...] = (
    Condition("weight_initialization", "WI", "weight", "init",
              (Param("zero_percentage_ge", "percentage", 100.0), Param("max_gt"), Param("min_lt")),
              "Initial weights: too many zeros, or values beyond a bound (checked before the first update).",
              initial_only=True),
    Condition("weight_overflow", "WO", "weight", "overflow", (), "A weight holds NaN or Inf."),
    Condition("weight_too_large", "WL", "weight", "too_large", _too_large_params(),
              "A weight's abs mean, max, min or mean is above the threshold."),
    Condition("weight_too_small", "WS", "weight", "too_small", _too_small_params(),
              "A weight's abs mean, max, min or mean is below the threshold."),
    Condition("weight_not_changed", "WNC", "weight", "not_changed",
              (Param("rtol", "abs", 1e-5), Param("atol", "normal", 1e-8, support=True, visible=False),
               Param("equal_nan", "normal", False, type="bool", support=True, visible=False)),
              "Every element equals its previous value within atol + rtol * |previous| (numpy.allclose)."),
    Condition("weight_change_too_large", "WCL", "weight", "change_large",
              _change_params("abs_mean_update_ratio_gt", 1e-1),
              "mean(|W_t - W_t-1|) / (mean(|W_t-1|) + epsilon) is above the threshold."),
    Condition("weight_change_too_small", "WCS", "weight", "change_small",
              _change_params("abs_mean_update_ratio_lt", 1e-4),
              "mean(|W_t - W_t-1|) / (mean(|W_t-1|) + epsilon) is below the threshold."),
    Condition("gradient_vanishing", "GV", "gradient", "too_small", _too_small_params(),
              "A gradient's abs mean, max, min or mean is below the threshold."),
    Condition("gradient_too_large", "GL", "gradient", "too_large", _too_large_params(),
              "A gradient's abs mean, max, min or mean is above the threshold."),
    Condition("gradient_exploding", "GE", "gradient", "overflow", (), "A gradient holds NaN or Inf."),
    Condition("tensor_overflow", "TO", "tensor", "overflow", (), "A tensor (module output or marked) holds NaN or Inf."),
    Condition("operator_overflow", "OO", "tensor", "op_overflow", (),
              "Overflow inside mixed precision: a float16/bfloat16 output at the dtype's limit (|x| >= finfo.max, "
              "Inf or NaN), or a GradScaler step skipped because of Inf/NaN gradients."),
    Condition("tensor_too_large", "TL", "tensor", "too_large", _too_large_params(),
              "A tensor's abs mean, max, min or mean is above the threshold."),
    Condition("tensor_too_small", "TS", "tensor", "too_small", _too_small_params(),
              "A tensor's abs mean, max, min or mean is below the threshold."),
    Condition("tensor_all_zero", "TZ", "tensor", "all_zero", (Param("zero_percentage_ge", "percentage", 100.0),),
              "The percentage of zeros in a tensor is at least the threshold."),
    Condition("activation_range", "AR", "activation", "range", _range_params(),
              "The percentage of an activation's values in [start, end] is below/above a bound, or max - min is."),
    Condition("tensor_range", "TR", "tensor", "range", _range_params(),
              "The percentage of a tensor's values in [start, end] is below/above a bound, or max - min is."),
)

BY_NAME: dict[str, Condition] = {c.name: c for c in CONDITIONS}

#: Which recorded tensor kinds a condition target covers (``tensor``: any module output or marked tensor).
TARGET_KINDS = {"weight": ("weight",), "gradient": ("gradient",), "activation": ("activation",),
                "tensor": ("activation", "tensor")}


def get(name: str) -> Condition:
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown condition {name!r}; conditions: {', '.join(BY_NAME)}") from None


def describe() -> list[dict]:
    """The table as JSON-ready data (for the API and the dashboard)."""
    return [{"name": c.name, "abbr": c.abbr, "target": c.target, "description": c.description,
             "initial_only": c.initial_only,
             "params": [{"name": p.name, "type": p.type, "validator": p.validator, "default": p.default,
                         "support": p.support, "requires": list(p.requires), "visible": p.visible}
                        for p in c.params]} for c in CONDITIONS]


# ---------------------------------------------------------------------------- evaluation
@dataclass
class Outcome:
    """States over the rows of a block, and the derived statistics that decided them."""

    state: np.ndarray  # int8 [n]
    triggered: list[list[str]] = field(default_factory=list)  # per row: the parameters that triggered
    derived: dict[str, np.ndarray] = field(default_factory=dict)
    reason: np.ndarray | None = None  # per row: why it cannot be checked


def derived_stats(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The statistics conditions compare, from raw columns (NaN where a column was not computed)."""
    n = cols["numel"]
    safe = np.where(n > 0, n, np.nan)
    out = {"numel": n, "nonfinite": cols["nonfinite"]}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out["abs_mean"] = cols["abs_sum"] / safe
        out["mean"] = cols["sum"] / safe
        out["min"], out["max"] = cols["min"], cols["max"]
        out["max_min"] = cols["max"] - cols["min"]
        out["zero_percentage"] = 100.0 * (n - cols["nonzero"]) / safe
        out["prev_abs_mean"] = cols["prev_abs_sum"] / safe
        out["update_abs_mean"] = cols["update_abs_sum"] / safe
        out["not_close"] = cols["not_close"]
        out["limit"] = cols["limit"]
        out["l2"] = cols["l2"] if "l2" in cols else np.full(len(n), np.nan)
        for k, v in cols.items():
            if k.startswith("in_range["):
                # a negative count is a lower bound, negated (the engine's Chebyshev bound on the CPU)
                out["range_percentage" + k[len("in_range"):]] = np.where(v < 0, np.nan, 100.0 * v / safe)
                out["range_percentage_lb" + k[len("in_range"):]] = np.where(v < 0, -100.0 * v / safe, np.nan)
    return out


def evaluate(cond: Condition, params: dict[str, float | bool], cols: dict[str, np.ndarray]) -> Outcome:
    """Evaluate ``cond`` over every row of ``cols`` (raw ``BASE_FIELDS`` and range columns)."""
    d = derived_stats(cols)
    n = len(d["numel"])
    nonfinite = d["nonfinite"]
    bad = ~(nonfinite == 0)  # NaN (unknown) counts as "cannot be sure it is finite"
    state = np.full(n, NOT_HIT, np.int8)
    reason = np.full(n, None, object)
    trig: list[list[str]] = [[] for _ in range(n)]
    fam = cond.family

    def mark(name: str, hit: np.ndarray) -> None:
        for i in np.nonzero(hit)[0]:
            trig[i].append(name)

    if fam == "overflow":
        hit = nonfinite > 0
        state[hit] = HIT
        mark("nonfinite", hit)
        return Outcome(state, trig, d, reason)
    if fam == "op_overflow":
        lim = d["limit"]
        state[np.isnan(lim)] = NOT_APPLICABLE
        hit = lim > 0
        state[hit] = HIT
        mark("limit", hit)
        return Outcome(state, trig, d, reason)

    checks: list[tuple[str, np.ndarray]] = []
    undecided = None  # range rows that hold only a lower bound which does not settle the threshold
    with np.errstate(invalid="ignore"):
        for k, v in params.items():
            if isinstance(v, bool):
                continue
            v = float(v)
            if fam in ("too_large", "too_small", "init"):
                stat = {"abs_mean": d["abs_mean"], "max": d["max"], "min": d["min"], "mean": d["mean"],
                        "zero_percentage": d["zero_percentage"]}[k.rsplit("_", 1)[0]]
                h = stat > v if k.endswith("_gt") else (stat >= v if k.endswith("_ge") else stat < v)
                if k in ("abs_mean_lt", "abs_mean_gt") and "l2" in cols:  # no abs sum: the norm's bounds
                    h = h | (np.isnan(stat) & abs_mean_sure(k, v, *abs_mean_bounds(cols["l2"], cols["numel"]))[0])
                checks.append((k, h))
            elif fam == "all_zero":
                checks.append((k, d["zero_percentage"] >= v))
            elif fam in ("change_large", "change_small") and k.startswith("abs_mean_update_ratio"):
                ratio = d["update_abs_mean"] / (d["prev_abs_mean"] + float(params.get("epsilon", 1e-9)))
                d["abs_mean_update_ratio"] = ratio
                checks.append((k, ratio > v if k.endswith("_gt") else ratio < v))
            elif fam == "not_changed" and k == "rtol":
                checks.append(("rtol", d["not_close"] == 0))
            elif fam == "range":
                if k.startswith("max_min"):
                    checks.append((k, d["max_min"] < v if k.endswith("_lt") else d["max_min"] > v))
                elif k.startswith("range_percentage"):
                    key = f"range_percentage[{float(params['range_start_inclusive'])!r}," \
                          f"{float(params['range_end_inclusive'])!r}]"
                    pct = d.get(key, np.full(n, np.nan))
                    lb = d.get(key.replace("range_percentage", "range_percentage_lb", 1), np.full(n, np.nan))
                    d["range_percentage"] = pct
                    d["range_percentage_lb"] = lb
                    # where only a lower bound was taken: at or above an _lt threshold it is no hit, above a
                    # _gt threshold a hit; otherwise the row cannot be checked (below, "not recorded")
                    checks.append((k, pct < v if k.endswith("_lt") else (pct > v) | (lb > v)))
                    bounded_open = ~np.isnan(lb) & ((lb < v) if k.endswith("_lt") else (lb <= v))
                    undecided = bounded_open if undecided is None else undecided | bounded_open

    hit = np.zeros(n, bool)
    unknown = np.zeros(n, bool)
    for name, h in checks:
        hit |= h
        mark(name, h)
    # A needed statistic that was not computed (NaN without a non-finite tensor) cannot be checked.
    for col in sorted(cond.needs(params) - {"nonfinite"}):
        src = cols.get(col)
        if src is None:
            unknown[:] = True
        elif col == "abs_sum" and cols.get("l2") is not None:
            # not taken where the L2 norm's bounds already rule out every abs-mean parameter
            unknown |= np.isnan(src) & ~abs_mean_decided(params, *abs_mean_bounds(cols["l2"], cols["numel"]))
        elif not (fam == "change_large" or fam == "change_small" or fam == "not_changed"):
            unknown |= np.isnan(src)
        elif col not in ("prev_abs_sum", "not_close", "update_abs_sum"):
            unknown |= np.isnan(src)
    if undecided is not None:
        unknown |= undecided
    if fam in ("change_large", "change_small", "not_changed"):
        no_prev = np.isnan(cols["prev_abs_sum"]) if fam != "not_changed" else np.isnan(cols["not_close"])
        state[no_prev & ~bad] = CANNOT_CHECK
        reason[no_prev & ~bad] = "no previous value"
    state[hit & ~bad & ~unknown] = HIT
    miss = unknown & ~bad & (state != CANNOT_CHECK)
    state[miss] = CANNOT_CHECK
    reason[miss] = "statistic not recorded"
    state[bad] = CANNOT_CHECK
    reason[bad] = "tensor holds NaN/Inf"
    for i in np.nonzero(state != HIT)[0]:
        trig[i] = []
    return Outcome(state, trig, d, reason)


def hit_stats(cond: Condition, params: dict, outcome: Outcome, i: int) -> dict[str, float]:
    """The statistics that a person checks for one hit (JSON-safe: non-finite numbers become strings)."""
    keys = ["numel", "abs_mean", "mean", "min", "max", "nonfinite", "l2"]
    fam = cond.family
    if fam in ("init", "all_zero"):
        keys.append("zero_percentage")
    if fam in ("change_large", "change_small"):
        keys += ["abs_mean_update_ratio", "update_abs_mean", "prev_abs_mean"]
    if fam == "not_changed":
        keys.append("not_close")
    if fam == "range":
        keys += ["range_percentage", "range_percentage_lb", "max_min"]
    if fam == "op_overflow":
        keys.append("limit")
    out = {}
    for k in keys:
        v = outcome.derived.get(k)
        if v is None:
            continue
        x = float(v[i])
        if math.isnan(x):  # not computed for this condition, or NaN propagated from the tensor
            continue
        out[k] = json_number(x)
    return out


def json_number(x: float) -> float | int | str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return int(x) if x.is_integer() and abs(x) < 2 ** 53 else x
