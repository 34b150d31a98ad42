"""Collectors: the code that lives in the training process and records it."""
from __future__ import annotations

__all__ = ["CollectOptions", "Collector"]


def __getattr__(name: str):
    if name in __all__:
        from . import torch as _torch

        return getattr(_torch, name)
    raise AttributeError(name)
