"""The Python API: ``watch`` for explicit recording (the same signals as ``traindoctor run``)."""
from __future__ import annotations

import os
import sys
import time
from typing import Any, Iterable

from .collect.torch import CollectOptions, Collector


class Session:
    """A recording session; also a context manager. Created by :func:`watch`."""

    def __init__(self, collector: Collector) -> None:
        self._collector = collector
        self.path = collector.run_dir

    @property
    def step(self) -> int:
        return self._collector.step

    def log(self, step: int | None = None, **scalars: Any) -> None:
        """Record metrics (``val_acc=0.91``) at ``step`` (default: the current training step)."""
        self._collector._guarded("log", lambda: self._collector.log(step, **scalars))

    def tensor(self, name: str, tensor: Any, step: int | None = None) -> bool:
        """Record a snapshot of ``tensor`` under ``name`` at ``step`` (default: the current training step):
        its statistics, histogram and a 2-D view of at most 128x128 values (block-reduced beyond that),
        shown in the dashboard's Tensors panel. Each call stores one snapshot: call it at the steps you need.
        Returns whether it was recorded."""
        from .collect import snapshots

        return bool(self._collector._guarded("tensor", snapshots.record_user, self._collector, name, tensor, step))

    def close(self, status: str = "finished") -> None:
        self._collector.close(status=status, exit_code=0 if status == "finished" else 1)

    def report(self):
        from .report import diagnose

        return diagnose(self.path)

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, etype: Any, exc: Any, tb: Any) -> bool:
        if etype is None:
            self.close()
        else:
            import traceback

            self._collector.close(status="crashed", exit_code=1,
                                  error="".join(traceback.format_exception(etype, exc, tb)))
        return False


def watch(model: Any = None, optimizer: Any = None, *, logdir: str = "tdruns", name: str | None = None,
          target: dict[str, float] | None = None, **options: Any) -> Session:
    """Record training of ``model`` (and ``optimizer``: one or a list) into ``logdir/name``.

    Options are the fields of :class:`~traindoctor.collect.torch.CollectOptions`. The
    global hooks are active until :meth:`Session.close` (or the ``with`` block ends).
    """
    script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else None
    name = name or f"{os.path.splitext(os.path.basename(script or 'python'))[0]}-{time.strftime('%Y%m%d-%H%M%S')}"
    opts = CollectOptions(target=dict(target or {}), **options)
    collector = Collector(os.path.join(logdir, name), name=name, options=opts,
                          meta={"script": script, "api": "watch"})
    collector.install()
    if model is not None:
        for m in (model if isinstance(model, (list, tuple)) else [model]):
            collector.watch_model(m)
    if optimizer is not None:
        for o in (optimizer if isinstance(optimizer, (list, tuple)) else [optimizer]):
            collector.watch_optimizer(o)
    import atexit

    atexit.register(collector.close)
    return Session(collector)
