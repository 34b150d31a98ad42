"""traindoctor: finds out why a deep-learning model does not reach its accuracy, and helps fix it.

Command line: ``traindoctor run SCRIPT``, ``traindoctor doctor RUN``. In Python::

    import traindoctor
    with traindoctor.watch(model, optimizer) as td:
        ...
        td.log(val_acc=acc)
    report = traindoctor.diagnose(td.path)
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["watch", "preflight", "diagnose", "open_run", "tensor", "log", "Session", "__version__"]


def log(step: int | None = None, **scalars) -> bool:
    """Record metrics (``traindoctor.log(val_acc=acc)``) into the run being recorded (``traindoctor run`` or
    an open :func:`watch` session) at ``step`` (default: the current training step), like ``Session.log``:
    the one line a script run by ``traindoctor run`` adds when it computes its validation accuracy in a way
    the collector cannot see. Does nothing, and returns False, when nothing records."""
    from .collect import snapshots

    return snapshots.log_active(step, **scalars)


def tensor(name: str, tensor, step: int | None = None) -> bool:
    """Snapshot ``tensor`` under ``name`` into the run being recorded (``traindoctor run`` or an open
    :func:`watch` session), like ``Session.tensor``. Does nothing, and returns False, when nothing records."""
    from .collect import snapshots

    return snapshots.record_active(name, tensor, step)


def __getattr__(name: str):
    if name in ("watch", "Session"):
        from . import api

        return getattr(api, name)
    if name == "diagnose":
        from .report import diagnose

        return diagnose
    if name == "open_run":
        from .record import open_run

        return open_run
    if name == "preflight":
        from .preflight import preflight

        globals()["preflight"] = preflight  # the submodule import bound the name to the module
        return preflight
    raise AttributeError(name)
