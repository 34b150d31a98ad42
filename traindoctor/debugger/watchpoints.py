"""Watchpoints: a condition with its parameters, on the nodes a pattern selects.

The command-line spec is ``condition``, ``condition(param=value,...)``, optionally
followed by ``@node-pattern``; the pattern is a shell glob over node names
(``fc*.weight``), and a name without wildcards selects that node and everything
under it (``encoder`` selects ``encoder.layer1.weight``). ``recommended`` expands
to the watchpoints MindInsight's recommender switched on by default.
"""
from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass, field

from . import conditions as C

_SPEC = re.compile(r"^\s*([a-z_]+)\s*(?:\((.*)\))?\s*(?:@\s*(\S+))?\s*$")


@dataclass
class Watchpoint:
    """``condition`` with resolved ``params`` on nodes matching ``pattern`` (and, for presets, module classes)."""

    condition: str
    params: dict[str, float | bool] = field(default_factory=dict)
    pattern: str | None = None
    classes: tuple[str, ...] = ()
    break_on: bool = False
    id: int = 0

    def __post_init__(self) -> None:
        self.params = C.get(self.condition).resolve(dict(self.params))

    @property
    def cond(self) -> C.Condition:
        return C.BY_NAME[self.condition]

    def selects(self, node: str, kind: str, cls: str | None = None) -> bool:
        if kind not in C.TARGET_KINDS[self.cond.target]:
            return False
        if self.classes and cls not in self.classes:
            return False
        return node_matches(self.pattern, node)

    def spec(self) -> str:
        ps = ",".join(f"{k}={v!r}" for k, v in self.params.items())
        return self.condition + (f"({ps})" if ps else "") + (f"@{self.pattern}" if self.pattern else "")

    def to_json(self) -> dict:
        return {"id": self.id, "condition": self.condition, "params": dict(self.params), "pattern": self.pattern,
                "classes": list(self.classes), "break": self.break_on, "spec": self.spec()}


def node_matches(pattern: str | None, node: str) -> bool:
    if not pattern or pattern == "*":
        return True
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(node, pattern)
    return node == pattern or node.startswith(pattern + ".") or node.startswith(pattern + "[")


def _value(text: str) -> float | bool:
    t = text.strip().lower()
    if t in ("true", "false"):
        return t == "true"
    try:
        return float(t)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def parse_spec(spec: str, break_on: bool = False) -> list[Watchpoint]:
    """Watchpoints from one ``--watch`` spec (``recommended`` gives several)."""
    m = _SPEC.match(spec)
    if not m:
        raise ValueError(f"--watch {spec!r}: expected CONDITION, CONDITION(param=value,...) or either @PATTERN")
    name, args, pattern = m.group(1), m.group(2), m.group(3)
    if name == "recommended":
        if args:
            raise ValueError("recommended takes no parameters")
        return recommended(pattern, break_on=break_on)
    params: dict[str, float | bool] = {}
    for part in filter(None, (p.strip() for p in (args or "").split(","))):
        if "=" not in part:
            raise ValueError(f"--watch {spec!r}: {part!r} is not param=value")
        k, v = part.split("=", 1)
        params[k.strip()] = _value(v)
    return [Watchpoint(C.get(name).name, params, pattern, break_on=break_on)]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def recommended(pattern: str | None = None, break_on: bool = False) -> list[Watchpoint]:
    """MindInsight's recommended watchpoints: overflow everywhere, weight change too large (ratio > 1),
    gradient vanishing (abs mean < 1e-9), and activation range presets: a ReLU output that is in [-1, 0]
    for more than 99.9% of its values (dead), a sigmoid or tanh output with less than 0.1% of its values
    inside the non-saturated range (sigmoid(-16.2), sigmoid(16.2)) or (tanh(-8.8), tanh(8.8))."""
    kw = {"pattern": pattern, "break_on": break_on}
    return [
        Watchpoint("weight_overflow", **kw),
        Watchpoint("gradient_exploding", **kw),
        Watchpoint("tensor_overflow", **kw),
        Watchpoint("operator_overflow", **kw),
        Watchpoint("weight_change_too_large", {"abs_mean_update_ratio_gt": 1.0}, **kw),
        Watchpoint("gradient_vanishing", {"abs_mean_lt": 1e-9}, **kw),
        Watchpoint("activation_range", {"range_start_inclusive": -1.0, "range_end_inclusive": 0.0,
                                        "range_percentage_gt": 99.9}, classes=("ReLU", "relu"), **kw),
        Watchpoint("activation_range", {"range_start_inclusive": _sigmoid(-16.2),
                                        "range_end_inclusive": _sigmoid(16.2), "range_percentage_lt": 0.1},
                   classes=("Sigmoid", "sigmoid"), **kw),
        Watchpoint("activation_range", {"range_start_inclusive": math.tanh(-8.8),
                                        "range_end_inclusive": math.tanh(8.8), "range_percentage_lt": 0.1},
                   classes=("Tanh", "tanh"), **kw),
    ]


def parse_all(watch: list[str] | None, break_on: list[str] | None = None) -> list[Watchpoint]:
    """Every watchpoint of ``--watch`` and ``--break-on`` specs, numbered; a break spec equal to a watch
    spec turns that watchpoint into a breakpoint instead of adding a second one."""
    out: list[Watchpoint] = []
    for s in watch or []:
        if s.strip().lower() in ("none", "off"):
            continue
        out.extend(parse_spec(s))
    for s in break_on or []:
        for wp in parse_spec(s, break_on=True):
            same = [w for w in out if w.spec() == wp.spec() and w.classes == wp.classes]
            if same:
                for w in same:
                    w.break_on = True
            else:
                out.append(wp)
    for i, wp in enumerate(out):
        wp.id = i
    return out
