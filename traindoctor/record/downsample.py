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
    if len(step) <= max_points:
        return step, value
    idx = minmax_indices(value, max_points)
    return step[idx], value[idx]


def minmax_indices(value: np.ndarray, max_points: int = 2000) -> np.ndarray:
    """The sorted indices :func:`minmax` keeps: first, last, min and max of each window, and NaN/Inf.

    Linear in the number of points: the windows are equal runs of points, so one
    ``argmin``/``argmax`` over a reshaped array finds every window's extremes.
    """
    n = len(value)
    if n <= max_points:
        return np.arange(n)
    width = -(-n // max(1, max_points // 4))  # points per window, so that windows * 4 <= max_points
    starts = np.arange(0, n, width, dtype=np.int64)
    ends = np.minimum(starts + width, n)
    with np.errstate(over="ignore", invalid="ignore"):  # one pass: a NaN/Inf anywhere (or an overflow) shows in the sum
        all_finite = bool(np.isfinite(value.sum()))
    finite = None if all_finite else np.isfinite(value)
    low = value if all_finite else np.where(finite, value, np.inf)
    high = value if all_finite else np.where(finite, value, -np.inf)
    full = n // width  # whole windows are one reshape; a shorter last window is done on its own
    keep = [starts, ends - 1,
            low[:full * width].reshape(full, width).argmin(axis=1) + starts[:full],
            high[:full * width].reshape(full, width).argmax(axis=1) + starts[:full]]
    if full < len(starts):
        keep.append(np.array([full * width + int(low[full * width:].argmin()),
                              full * width + int(high[full * width:].argmax())]))
    if finite is not None:
        nonfinite = np.nonzero(~finite)[0]
        if len(nonfinite):
            keep.append(nonfinite[:: max(1, len(nonfinite) // max_points) or 1][:max_points // 4])
    return np.unique(np.concatenate(keep))
