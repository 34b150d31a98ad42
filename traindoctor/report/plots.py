"""Figures (Plotly JSON) of the evidence behind findings: one source for the HTML report and the dashboard."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..checks.base import Finding
from ..record.downsample import minmax
from ..record.run import Run, Series


def _trace(label: str, s: Series, max_points: int = 1500) -> dict[str, Any]:
    x, y = minmax(s.step, s.value.astype(np.float64), max_points)
    return {"type": "scattergl" if len(x) > 5000 else "scatter", "mode": "lines", "name": label,
            "x": x.tolist(), "y": [v if math.isfinite(v) else None for v in y.tolist()]}


def resolve(run: Run, spec: Any) -> Series:
    """A plot spec: a scalar tag, ``{"table", "key", "field"}``, or ``{"step", "value"}``."""
    if isinstance(spec, str):
        return run.scalar(spec)
    if "table" in spec:
        return run.table(spec["table"]).series(spec["key"], spec["field"])
    return Series(np.asarray(spec["step"]), np.asarray(spec["value"], dtype=np.float64))


def loss_figure(run: Run) -> dict[str, Any] | None:
    traces = []
    for tag in ("train/loss", "eval/loss", "test/loss"):
        s = run.scalar(tag)
        if len(s):
            traces.append(_trace(tag, s))
    if not traces:
        return None
    return {"data": traces, "layout": _layout("Loss", "step", "loss")}


def metric_figure(run: Run) -> dict[str, Any] | None:
    traces = [_trace(t, run.scalar(t)) for t in run.scalar_tags()
              if t.endswith("acc") or t.endswith("/acc") and len(run.scalar(t))]
    traces = [t for t in traces if t["x"]]
    if not traces:
        return None
    return {"data": traces, "layout": _layout("Accuracy", "step", "accuracy")}


#: A finding whose evidence is not a series (a module's mode, a loss function's inputs) is shown
#: against the loss curve, with its step marked: where in the training it was seen.
CONTEXT_PLOTS = {"train/loss": "train/loss", "eval/loss": "eval/loss"}


def finding_figure(run: Run, finding: Finding) -> dict[str, Any] | None:
    traces = []
    log = False
    for label, spec in (finding.plots or CONTEXT_PLOTS).items():
        if label == "_log":
            log = bool(spec)
            continue
        s = resolve(run, spec)
        if len(s):
            traces.append(_trace(label, s))
    if not traces:
        return None
    shapes = []
    if finding.step is not None:
        shapes.append({"type": "line", "x0": finding.step, "x1": finding.step, "yref": "paper", "y0": 0, "y1": 1,
                       "line": {"color": "#d62728", "dash": "dot", "width": 1}})
    layout = _layout(finding.title, "step", "", log)
    layout["shapes"] = shapes
    return {"data": traces, "layout": layout}


def _layout(title: str, xlabel: str, ylabel: str, log: bool = False) -> dict[str, Any]:
    return {"title": {"text": title[:90], "font": {"size": 13}}, "height": 260,
            "margin": {"l": 55, "r": 15, "t": 35, "b": 35},
            "xaxis": {"title": {"text": xlabel}}, "yaxis": {"title": {"text": ylabel}, "type": "log" if log else "linear"},
            "legend": {"orientation": "h", "y": -0.25}}
