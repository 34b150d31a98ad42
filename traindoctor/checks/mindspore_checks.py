"""MindSpore API constraints from the seed ("使用API没有遵循MindSpore约束"): ``api.constraint_violation``.

Two checks, both reading what ``DoctorCallback`` (and, for divisions, a graph-mode
``SummaryCollector`` graph) recorded:

* :class:`DropoutKeepProb`: ``nn.Dropout``'s first argument is the probability to
  *keep* a unit, the opposite of other frameworks; ``nn.Dropout(0.1)`` keeps 10%.
* :class:`DivWhereDivNoNanNeeded`: the first cell whose output went NaN/Inf from
  finite inputs holds a division (``Div``/``RealDiv``/``/``); where the divisor can
  be zero, ``ops.DivNoNan`` (or an epsilon) is the safe operator.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from .base import Check, Context, Finding, Outcome, register, sig

_DIVISIONS = {"Div", "RealDiv", "div", "true_divide", "/", "Reciprocal", "reciprocal", "FloorDiv"}
_LOGS = {"Log", "log", "Sqrt", "sqrt", "Rsqrt", "rsqrt", "Pow", "pow"}


def _is_mindspore(ctx: Context) -> bool:
    return ctx.meta.get("framework") == "mindspore" or ctx.run.source == "mindspore"


@register
class DropoutKeepProb(Check):
    """A ``Dropout`` configured through ``keep_prob`` that drops most units.

    MindSpore's ``nn.Dropout(keep_prob)`` takes the keep probability; PyTorch's
    ``nn.Dropout(p)`` the drop probability. Code ported as ``nn.Dropout(0.1)`` keeps
    10% of the units. Dropout rates above ``max_drop`` are almost never meant (the
    common values are 0.1 to 0.5), so a ``keep_prob`` below ``1 - max_drop`` is flagged.
    """

    id: ClassVar[str] = "api.constraint_violation"
    needs = frozenset({"graph"})
    max_drop: float = 0.5

    def run(self, ctx: Context) -> Outcome:
        if not _is_mindspore(ctx):
            return Outcome.not_checked("not a MindSpore run")
        dropouts = [m for m in ctx.modules() if "dropout" in m]
        if not dropouts:
            return Outcome.passed("no MindSpore Dropout cell")
        findings = []
        for m in dropouts:
            keep, p = m["dropout"].get("keep_prob"), m["dropout"].get("p")
            if p is None and keep is not None and 1.0 - keep > self.max_drop:
                findings.append(Finding(
                    self.id, f"Dropout {m['name']} keeps only {keep:.0%} of its units (keep_prob={keep})",
                    severity="warning", confidence=0.7, location=m["name"], step=0,
                    evidence={"cell": m["name"], "keep_prob": keep, "drop_rate": sig(1.0 - keep),
                              "extra": m.get("extra", "")},
                    advice=f"MindSpore's Dropout takes the probability to KEEP a unit, unlike PyTorch's. If "
                           f"{keep} was meant as the drop rate, write nn.Dropout(p={keep}) "
                           f"(or keep_prob={1 - keep:g}).",
                    explains=["fit.underfitting", "loss.not_converging"]))
        return Outcome.found(*findings, note=f"{len(dropouts)} Dropout cell(s), keep probabilities plausible")


@register
class DivWhereDivNoNanNeeded(Check):
    """The first non-finite value of the forward pass came out of a division (or a log) of finite inputs.

    Evidence is the callback's ``nonfinite`` event (PyNative: the first cell whose
    output is NaN/Inf while its inputs are finite, and the risky primitives it
    holds), else a graph-mode graph with divisions plus a non-finite loss, which is
    weaker (``graph_confidence``): the division is present, not shown to be the origin.
    """

    id: ClassVar[str] = "api.constraint_violation"
    origin_confidence: float = 0.85
    graph_confidence: float = 0.4

    def run(self, ctx: Context) -> Outcome:
        if not _is_mindspore(ctx):
            return Outcome.not_checked("not a MindSpore run")
        origins = ctx.run.events("nonfinite")
        graphs = ctx.run.events("graph")
        if not origins and not graphs and "activation" not in ctx.records:
            return Outcome.not_checked("no activations (graph mode) and no graph were recorded")
        for ev in origins:
            ops = set(ev.get("risky_ops") or [])
            primitives_first = (lambda o: (not o[:1].isupper(), o))  # name Div before a bare "/"
            divs = sorted(ops & _DIVISIONS, key=primitives_first)
            logs = sorted(ops & _LOGS, key=primitives_first)
            if not (divs or logs):
                continue
            ins = ev.get("inputs") or []
            zeros = sum(int(i.get("zeros", 0)) for i in ins)
            nonpos = sum(int(i.get("negatives", 0)) for i in ins)
            op = divs[0] if divs else logs[0]
            safe = "ops.DivNoNan (or add an epsilon to the divisor)" if divs else \
                "a clamp of the input to a small positive value before the log/sqrt"
            return Outcome.found(Finding(
                self.id, f"{ev['module']} ({ev.get('class')}) turns finite inputs into NaN/Inf with {op}",
                severity="error", confidence=self.origin_confidence, location=ev["module"], step=ev.get("step"),
                evidence={"cell": ev["module"], "class": ev.get("class"), "operators": sorted(ops),
                          "input_zeros": zeros, "input_negatives": nonpos, "output": ev.get("output"),
                          "inputs": ins},
                advice=f"A divisor (or log input) in {ev['module']}.construct reaches zero: use {safe}. "
                       "The seed's example: DivNoNan instead of Div where the divisor can be zero.",
                explains=["loss.nan_inf", "tensor.overflow"]))
        loss = ctx.loss
        bad = np.nonzero(~np.isfinite(loss.value))[0] if len(loss) else np.zeros(0, int)
        divisions = [d for g in graphs for d in g.get("divisions", []) if d.get("op") in _DIVISIONS]
        if divisions and len(bad):
            first = divisions[0]
            return Outcome.found(Finding(
                self.id, f"the loss went non-finite and the graph divides ({first['op']} in {first['cell'] or 'the network'})",
                severity="warning", confidence=self.graph_confidence, location=first["cell"] or first["node"],
                step=int(loss.step[bad[0]]),
                evidence={"divisions": divisions[:10], "first_nonfinite_loss_step": int(loss.step[bad[0]])},
                advice="If a divisor can be zero use ops.DivNoNan or add an epsilon. Record with DoctorCallback in "
                       "PyNative mode to see which cell produced the first NaN.",
                explains=["loss.nan_inf"]))
        return Outcome.passed("no division or log produced the first non-finite value")

