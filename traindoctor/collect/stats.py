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
from typing import Callable, Iterable, Sequence

import numpy as np
import torch

from ..record.run import ACTIVATION_FIELDS, TENSOR_FIELDS

#: Activations larger than this are summarised exactly for mean and non-finite count
#: (a full sum) and on the first whole samples of the batch (about this many elements)
#: for the rest: on 2 CPU cores a full pass over a 2M-element conv output costs ~0.5 ms
#: per statistic. The sample is a contiguous prefix, not a strided view: strided CPU
#: reductions take a slow path that cost 10x more than the pass they save.
ACTIVATION_SAMPLE = 1 << 16
#: Parameters larger than this have their zero fraction estimated on a contiguous prefix.
ZERO_SAMPLE = 1 << 17
#: Distance to a bound under which a sigmoid/tanh output counts as saturated.
SATURATION_EPS = 1e-3

_SATURATING = {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0), "Hardtanh": (-1.0, 1.0), "Softsign": (-1.0, 1.0),
               "Hardsigmoid": (0.0, 1.0), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
_RECTIFIER = {"ReLU", "ReLU6", "relu", "relu6", "Threshold"}


_WIDE = (torch.float32, torch.float64)


def _as_float(t: torch.Tensor) -> torch.Tensor:
    if t.dtype in _WIDE and not t.requires_grad:  # weights already detached, gradients: as they are
        return t
    t = t.detach()
    if not t.is_floating_point():
        t = t.float()
    elif t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    return t


def on_device(values: Sequence[float] | torch.Tensor, dev: torch.device) -> torch.Tensor:
    """Host numbers as a float32 tensor on ``dev`` without making the host wait for the device: a plain
    ``torch.tensor(values, device="cuda")`` or ``.to("cuda")`` copies from pageable memory with a stream
    synchronisation, which drains the training's queue. A non-blocking copy from pageable memory is staged
    at once (the source may go) and ordered on the stream."""
    t = values if torch.is_tensor(values) else torch.tensor(values, dtype=torch.float32)
    t = t.to(torch.float32)
    return t if dev.type == "cpu" else t.to(dev, non_blocking=True)


def _NOTHING() -> None:
    return None


def device_ready(tensors: Iterable[torch.Tensor]) -> Callable[[], None]:
    """What the writer thread calls before it reads ``tensors`` (any iterable of tensors), made on the
    training thread when they are handed over. On CUDA: a wait for an event recorded now on the training
    thread's current stream. The writer copies on its own thread's stream, the default one: a training that
    runs on another stream would otherwise have its statistics read before they are computed, and their
    memory could be given to the training's next kernels. Elsewhere: nothing to wait for."""
    devs = {t.device for t in tensors if t.device.type == "cuda"}
    if not devs:
        return _NOTHING
    events = []
    for d in devs:
        e = torch.cuda.Event()
        e.record(torch.cuda.current_stream(d))
        events.append(e)

    def wait() -> None:
        for e in events:
            e.synchronize()
    return wait


def tensor_stats(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """Statistics of each tensor as rows ``[len(tensors), len(TENSOR_FIELDS)]`` (float32).

    All tensors must share one device. Empty tensors give NaN rows.
    """
    ts = [_as_float(t) for t in tensors]
    dev = ts[0].device
    numel = on_device([float(t.numel()) for t in ts], dev)
    norms = torch.stack(torch._foreach_norm(ts)).float()
    sums = torch.stack([t.sum() for t in ts]).float()
    mm = [torch.aminmax(t) if t.numel() else (t.new_tensor(math.nan), t.new_tensor(math.nan)) for t in ts]
    mins = torch.stack([m[0] for m in mm]).float()
    maxs = torch.stack([m[1] for m in mm]).float()
    # the zero fraction of a very large tensor is estimated on its first ZERO_SAMPLE elements:
    # the bool count is the costliest of these passes on a CPU
    zero_n = on_device([float(min(t.numel(), ZERO_SAMPLE)) for t in ts], dev).clamp_min(1.0)
    nonzero = torch.stack([(t.reshape(-1)[:ZERO_SAMPLE] if t.numel() > ZERO_SAMPLE else t).bool().sum()
                           for t in ts]).float()
    nonfinite = _nonfinite_counts(ts, norms, sums)
    n = numel.clamp_min(1.0)
    mean = sums / n
    var = (norms * norms / n - mean * mean).clamp_min(0.0)
    return torch.stack([mean, var.sqrt(), mins, maxs, norms, 1.0 - nonzero / zero_n, nonfinite, numel], 1)


def sparse_stats(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """:func:`tensor_stats` rows of sparse tensors (an ``Embedding(sparse=True)``'s gradient), as the dense
    tensors they stand for, computed from their stored values: the implicit zeros count in the mean, the
    spread, the zero fraction and the min/max, without ever allocating the dense tensor (a large vocabulary's
    is gigabytes). All tensors must share one device."""
    vals = [(t.coalesce() if t.layout == torch.sparse_coo else t).values().reshape(-1) for t in tensors]
    dev = vals[0].device
    rows = tensor_stats(vals)
    f = {k: i for i, k in enumerate(TENSOR_FIELDS)}
    stored = rows[:, f["numel"]]
    n = on_device([float(t.numel()) for t in tensors], dev)
    empty = stored == 0  # nothing stored: all zeros (tensor_stats gives NaN rows for no values)
    implicit = stored < n
    zero = torch.zeros_like(n)
    norm = torch.where(empty, zero, rows[:, f["norm"]])
    total = torch.where(empty, zero, rows[:, f["mean"]] * stored)
    nonzero = torch.where(empty, zero, (1.0 - rows[:, f["zero_frac"]]) * stored)
    mins = torch.where(empty, zero, torch.where(implicit, torch.minimum(rows[:, f["min"]], zero), rows[:, f["min"]]))
    maxs = torch.where(empty, zero, torch.where(implicit, torch.maximum(rows[:, f["max"]], zero), rows[:, f["max"]]))
    nn_ = n.clamp_min(1.0)
    mean = total / nn_
    var = (norm * norm / nn_ - mean * mean).clamp_min(0.0)
    nonfinite = torch.where(empty, zero, rows[:, f["nonfinite"]])
    return torch.stack([mean, var.sqrt(), mins, maxs, norm, 1.0 - nonzero / nn_, nonfinite, n], 1)


def norms(tensors: Sequence[torch.Tensor]) -> tuple[torch.Tensor, bool]:
    """The per-step tier: the L2 norms ``[len(tensors), 1]`` from one ``_foreach_norm`` pass, and whether
    every tensor is finite (exact on the CPU, where reading a scalar is free; always True on an
    accelerator, where :func:`expand_norm_rows` flags a non-finite norm on the host, without a sync).

    A caller that gets ``False`` takes :func:`tensor_stats` of the same tensors for the evidence.
    """
    ts = [_as_float(t) for t in tensors]
    n = torch.stack(torch._foreach_norm(ts))
    if n.dtype != torch.float32:
        n = n.float()
    finite = n.device.type != "cpu" or math.isfinite(float(n.sum()))
    return n[:, None], finite


def expand_norm_rows(norm: np.ndarray, numel: np.ndarray) -> np.ndarray:
    """``TENSOR_FIELDS`` rows (host side) from per-step norms: NaN where only a full step measures, the
    non-finite column 1 where the norm is not finite (a lower bound: the count needs the full pass)."""
    rows = np.full((len(norm), len(TENSOR_FIELDS)), np.nan, np.float32)
    rows[:, TENSOR_FIELDS.index("norm")] = norm
    rows[:, TENSOR_FIELDS.index("nonfinite")] = ~np.isfinite(norm)
    rows[:, TENSOR_FIELDS.index("numel")] = numel
    return rows


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


#: Raw per-call reductions of a module output; :func:`finish_activation_rows` turns a stack of
#: them into ``ACTIVATION_FIELDS`` rows once per flush, so that each module call costs a handful
#: of reductions and one ``stack`` rather than twenty small tensor operations.
RAW_ACTIVATION = ("sum", "s_sum", "s_sumsq", "s_min", "s_max", "s_nonzero", "sat", "dead", "nonfinite")
_CONST: dict[tuple[torch.device, float], torch.Tensor] = {}


def _const(value: float, device: torch.device) -> torch.Tensor:
    key = (device, value)
    t = _CONST.get(key)
    if t is None:
        t = _CONST[key] = torch.tensor(value, device=device)
    return t


def activation_raw(x: torch.Tensor, kind_name: str) -> tuple[torch.Tensor, int, int, bool]:
    """``(raw[len(RAW_ACTIVATION)], numel, sample_numel, finite)`` for a module output.

    ``finite`` is exact on the CPU (reading a CPU scalar is free); on an accelerator it is
    always True here, the non-finite count in ``raw`` carries the information without a sync.
    """
    x = _as_float(x)
    n = x.numel()
    dev = x.device
    if n == 0:
        nan = _const(math.nan, dev)
        return torch.stack([nan] * (len(RAW_ACTIVATION) - 1) + [_const(0.0, dev)]), 0, 0, True
    flat = x.reshape(-1)
    if not flat.is_contiguous():
        flat = flat.contiguous()
    total = flat.sum()
    if n > ACTIVATION_SAMPLE and x.dim() >= 1 and x.shape[0] > 1:
        per_sample = n // x.shape[0]
        sample = flat[: max(1, ACTIVATION_SAMPLE // max(per_sample, 1)) * per_sample]  # whole samples, contiguous
    else:
        sample = flat
    m = sample.numel()
    mn, mx = torch.aminmax(sample)
    nan = _const(math.nan, dev)
    sat = dead = nan
    bounds = _SATURATING.get(kind_name)
    if bounds is not None:
        lo, hi = bounds
        sat = ((sample <= lo + SATURATION_EPS) | (sample >= hi - SATURATION_EPS)).sum()
    elif kind_name in _RECTIFIER and x.dim() >= 2:
        # A unit (feature or channel) is dead over the batch when it is never positive.
        head = x[: min(x.shape[0], 64)]
        dims = [0] + list(range(2, x.dim()))
        dead = (head.amax(dim=dims) <= 0).float().mean()
    finite = True
    if dev.type == "cpu":
        finite = math.isfinite(float(total))
        nonfinite = _const(0.0, dev) if finite else (~torch.isfinite(flat)).sum()
    else:
        nonfinite = (~torch.isfinite(flat)).sum()
    raw = torch.stack([total, sample.sum(), torch.dot(sample, sample), mn, mx, sample.bool().sum(), sat, dead,
                       nonfinite]).float()
    return raw, n, m, finite


def sums_raw(sums: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """``RAW_ACTIVATION`` rows for the outputs measured between full steps by their sum only (a sample's
    sum times ``scale``, numel / sampled numel, where the output was sampled): NaN where only a full step
    measures, and a NaN non-finite count, which :func:`finish_activation_rows` turns into 1 where the sum
    is not finite (a lower bound; the count needs the full pass)."""
    sums = sums * on_device(scale, sums.device).to(sums.dtype)
    return torch.cat([sums[:, None], torch.full((len(sums), len(RAW_ACTIVATION) - 1), math.nan,
                                                device=sums.device)], 1)


def finish_activation_rows(raw: torch.Tensor, numel: torch.Tensor, sample_numel: torch.Tensor) -> torch.Tensor:
    """``ACTIVATION_FIELDS`` rows from stacked raw reductions (vectorised, once per flush)."""
    numel = on_device(numel, raw.device)
    m = on_device(sample_numel, raw.device).clamp_min(1.0)
    smean = raw[:, 1] / m
    std = (raw[:, 2] / m - smean * smean).clamp_min(0.0).sqrt()
    nonfinite = torch.where(raw[:, 8].isnan(), (~raw[:, 0].isfinite()).float(), raw[:, 8])
    return torch.stack([raw[:, 0] / numel.clamp_min(1.0), std, raw[:, 3], raw[:, 4], 1.0 - raw[:, 5] / m,
                        raw[:, 6] / m, raw[:, 7], nonfinite, numel], 1)


def activation_stats(x: torch.Tensor, kind_name: str) -> torch.Tensor:
    """One row of ``ACTIVATION_FIELDS`` for a module output (float32, on ``x``'s device)."""
    raw, n, m, _ = activation_raw(x, kind_name)
    return finish_activation_rows(raw[None], torch.tensor([float(n)]), torch.tensor([float(m)]))[0]


def input_stats(t: torch.Tensor) -> dict:
    """Host-side summary of an op or module input, for the non-finite origin report (CPU path or rare events): its
    own dtype (a float16 input was reported as the float32 it is summarised in)."""
    dtype = str(t.dtype).replace("torch.", "")
    t = _as_float(t)
    if t.numel() == 0:
        return {"shape": list(t.shape), "dtype": dtype, "numel": 0}
    finite = torch.isfinite(t)
    fin = t[finite]
    out = {
        "shape": list(t.shape),
        "dtype": dtype,
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


def change_sample(t: torch.Tensor, size: int, chunks: int) -> torch.Tensor:
    """``t`` flattened, or a fixed view of about ``size`` of its elements when it is larger: ``chunks``
    contiguous runs spread evenly over the tensor (the elements whose step-to-step change the collector and
    the debugger's change conditions compare). Runs rather than a stride: CPU kernels over an element
    stride take a slow path that cost 2.6x more per element (sub, norm and copy of the MLP's weights).
    ``chunks`` should be a prime: the runs start at multiples of ``numel // chunks``, which then is no
    multiple of a power-of-two row length, so they begin at varying columns of a weight matrix (256 runs
    over a 1024x1024 weight all began in its first 256 columns)."""
    flat = t.reshape(-1)
    n = flat.numel()
    if n <= size:
        return flat
    chunks = min(chunks, size)
    row = n // chunks
    return flat[: row * chunks].view(chunks, row)[:, : max(1, size // chunks)]


def histogram(t: torch.Tensor, bins: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """``(edges[bins+1], counts[bins])`` over the finite values of ``t``, without a host sync.

    On the CPU, where reading the range is free: one ``aminmax``, one scaled integer cast and a
    ``bincount`` (a tenth of the masked path's cost), over the finite values only if there are others.
    """
    t = _as_float(t).reshape(-1)
    if t.device.type == "cpu" and t.numel():
        mn, mx = torch.aminmax(t)
        lo, hi = float(mn), float(mx)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            t = t[torch.isfinite(t)]
            if not t.numel():
                return torch.zeros(bins + 1), torch.zeros(bins)
            lo, hi = (float(v) for v in torch.aminmax(t))
        width = max(hi - lo, abs(lo) * 1e-6, 1e-12)
        idx = torch.sub(t, lo).mul_(bins / width).to(torch.int64).clamp_(0, bins - 1)
        counts = torch.bincount(idx, minlength=bins).float()
        return torch.linspace(0, 1, bins + 1) * width + lo, counts
    finite = torch.isfinite(t)
    big = torch.finfo(t.dtype).max
    lo = torch.where(finite, t, big).amin()
    hi = torch.where(finite, t, -big).amax()
    hi = torch.maximum(hi, lo + 1e-12)
    idx = ((t - lo) / (hi - lo) * bins).clamp(0, bins - 1).nan_to_num(0).long()
    counts = torch.zeros(bins, device=t.device).index_add_(0, idx, finite.float())
    edges = torch.linspace(0, 1, bins + 1, device=t.device) * (hi - lo) + lo
    return edges, counts
