"""Fused tensor statistics, computed on the tensors' own device.

Every function returns a tensor on that device; nothing here calls ``.item()`` on
an accelerator, so the training stream is never synchronised. The background
writer moves the finished block to the host.

Costs were measured on 2 CPU cores (see ``benchmarks/overhead.py``): ``torch.var_mean``
and ``isfinite().all()`` are 10-40x slower than a plain ``sum`` on CPU, so the
statistics are assembled from ``_foreach_norm``, ``sum``, ``aminmax`` and a bool
count, and the non-finite count is only computed where the norm says there is one.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

from ..record.run import ACTIVATION_FIELDS, TENSOR_FIELDS

#: Activations larger than this are summarised exactly for mean and non-finite count
#: (a full sum) and on a deterministic strided sample of this many elements for the
#: rest; on 2 CPU cores a full pass over a 2M-element conv output costs ~0.5 ms per stat.
ACTIVATION_SAMPLE = 1 << 16
#: Distance to a bound under which a sigmoid/tanh output counts as saturated.
SATURATION_EPS = 1e-3

_SATURATING = {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0), "Hardtanh": (-1.0, 1.0), "Softsign": (-1.0, 1.0),
               "Hardsigmoid": (0.0, 1.0), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
_RECTIFIER = {"ReLU", "ReLU6", "relu", "relu6", "Threshold"}


def _as_float(t: torch.Tensor) -> torch.Tensor:
    t = t.detach()
    if not t.is_floating_point():
        t = t.float()
    elif t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    return t


def tensor_stats(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """Statistics of each tensor as rows ``[len(tensors), len(TENSOR_FIELDS)]`` (float32).

    All tensors must share one device. Empty tensors give NaN rows.
    """
    ts = [_as_float(t) for t in tensors]
    dev = ts[0].device
    numel = torch.tensor([float(t.numel()) for t in ts], device=dev)
    norms = torch.stack(torch._foreach_norm(ts)).float()
    sums = torch.stack([t.sum() for t in ts]).float()
    mm = [torch.aminmax(t) if t.numel() else (t.new_tensor(math.nan), t.new_tensor(math.nan)) for t in ts]
    mins = torch.stack([m[0] for m in mm]).float()
    maxs = torch.stack([m[1] for m in mm]).float()
    nonzero = torch.stack([t.bool().sum() for t in ts]).float()
    nonfinite = _nonfinite_counts(ts, norms, sums)
    n = numel.clamp_min(1.0)
    mean = sums / n
    var = (norms * norms / n - mean * mean).clamp_min(0.0)
    return torch.stack([mean, var.sqrt(), mins, maxs, norms, 1.0 - nonzero / n, nonfinite, numel], 1)


def _nonfinite_counts(ts: Sequence[torch.Tensor], norms: torch.Tensor, sums: torch.Tensor) -> torch.Tensor:
    if norms.device.type == "cpu":
        # On the CPU reading the norms is free; count only where one is not finite.
        bad = (~torch.isfinite(norms) | ~torch.isfinite(sums)).nonzero().flatten().tolist()
        out = torch.zeros(len(ts))
        for i in bad:
            out[i] = float((~torch.isfinite(ts[i])).sum())
        return out
    return torch.stack([(~torch.isfinite(t)).sum() for t in ts]).float()


def activation_kind(name: str) -> str:
    """``saturating``, ``rectifier`` or ``other``, from a module class or function name."""
    if name in _SATURATING:
        return "saturating"
    if name in _RECTIFIER:
        return "rectifier"
    return "other"


def activation_stats(x: torch.Tensor, kind_name: str) -> torch.Tensor:
    """One row of ``ACTIVATION_FIELDS`` for a module output (float32, on ``x``'s device)."""
    x = _as_float(x)
    n = x.numel()
    if n == 0:
        return torch.full((len(ACTIVATION_FIELDS),), math.nan, device=x.device)
    flat = x.reshape(-1)
    total = flat.sum()
    if n > ACTIVATION_SAMPLE:
        sample = flat[:: (n + ACTIVATION_SAMPLE - 1) // ACTIVATION_SAMPLE]
    else:
        sample = flat
    m = sample.numel()
    mn, mx = torch.aminmax(sample)
    sq = torch.linalg.vector_norm(sample)
    mean = total / n
    smean = sample.sum() / m
    std = (sq * sq / m - smean * smean).clamp_min(0.0).sqrt()
    zero = 1.0 - sample.bool().sum() / m
    nan = torch.tensor(math.nan, device=x.device)
    sat = nan
    dead = nan
    bounds = _SATURATING.get(kind_name)
    if bounds is not None:
        lo, hi = bounds
        sat = ((sample <= lo + SATURATION_EPS) | (sample >= hi - SATURATION_EPS)).float().mean()
    elif kind_name in _RECTIFIER and x.dim() >= 2:
        # A unit (feature or channel) is dead over the batch when it is never positive.
        rows = x[: min(x.shape[0], 64)]
        dims = [0] + list(range(2, x.dim()))
        dead = (rows.amax(dim=dims) <= 0).float().mean()
    if x.device.type == "cpu":
        nonfinite = total.new_tensor(0.0) if math.isfinite(float(total)) else (~torch.isfinite(flat)).sum().float()
    else:
        nonfinite = (~torch.isfinite(flat)).sum().float()
    return torch.stack([mean, std, mn, mx, zero, sat, dead, nonfinite, total.new_tensor(float(n))]).float()


def input_stats(t: torch.Tensor) -> dict:
    """Host-side summary of an op or module input, for the non-finite origin report (CPU path or rare events)."""
    t = _as_float(t)
    if t.numel() == 0:
        return {"shape": list(t.shape), "numel": 0}
    finite = torch.isfinite(t)
    fin = t[finite]
    out = {
        "shape": list(t.shape),
        "dtype": str(t.dtype).replace("torch.", ""),
        "numel": t.numel(),
        "nan": int(torch.isnan(t).sum()),
        "inf": int(torch.isinf(t).sum()),
        "zeros": int((t == 0).sum()),
        "negatives": int((t < 0).sum()),
    }
    if fin.numel():
        out.update(min=float(fin.min()), max=float(fin.max()), mean=float(fin.mean()),
                   abs_min=float(fin.abs().min()))
    return out


def histogram(t: torch.Tensor, bins: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """``(edges[bins+1], counts[bins])`` over the finite values of ``t``, without a host sync."""
    t = _as_float(t).reshape(-1)
    finite = torch.isfinite(t)
    big = torch.finfo(t.dtype).max
    lo = torch.where(finite, t, big).amin()
    hi = torch.where(finite, t, -big).amax()
    hi = torch.maximum(hi, lo + 1e-12)
    idx = ((t - lo) / (hi - lo) * bins).clamp(0, bins - 1).nan_to_num(0).long()
    counts = torch.zeros(bins, device=t.device).index_add_(0, idx, finite.float())
    edges = torch.linspace(0, 1, bins + 1, device=t.device) * (hi - lo) + lo
    return edges, counts
