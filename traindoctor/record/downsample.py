"""Downsampling that keeps spikes: per window, the first, minimum, maximum and last point."""
from __future__ import annotations

import numpy as np


def minmax(step: np.ndarray, value: np.ndarray, max_points: int = 2000,
           lo: float | None = None, hi: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` points of ``(step, value)`` inside ``[lo, hi]``; every local extreme survives.

    NaN and Inf are kept as points (they are what a user looks for), never averaged away.
    """
    if lo is not None or hi is not None:
        a = np.searchsorted(step, lo, "left") if lo is not None else 0
        b = np.searchsorted(step, hi, "right") if hi is not None else len(step)
        step, value = step[a:b], value[a:b]
    n = len(step)
    if n <= max_points:
        return step, value
    windows = max(1, max_points // 4)
    edges = np.linspace(0, n, windows + 1).astype(np.int64)
    starts, ends = edges[:-1], edges[1:]
    keep = [starts, ends - 1]
    v = np.where(np.isfinite(value), value, np.nan)
    # argmin/argmax per window with reduceat on a NaN-safe copy
    big = np.finfo(np.float64).max
    vmin = np.where(np.isnan(v), big, v)
    vmax = np.where(np.isnan(v), -big, v)
    w = np.repeat(np.arange(windows), ends - starts)
    order_min = np.lexsort((vmin, w))
    order_max = np.lexsort((-vmax, w))
    first_in_window = np.searchsorted(w[order_min], np.arange(windows))
    keep.append(order_min[first_in_window])
    keep.append(order_max[first_in_window])
    nonfinite = np.nonzero(~np.isfinite(value))[0]
    if len(nonfinite):
        keep.append(nonfinite[:: max(1, len(nonfinite) // max_points) or 1][:max_points // 4])
    idx = np.unique(np.concatenate(keep))
    return step[idx], value[idx]
