"""Readers for other tools' logs: TensorBoard event files and MindSpore summary directories.

Importing this package registers both with :data:`traindoctor.record.SOURCES`, so
``open_run``/``list_runs`` (and with them ``doctor`` and ``serve``) take such
directories directly. Each needs only ``protobuf`` (``pip install traindoctor[import]``);
without it the package registers nothing and says why once, in ``UNAVAILABLE``.
"""
from __future__ import annotations

from ..record import SOURCES

__all__ = ["UNAVAILABLE"]

#: Why the importers could not be registered ("" when they were).
UNAVAILABLE = ""

try:
    from . import mindspore as _mindspore
    from . import tensorboard as _tensorboard
except ImportError as exc:  # protobuf missing
    UNAVAILABLE = f"TensorBoard and MindSpore logs cannot be read: {exc} (pip install 'traindoctor[import]')"
else:
    for _mod in (_mindspore, _tensorboard):
        _entry = (_mod.probe, _mod.open_run, _mod.list_runs)
        if not any(e[0] is _mod.probe for e in SOURCES):
            SOURCES.append(_entry)
