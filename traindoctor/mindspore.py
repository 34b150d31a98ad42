"""``traindoctor.mindspore.DoctorCallback``: the name issue 5 promises, kept short for users' scripts.

::

    from traindoctor.mindspore import DoctorCallback
    model.train(epochs, ds, callbacks=[DoctorCallback("tdruns/try1")], dataset_sink_mode=False)
"""
from __future__ import annotations

from .collect.mindspore import DoctorCallback

__all__ = ["DoctorCallback"]
