"""Step plugins: the collector's extension point for parts that act on every training step.

A plugin is one flat class of empty hooks (the shape of Lightning's ``Callback``);
the :class:`~traindoctor.collect.torch.Collector` calls them from its own hooks,
on the training thread. A plugin's internal error is reported once and switches
that plugin off, like any collector part; only ``SystemExit`` and
``KeyboardInterrupt`` pass through (the debugger's "stop" ends the training cleanly).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .torch import Collector


#: ``row`` for a module output that the collector knows finite without a pass over it (a ReLU, a max
#: pooling or a flattening of outputs whose exact sums were finite); see ``Collector._activation_sum``.
FINITE_OUTPUT = "finite"


class StepPlugin:
    """Hooks called by the collector. Steps are numbered as in the run's tables."""

    #: The plugin reads every module output's exact sum (an overflow check): between full steps the
    #: collector then sums each output whole, with the script's own threads, instead of a sample of it,
    #: and passes the sum as ``row`` to :meth:`on_module_output` (or ``FINITE_OUTPUT`` where it knows the
    #: output finite without the pass).
    exact_activation_sums: bool = False

    def on_step_begin(self, collector: "Collector", step: int) -> None:
        """A training step opened (first backward of the iteration); weights are not yet updated."""

    def on_module_output(self, collector: "Collector", name: str | None, module: Any, args: Any,
                         output: Any, row: Any = None) -> None:
        """A module returned ``output`` in a forward pass with autograd enabled (``name`` None if unregistered);
        ``row``: the collector's raw statistics of that output when it recorded them in full, its exact sum
        (0-d) between full steps, ``FINITE_OUTPUT``, or None.
        For a functional activation (``F.relu`` inside a module) ``module`` is its label (``"relu"``)."""

    def on_backward(self, collector: "Collector", loss: Any) -> None:
        """``loss.backward()`` is about to run (its graph is intact)."""

    def on_gradients(self, collector: "Collector", step: int, param_idxs: list[int]) -> None:
        """Gradients of ``collector._params[param_idxs]`` are final for this step (optimizer about to step)."""

    def on_scaler_step(self, collector: "Collector", step: int, optimizer: Any, found_inf: Any) -> None:
        """A GradScaler stepped ``optimizer`` (gradients unscaled); ``found_inf`` is its summed found-inf
        tensor (> 0: the optimizer step was skipped, so ``on_gradients`` was not called for it)."""

    def on_step_complete(self, collector: "Collector", step: int) -> None:
        """Every optimizer of the step has stepped. May block (pause) or raise ``SystemExit`` (stop).
        Can be called more than once for a step; implementations act on the first call."""

    def on_close(self, collector: "Collector") -> None:
        """The run ends; write what is left."""


def make_plugins(collector: "Collector") -> list[StepPlugin]:
    """The plugins the collector's options ask for: explicit ones, and the debugger for watch/break specs."""
    opts = collector.options
    plugins = list(getattr(opts, "plugins", None) or [])
    if getattr(opts, "watch", None) or getattr(opts, "break_on", None):
        from ..debugger.engine import Debugger

        plugins.append(Debugger.from_specs(collector, list(opts.watch or []), list(opts.break_on or [])))
    return plugins
