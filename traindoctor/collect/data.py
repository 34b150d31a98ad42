"""The data side: what each DataLoader is (the seed's "data graph") and what its batches hold."""
from __future__ import annotations

import hashlib
import heapq
import itertools
import math
import os
import re
import sys
from typing import Any

import numpy as np
import torch

#: Features (columns or channels) summarised one by one in a sampled batch; wider inputs are summarised whole.
MAX_FEATURES = 256
#: Input rows kept as examples for the dashboard's data panel, per sampled batch.
EXAMPLE_ROWS = 8


def describe_loader(loader: Any) -> dict[str, Any]:
    """Batch size, sampler, shuffle, drop_last, workers, and the dataset chain with its transforms."""
    sampler = getattr(loader, "sampler", None)
    batch_sampler = getattr(loader, "batch_sampler", None)
    sampler_name = type(sampler).__name__ if sampler is not None else None
    shuffle = None
    if sampler is not None:
        shuffle = isinstance(sampler, torch.utils.data.RandomSampler) or "Random" in sampler_name \
            or (sampler_name == "DistributedSampler" and bool(getattr(sampler, "shuffle", False)))
    info = {
        "batch_size": getattr(loader, "batch_size", None) or getattr(batch_sampler, "batch_size", None),
        "sampler": sampler_name,
        "batch_sampler": type(batch_sampler).__name__ if batch_sampler is not None else None,
        "shuffle": shuffle,
        "drop_last": bool(getattr(loader, "drop_last", False)),
        "num_workers": getattr(loader, "num_workers", 0),
        "pin_memory": bool(getattr(loader, "pin_memory", False)),
        "collate_fn": getattr(getattr(loader, "collate_fn", None), "__name__", None),
        "dataset": describe_dataset(getattr(loader, "dataset", None)),
    }
    weights = getattr(sampler, "weights", None)
    if torch.is_tensor(weights) and weights.dim() == 1:  # WeightedRandomSampler: it draws indices below its length
        info["sampler_weights"] = {"length": int(weights.numel()),
                                   "num_samples": getattr(sampler, "num_samples", None)}
    try:
        info["batches_per_epoch"] = len(loader)
    except TypeError:
        info["batches_per_epoch"] = None
    try:
        info["data_fingerprint"] = data_fingerprint(getattr(loader, "dataset", None))
    except Exception:  # an exotic dataset: no fingerprint, no comparison
        pass
    try:
        labels = dataset_labels(getattr(loader, "dataset", None))
        if labels is not None:
            info["labels"] = labels
    except Exception:  # an exotic dataset: the sampled batches' labels only
        pass
    return info


#: Label tensors summarised whole when a loader is first met (one pass, once per loader), up to this size.
DATASET_LABELS_MAX = 1 << 24


def dataset_labels(ds: Any) -> dict[str, Any] | None:
    """The labels of a whole in-memory dataset (a TensorDataset's last tensor, through Subsets), summarised as a
    batch's are: class counts, or mean and spread. The sampled batches stand for them badly where the data are
    sorted and not shuffled (the first batches of each epoch: one class, or a narrow band of targets)."""
    ds, idx = _through_subsets(ds)
    tensors = getattr(ds, "tensors", None)
    if not isinstance(tensors, (tuple, list)) or len(tensors) < 2 or not torch.is_tensor(tensors[-1]):
        return None
    y = tensors[-1]
    if y.numel() > DATASET_LABELS_MAX or y.device.type != "cpu":
        return None
    if idx is not None:
        y = y[torch.from_numpy(idx)]
    out = _label_summary(y)
    out.pop("sequence", None)  # the order is the sampler's, not the dataset's
    return out


def _through_subsets(ds: Any) -> tuple[Any, np.ndarray | None]:
    """The innermost dataset under Subsets (random_split) and the indices of it that they keep (None: all)."""
    idx = None
    for _ in range(8):
        if not (hasattr(ds, "indices") and hasattr(ds, "dataset")):
            break
        own = np.asarray(ds.indices, dtype=np.int64)
        idx = own if idx is None else own[idx]
        ds = ds.dataset
    return ds, idx


def data_fingerprint(ds: Any) -> str | None:
    """Which samples a dataset holds, as a short key: the innermost dataset (a TensorDataset by its tensors'
    memory, another by its identity) and, through Subsets (random_split), the indices it keeps. Two loaders
    with one key read the same samples: a validation loader built on the training set."""
    if ds is None:
        return None
    ds, idx = _through_subsets(ds)
    tensors = getattr(ds, "tensors", None)
    base = tuple(t.data_ptr() for t in tensors if torch.is_tensor(t)) if isinstance(tensors, (tuple, list)) \
        else (type(ds).__name__, id(ds))
    h = hashlib.sha1(repr(base).encode())
    if idx is not None:
        h.update(np.sort(idx).tobytes())
    return h.hexdigest()[:16]


def describe_dataset(ds: Any, depth: int = 0) -> dict[str, Any] | None:
    if ds is None or depth > 6:
        return None
    out: dict[str, Any] = {"class": type(ds).__name__, "module": type(ds).__module__}
    try:
        out["length"] = len(ds)
    except Exception:
        out["length"] = None
    for attr in ("transform", "transforms", "target_transform", "pre_transform"):
        t = getattr(ds, attr, None)
        if t is not None and not isinstance(t, (int, float, str)):
            out[attr] = describe_transform(t)
    tensors = getattr(ds, "tensors", None)
    if isinstance(tensors, (tuple, list)) and tensors and all(torch.is_tensor(t) for t in tensors):
        out["tensors"] = [{"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")} for t in tensors]
    if hasattr(ds, "indices") and hasattr(ds, "dataset"):
        out["subset_size"] = len(ds.indices)
    inner = getattr(ds, "dataset", None)
    if inner is not None and inner is not ds:
        out["wraps"] = describe_dataset(inner, depth + 1)
    parts = getattr(ds, "datasets", None)
    if isinstance(parts, (list, tuple)):
        out["parts"] = [describe_dataset(p, depth + 1) for p in parts[:8]]
    encodings = _encodings(ds)
    if encodings:
        out["encodings"] = encodings
    arrays = _arrays(ds)
    if arrays:
        out["arrays"] = arrays
    return out


def _own_attrs(ds: Any, most: int = 64) -> list[tuple[str, Any]]:
    """A dataset's own public attributes (its first ``most``), for the descriptions that read them."""
    try:
        attrs = list(vars(ds).items())
    except TypeError:  # no __dict__ (slots, a C type)
        return []
    return [(k, v) for k, v in attrs[:most] if not k.startswith("_")]


def _arrays(ds: Any) -> dict[str, list[int]]:
    """The shapes of the tensors and arrays a dataset holds as its own attributes (``self.X``, ``self.y``): a
    ``__len__`` that returns ``self.X.shape[1]`` makes the loader read 64 samples of 1347 (probe L f03)."""
    out = {}
    for name, v in _own_attrs(ds):
        if name == "tensors":
            continue
        if (torch.is_tensor(v) or isinstance(v, np.ndarray)) and v.ndim >= 1:
            out[name] = [int(d) for d in v.shape]
        if len(out) >= 8:
            break
    return out


#: a dataset's string-to-id tables (a vocabulary, class_to_idx) described by their first keys in sorted order
ENCODING_SAMPLE = 64
ENCODING_MAX = 5_000_000


def _encodings(ds: Any) -> dict[str, dict[str, Any]]:
    """The dataset's own tables from strings to integer ids (``self.vocab = {word: id}``, ``class_to_idx``): their
    size, identity and the ids of their first ``ENCODING_SAMPLE`` keys in sorted order, so that a training and an
    evaluation dataset that each built their own table (the ids of the same words differ) can be told from two
    that share one."""
    out = {}
    for name, v in _own_attrs(ds):
        if not isinstance(v, dict) or not 2 <= len(v) <= ENCODING_MAX:
            continue
        head = list(itertools.islice(v.items(), 20))
        if not all(isinstance(k, str) and isinstance(i, int) and not isinstance(i, bool) for k, i in head):
            continue
        keys = heapq.nsmallest(ENCODING_SAMPLE, (k for k in v if isinstance(k, str)))
        out[name] = {"size": len(v), "id": id(v), "sample": [[k, v[k]] for k in keys if isinstance(v[k], int)]}
    return out


def describe_transform(t: Any) -> Any:
    steps = getattr(t, "transforms", None)
    if isinstance(steps, (list, tuple)):
        return [describe_transform(s) for s in steps]
    name = type(t).__name__ if not callable(t) or hasattr(t, "__dict__") and not _is_function(t) else getattr(t, "__name__", type(t).__name__)
    params = {}
    for k, v in list(getattr(t, "__dict__", {}).items())[:12]:
        if k.startswith("_"):
            continue
        if isinstance(v, (int, float, str, bool)) or v is None:
            params[k] = v
        elif isinstance(v, (list, tuple)) and len(v) <= 8 and all(isinstance(e, (int, float)) for e in v):
            params[k] = list(v)
        elif torch.is_tensor(v) and v.numel() <= 8:
            params[k] = v.detach().flatten().tolist()
    return {"name": name, "params": params} if params else {"name": name}


def _is_function(obj: Any) -> bool:
    return type(obj).__name__ in ("function", "builtin_function_or_method", "method")


def split_batch(batch: Any) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """Find the input tensor and the label tensor in a batch of the usual shapes."""
    tensors: list[torch.Tensor] = []
    if torch.is_tensor(batch):
        return batch, None
    if isinstance(batch, dict):
        for key in ("input", "inputs", "x", "image", "images", "pixel_values", "input_ids", "data", "features"):
            if key in batch and torch.is_tensor(batch[key]):
                x = batch[key]
                break
        else:
            x = next((v for v in batch.values() if torch.is_tensor(v) and v.dim() >= 2), None)
        y = next((batch[k] for k in ("label", "labels", "y", "target", "targets")
                  if k in batch and torch.is_tensor(batch[k])), None)
        return x, y
    if isinstance(batch, (list, tuple)):
        tensors = [b for b in batch if torch.is_tensor(b)]
        if not tensors:
            return None, None
        x = tensors[0]
        y = tensors[1] if len(tensors) > 1 else None
        return x, y
    return None, None


def batch_summary(x: torch.Tensor | None, y: torch.Tensor | None, examples: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if x is not None:
        out["x"] = _input_summary(x, examples)
    if y is not None:
        out["y"] = _label_summary(y)
    return out


def _input_summary(x: torch.Tensor, examples: bool) -> dict[str, Any]:
    x = x.detach()
    info: dict[str, Any] = {"shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", "")}
    if x.numel() == 0:
        return info
    xf = x.float()
    finite = torch.isfinite(xf)
    n_nan = int(torch.isnan(xf).sum())
    n_inf = int(torch.isinf(xf).sum())
    fin = xf[finite]
    info.update(nan=n_nan, inf=n_inf, numel=x.numel())
    if fin.numel():
        info.update(mean=float(fin.mean()), std=float(fin.std()) if fin.numel() > 1 else 0.0,
                    min=float(fin.min()), max=float(fin.max()),
                    integer_frac=float((fin == fin.round()).float().mean()),
                    distinct=int(torch.unique(fin[:100000]).numel()))
    if not x.is_floating_point():
        info["integer_dtype"] = True
    # Per feature: columns of a table, channels of an image or sequence.
    if x.dim() >= 2 and x.is_floating_point():
        feat = xf.transpose(0, 1).reshape(x.shape[1], -1) if x.dim() > 2 else xf.t()
        if feat.shape[0] <= MAX_FEATURES:
            fmask = torch.isfinite(feat)
            cnt = fmask.sum(1).clamp_min(1)
            fz = torch.where(fmask, feat, torch.zeros_like(feat))
            mean = fz.sum(1) / cnt
            var = (torch.where(fmask, (feat - mean[:, None]) ** 2, torch.zeros_like(feat)).sum(1) / cnt)
            big = torch.finfo(torch.float32).max
            info["per_feature"] = {
                "axis": 1,
                "mean": _floats(mean), "std": _floats(var.sqrt()),
                "min": _floats(torch.where(fmask, feat, big).amin(1)),
                "max": _floats(torch.where(fmask, feat, -big).amax(1)),
                "missing": (~fmask).sum(1).tolist(),
                "sentinel": _sentinel_counts(feat),
            }
    if examples:
        info["examples"] = _examples(xf)
    return info


def _sentinel_counts(feat: torch.Tensor) -> list[int]:
    """Per feature, how many values are a typical missing-value placeholder (-999, -9999, -1e9 ...)."""
    s = torch.zeros(feat.shape[0], dtype=torch.long)
    for v in (-999.0, -9999.0, -99999.0, 999999.0, -1e9, 1e9):
        s += (feat == v).sum(1).cpu()
    return s.tolist()


def _floats(t: torch.Tensor) -> list[float]:
    return [float(v) if math.isfinite(v) else None for v in t.cpu().tolist()]


def _examples(xf: torch.Tensor) -> dict[str, Any]:
    rows = xf[:EXAMPLE_ROWS].cpu()
    if rows.dim() == 4 and rows.shape[1] in (1, 3):  # images N, C, H, W
        h, w = rows.shape[2], rows.shape[3]
        if h > 64 or w > 64:
            rows = torch.nn.functional.interpolate(rows, size=(min(h, 64), min(w, 64)), mode="area")
        return {"type": "image", "data": [[[round(v, 4) for v in r] for r in img.tolist()] for img in
                                         rows.reshape(rows.shape[0], rows.shape[1], -1)],
                "shape": list(rows.shape)}
    if rows.dim() == 3 and rows.shape[1] <= 64 and rows.shape[2] <= 64:  # single-channel images N, H, W
        return {"type": "image", "data": [[[round(v, 4) for v in img.reshape(-1).tolist()]] for img in rows],
                "shape": [rows.shape[0], 1, rows.shape[1], rows.shape[2]]}
    flat = rows.reshape(rows.shape[0], -1)[:, :64]
    return {"type": "table", "data": [[round(v, 5) if math.isfinite(v) else None for v in r] for r in flat.tolist()]}


def _label_summary(y: torch.Tensor) -> dict[str, Any]:
    y = y.detach()
    info: dict[str, Any] = {"shape": list(y.shape), "dtype": str(y.dtype).replace("torch.", "")}
    if y.numel() == 0:
        return info
    # a binary task's 0/1 float labels (BCE targets, (N,) or (N, 1)) are classes too: a baseline, an imbalance
    binary = y.is_floating_point() and (y.dim() == 1 or y.dim() == 2 and y.shape[1] == 1) and \
        bool(((y == 0) | (y == 1)).all())
    if binary:
        y = y.reshape(-1).long()
    if not y.is_floating_point() and y.dim() == 1 and int(y.min()) >= 0 and int(y.max()) < 100000:
        counts = torch.bincount(y.cpu().long())
        info["counts"] = {str(i): int(c) for i, c in enumerate(counts.tolist()) if c}
        info["sequence"] = y.cpu().tolist()[:512]
    else:
        yf = y.float()
        info.update(mean=float(yf.mean()), std=float(yf.std()) if yf.numel() > 1 else 0.0,
                    min=float(yf.min()), max=float(yf.max()),
                    integer_frac=float((yf == yf.round()).float().mean()))
    return info


def caller_name_of(obj: Any, depth: int = 2) -> str | None:
    """The variable name a caller's frame binds to ``obj`` (``train_loader``, ``model``), if any."""
    try:
        f = sys._getframe(depth)
    except ValueError:
        return None
    for _ in range(6):
        if f is None:
            break
        for scope in (f.f_locals, f.f_globals):
            for k, v in scope.items():
                if v is obj and not k.startswith("_"):
                    return k
        f = f.f_back
    return None


#: The words a script's names give its inputs and its labels, and the split marks around them (``X_val``,
#: ``y_val``; ``Xte``, ``yte``; ``val_inputs``, ``val_labels``).
_INPUT_WORDS = ("inputs", "input", "features", "feats", "images", "imgs", "x")
_LABEL_WORDS = ("labels", "label", "targets", "target", "y")
_NOT_LABELS = ("pred", "hat", "out", "logit", "prob", "score", "guess")
# "v" alone (Xv, yv) is validation; "t" alone is left unread: Xt is as often a test set or a transformed X as a
# training set
_SPLIT_MARKS = {"v": "eval", "va": "eval", "val": "eval", "valid": "eval", "validation": "eval", "dev": "eval",
                "holdout": "eval", "eval": "eval", "te": "test", "test": "test", "tst": "test", "tr": "train",
                "train": "train", "trn": "train"}


def _split_key(name: str, words: tuple[str, ...]) -> str | None:
    """What ``name`` says besides its input or label word (``X_val`` -> ``_val``), or None without one."""
    n = name.lower()
    for w in words:
        if len(w) == 1:  # a lone x or y: at the start or the end of the name
            if n.startswith(w):
                return n[1:]
            if n.endswith(w):
                return n[:-1]
        elif w in n:
            return n.replace(w, "", 1)
    return None


def _split_role(key: str | None) -> str | None:
    """The split a name's remainder marks: ``_val``, ``va``, ``te_np``, ``_test2``."""
    if key is None:
        return None
    for part in re.split(r"[\W\d_]+", key):
        if part in _SPLIT_MARKS:
            return _SPLIT_MARKS[part]
    return role_from_name(key)


def _scoped_role(key: str | None, scope: dict[str, Any], words: tuple[str, ...]) -> str | None:
    """``_split_role``, and a lone ``t`` (``Xt``, ``yt``) read as training where the same scope names a ``v``
    beside it (``Xv``, ``yv``): a pair of training and validation tensors."""
    role = _split_role(key)
    if role is None and key == "t" and any(_split_key(k, words) == "v" for k in list(scope)):
        return "train"
    return role


def split_of_target(target: torch.Tensor) -> str | None:
    """The split a loss's target tensor is, by its name in the script's frames (``y_val``; ``yt`` beside ``yv``):
    for a regression evaluated on whole tensors (``mse_loss(model(Xt), yt)`` then ``mse_loss(model(Xv), yv)``
    in one ``no_grad`` block), whose two calls were pooled into one evaluation."""
    for f in _user_frames():
        for scope in (f.f_locals, f.f_globals):
            for k, v in list(scope.items()):
                if k.startswith("_") or not _same_data(v, target) or any(w in k.lower() for w in _NOT_LABELS):
                    continue
                role = _scoped_role(_split_key(k, _LABEL_WORDS), scope, _LABEL_WORDS)
                if role:
                    return role
    return None


def _same_data(v: Any, x: torch.Tensor) -> bool:
    """``v`` is ``x``, or the array whose memory ``x`` shares (``torch.from_numpy(X_test)``)."""
    if v is x:
        return True
    try:
        if isinstance(v, np.ndarray) and x.device.type == "cpu":
            return v.__array_interface__["data"][0] == x.data_ptr() and tuple(v.shape) == tuple(x.shape)
        if torch.is_tensor(v) and v.device == x.device and v.dtype == x.dtype:
            return v.data_ptr() == x.data_ptr() and v.shape == x.shape and v.stride() == x.stride()
    except (RuntimeError, TypeError, KeyError):
        pass
    return False


#: Where torch's and traindoctor's own frames come from (a script in a folder named torch is the user's).
_LIBRARY_DIRS = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep
                      for m in (torch, sys.modules[__name__.rsplit(".", 2)[0]]))


def _user_frames(limit: int = 4) -> list[Any]:
    """The script's frames nearest the current call, past torch's and traindoctor's own."""
    frames, f = [], sys._getframe(1)
    while f is not None and len(frames) < limit:
        fn = f.f_code.co_filename
        if not (fn.startswith(_LIBRARY_DIRS) or fn.startswith("<frozen")):
            frames.append(f)
        f = f.f_back
    return frames


def paired_labels(x: Any, n: int, classes: int, binary: bool = False) -> tuple[torch.Tensor, str] | None:
    """The labels a script keeps beside the whole tensor it evaluates a model on, and the split they are, for an
    accuracy computed by hand (``(model(X_val).argmax(1) == y_val).float().mean()``): no DataLoader and no loss
    function shows them to the collector.

    A label array pairs with the input by name (``X_val`` with ``y_val``, ``Xte`` with ``yte``) in the frame
    that ran the model, or the frames that called it (``evaluate(model, X_val, y_val)``). Where the input has
    no name (``model(X_val.to(device))``), the one label array of ``n`` rows whose name marks a split is taken.
    Labels must be ``n`` class ids in ``[0, classes)``, and the split must be named (``val``, ``test``,
    ``train``): ``xb``/``yb`` in a training loop (a distillation teacher's forward) pair with nothing. For a
    ``binary`` classifier, float 0/1 labels of shape ``(n,)`` or ``(n, 1)`` count too (returned as class ids)."""
    frames = _user_frames()
    if not frames:
        return None

    def labels_of(v: Any) -> torch.Tensor | None:
        if isinstance(v, np.ndarray) and v.dtype.kind in ("iuf" if binary else "iu") and v.ndim == 1 and len(v) == n:
            v = torch.from_numpy(v)
        if binary and torch.is_tensor(v) and v.is_floating_point() and v.shape in ((n,), (n, 1)):
            v = v.detach().reshape(n)
            return v.long() if bool(((v == 0) | (v == 1)).all()) else None
        if not torch.is_tensor(v) or v.is_floating_point() or v.dtype == torch.bool or v.dim() != 1 \
                or v.shape[0] != n:
            return None
        lo, hi = torch.aminmax(v)
        return v if int(lo) >= 0 and int(hi) < classes else None

    x_names: list[str] = []  # the input's names, nearest frame first
    role = None
    for f in frames:
        for scope in (f.f_locals, f.f_globals):
            for k, v in list(scope.items()):
                if not k.startswith("_") and _same_data(v, x):
                    x_names.append(k)
                    role = role or _scoped_role(_split_key(k, _INPUT_WORDS), scope, _INPUT_WORDS)
    for i, f in enumerate(frames):
        named: dict[str, torch.Tensor] = {}  # a local first, where it hides a global of its name
        for scope in (f.f_locals, f.f_globals):
            for k, v in list(scope.items()):
                if k in named or k.startswith("_") or _split_key(k, _LABEL_WORDS) is None or \
                        any(w in k.lower() for w in _NOT_LABELS):
                    continue
                y = labels_of(v)
                if y is not None:
                    named[k] = y
        found = list(named.items())
        if x_names:
            keys = {_split_key(k, _INPUT_WORDS) for k in x_names} - {None}
            pairs = [(k, y) for k, y in found if _split_key(k, _LABEL_WORDS) in keys]
            if len(pairs) == 1:
                k, y = pairs[0]
                r = role or _split_role(_split_key(k, _LABEL_WORDS)) or _role_of_object(y, frames[i + 1:])
                return (y, r) if r else None
        else:
            marked = [(k, y, _split_role(_split_key(k, _LABEL_WORDS))) for k, y in found]
            marked = [m for m in marked if m[2]]
            if len(marked) == 1:
                return marked[0][1], marked[0][2]
            if len(marked) > 1:
                return None
    return None


def _role_of_object(obj: Any, frames: list[Any]) -> str | None:
    """The split an outer frame's name for ``obj`` marks (``evaluate(model, X_val, y_val)`` seen inside)."""
    for f in frames:
        for scope in (f.f_locals, f.f_globals):
            for k, v in list(scope.items()):
                if v is obj and not k.startswith("_"):
                    r = _split_role(_split_key(k, _LABEL_WORDS))
                    if r:
                        return r
    return None


def role_from_name(name: str | None) -> str | None:
    if not name:
        return None
    n = name.lower()
    if "test" in n:
        return "test"
    if any(s in n for s in ("val", "valid", "dev", "eval", "holdout")):
        return "eval"
    if "train" in n:
        return "train"
    return None
