"""Downsampling that keeps spikes: per window, the first, minimum, maximum and last point."""
from __future__ import annotations

import numpy as np


def minmax(step: np.ndarray, value: np.ndarray, max_points: int = 2000,
           lo: float | None = None, hi: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` points of ``(step, value)`` inside ``[lo, hi]``; every local extreme survives.

    NaN and Inf are kept as points (they are what a user looks for), never averaged away.
    Linear in the number of points: the windows are equal runs of points, so one
    ``argmin``/``argmax`` over a reshaped array finds every window's extremes.
    """
    if lo is not None or hi is not None:
        a = np.searchsorted(step, lo, "left") if lo is not None else 0
        b = np.searchsorted(step, hi, "right") if hi is not None else len(step)
        step, value = step[a:b], value[a:b]
    n = len(step)
    if n <= max_points:
        return step, value
    width = -(-n // max(1, max_points // 4))  # points per window, so that windows * 4 <= max_points
    starts = np.arange(0, n, width, dtype=np.int64)
    ends = np.minimum(starts + width, n)
    finite = np.isfinite(value)
    all_finite = bool(finite.all())
    low = value if all_finite else np.where(finite, value, np.inf)
    high = value if all_finite else np.where(finite, value, -np.inf)
    full = n // width  # whole windows are one reshape; a shorter last window is done on its own
    amin = [low[:full * width].reshape(full, width).argmin(axis=1) + starts[:full]]
    amax = [high[:full * width].reshape(full, width).argmax(axis=1) + starts[:full]]
    if full < len(starts):
        amin.append([full * width + int(low[full * width:].argmin())])
        amax.append([full * width + int(high[full * width:].argmax())])
    keep = [starts, ends - 1, *amin, *amax]
    nonfinite = np.nonzero(~finite)[0]
    if len(nonfinite):
        keep.append(nonfinite[:: max(1, len(nonfinite) // max_points) or 1][:max_points // 4])
    idx = np.unique(np.concatenate(keep))
    return step[idx], value[idx]
