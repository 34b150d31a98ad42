"""The debugger: watchpoint conditions on every step, the first non-finite op, pause and inspect.

* ``conditions.py``: the conditions as data (MindInsight's names, parameters, defaults, validation)
  and their vectorised evaluation;
* ``watchpoints.py``: ``--watch`` specs, node patterns, the recommended set;
* ``engine.py``: the collector step plugin that evaluates them live and records ``hit`` events;
* ``localize.py``: re-execution of one module under a dispatch mode to name the first bad op;
* ``control.py``: the file-based channel that pauses and resumes a run;
* ``offline.py``: ``traindoctor hits`` over a recorded run; ``cli.py`` and ``api.py``: the interfaces.

Usage::

    traindoctor run train.py                                  # the recommended watchpoints are on
    traindoctor run --watch 'weight_change_too_small(abs_mean_update_ratio_lt=1e-5)@encoder' train.py
    traindoctor run --break-on tensor_overflow train.py       # pauses the training at the first hit
    traindoctor debug tdruns/RUN                              # the hit, the first non-finite op
    traindoctor debug tdruns/RUN inspect activation:fc1 --slice 0:2,0:8
    traindoctor debug tdruns/RUN step | continue | stop
    traindoctor hits tdruns/RUN --format json                 # traindoctor.hits/1
    traindoctor hits tdruns/RUN --watch 'gradient_too_large(abs_mean_gt=1)'   # offline, recorded statistics
    traindoctor conditions                                    # the table
"""
from __future__ import annotations

from .conditions import BY_NAME, CONDITIONS, Condition, Param, describe
from .watchpoints import Watchpoint, parse_all, parse_spec, recommended

__all__ = ["CONDITIONS", "BY_NAME", "Condition", "Param", "describe", "Watchpoint", "parse_spec", "parse_all",
           "recommended", "mark"]


def mark(name: str, tensor) -> None:
    """Watch ``tensor`` as ``name`` in the current step (for conditions on ``tensor`` targets)."""
    from .engine import mark as _mark

    _mark(name, tensor)
