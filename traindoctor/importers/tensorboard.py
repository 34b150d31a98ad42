"""TensorBoard event files (``events.out.tfevents.*``) as a traindoctor run.

Reads what ``torch.utils.tensorboard``, ``tensorboardX`` and TensorFlow write:
scalars (``simple_value`` and TF2 scalar tensors), histograms (``HistogramProto``
and TF2 ``[k, 3]`` histogram tensors), images, text and the hparams plugin's
session start. As in TensorBoard, every directory that holds event files is one
run; its files are read in name (= creation time) order.

Our own framing and message classes are used rather than TensorBoard's loader:
it verifies every CRC, reports damage with the file and offset, and
``benchmarks/import_bench.py`` measures it against ``EventAccumulator``.
"""
from __future__ import annotations

import glob
import os
import struct
from typing import Any

import numpy as np

from . import _proto
from ._imported import ImportedRun, array_summary, canonical_tag, dirs_with
from ._tfrecord import RecordFile

SOURCE = "tensorboard"
_TF_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8, 9: np.int64,
              10: np.bool_, 17: np.uint16, 19: np.float16, 22: np.uint32, 23: np.uint64}
_VAL_FIELDS = ("float_val", "double_val", "int_val", "int64_val", "bool_val", "half_val", "uint32_val", "uint64_val")
#: A sub-directory this small may be an ``add_hparams`` run whose hparams belong to the parent.
HPARAMS_CHILD_MAX_BYTES = 1 << 20


_WALL = struct.Struct("<d").unpack_from
_FLOAT = struct.Struct("<f").unpack_from


def simple_scalar(p: bytes) -> tuple[bytes, int, float, float] | None:
    """``(tag, step, value, wall_time)`` of an ``Event`` that holds exactly one ``simple_value``, else None.

    ``SummaryWriter.add_scalar`` writes one such event per point, and they are
    nearly all of a large log. Decoding their fixed layout directly is several
    times faster than building protobuf objects; any other shape (metadata, several
    values, long tags) returns None and goes through the message classes.
    Layout: ``09 wall(8) [10 step(varint)] 2a len 0a len 0a taglen tag 15 value(4)``.
    """
    try:
        if p[0] != 0x09:
            return None
        i, step = 9, 0
        if p[9] == 0x10:
            i, shift = 10, 0
            while True:
                b = p[i]
                i += 1
                step |= (b & 0x7F) << shift
                if b < 0x80:
                    break
                shift += 7
                if shift > 63:
                    return None
            if step >= 1 << 63:
                step -= 1 << 64
        n = len(p)
        if p[i] != 0x2A or p[i + 1] + i + 2 != n or p[i + 2] != 0x0A or p[i + 3] + i + 4 != n \
                or p[i + 4] != 0x0A:
            return None  # (a length byte >= 0x80 is a longer varint: it fails the sums above)
        j = i + 6 + p[i + 5]
        if p[i + 5] >= 0x80 or j + 5 != n or p[j] != 0x15:
            return None
        return p[i + 6:j], step, _FLOAT(p, j + 1)[0], _WALL(p, 1)[0]
    except IndexError:
        return None


def _is_event_file(name: str) -> bool:
    return "tfevents" in name and not name.endswith((".tmp", ".lock"))


def event_files(path: str) -> list[str]:
    if os.path.isfile(path):
        return [path] if _is_event_file(os.path.basename(path)) else []
    return sorted(p for p in glob.glob(os.path.join(glob.escape(path), "*tfevents*"))
                  if os.path.isfile(p) and _is_event_file(os.path.basename(p)))


def probe(path: str) -> bool:
    return bool(event_files(path))


def list_runs(logdir: str) -> list[str]:
    return dirs_with(logdir, _is_event_file)


def tensor_to_array(t: Any) -> np.ndarray:
    """A TF ``TensorProto`` as a numpy array (strings as a list of bytes in an object array)."""
    shape = [d.size for d in t.tensor_shape.dim]
    if t.dtype == 7:  # DT_STRING
        return np.array(list(t.string_val), dtype=object).reshape(shape or ())
    dtype = _TF_DTYPES.get(t.dtype)
    if dtype is None:
        raise ValueError(f"tensor dtype {t.dtype} not supported")
    if t.tensor_content:
        arr = np.frombuffer(t.tensor_content, dtype=dtype)
    else:
        vals: Any = []
        for f in _VAL_FIELDS:
            vals = getattr(t, f)
            if len(vals):
                break
        arr = np.asarray(vals, dtype=np.uint16).view(np.float16) if t.dtype == 19 else np.asarray(vals, dtype)
        n = int(np.prod(shape)) if shape else 1
        if len(arr) == 1 and n > 1:  # TF stores a splat of one repeated value
            arr = np.repeat(arr, n)
    return arr.reshape(shape or ())


class TensorBoardRun(ImportedRun):
    """One directory of TensorBoard event files."""

    source = SOURCE

    def __init__(self, path: str, name: str | None = None) -> None:
        path = os.path.abspath(path)
        self._source_path = path  # a directory, or a single event file
        if os.path.isfile(path):
            path = os.path.dirname(path)
        super().__init__(path, name or os.path.basename(path.rstrip("/")))
        m = _proto.load("tensorboard.proto")
        self._Event, self._HParams = m["Event"], m["HParamsPluginData"]
        self._files: dict[str, RecordFile] = {}
        self._plugin: dict[str, str] = {}  # TF2 writes a tag's metadata only with its first value
        self._tag_bytes: dict[bytes, int] = {}  # the fast path's tag → index, without decoding each time
        self.refresh()

    def refresh(self) -> bool:
        new = False
        for p in event_files(self._source_path):
            rf = self._files.get(p)
            if rf is None:
                rf = self._files[p] = RecordFile(p, self.warnings.append)
            tag_index = self._tag_bytes
            tags, s_tag, s_step = self._scalar_tags, self._s_tag, self._s_step
            s_value, s_wall = self._s_value, self._s_wall
            for payload in rf.read():
                new = True
                fast = simple_scalar(payload)
                if fast is None:
                    self._event(payload, rf)
                    continue
                raw, step, value, wall = fast
                idx = tag_index.get(raw)
                if idx is None:
                    name = raw.decode("utf-8", "replace")
                    idx = tag_index[raw] = tags.setdefault(name, len(tags))
                s_tag.append(idx)
                s_step.append(step)
                s_value.append(value)
                s_wall.append(wall)
        if new and not self.events("hparams"):
            self._hparams_from_children()
        if new:
            self.changed()
        return new

    def _hparams_from_children(self) -> None:
        """``SummaryWriter.add_hparams`` writes into a new sub-directory: take the hparams from there."""
        if not os.path.isdir(self._source_path):
            return
        for entry in sorted(os.scandir(self.path), key=lambda e: e.name):
            if not entry.is_dir():
                continue
            files = event_files(entry.path)
            if not files or sum(os.path.getsize(f) for f in files) > HPARAMS_CHILD_MAX_BYTES:
                continue
            child = TensorBoardRun(entry.path)
            for ev in child.events("hparams"):
                self.add_event({**ev, "from_run": entry.name})
                self._meta["hparams"] = {**self._meta.get("hparams", {}), **child.meta.get("hparams", {})}

    def _event(self, payload: bytes, rf: RecordFile) -> None:
        try:
            ev = self._Event.FromString(payload)
        except Exception as exc:  # a record that verified but does not parse: say so, go on
            self.warnings.append(f"{rf.path}: record before offset {rf.offset} is not an Event ({exc})")
            return
        what = ev.WhichOneof("what")
        if what != "summary":
            if what == "file_version":
                self._meta.setdefault("start_time", ev.wall_time)
                self._meta.setdefault("file_version", ev.file_version)
            elif what == "graph_def":
                self._meta["graph_def_bytes"] = len(ev.graph_def)
            return
        step, wall = ev.step, ev.wall_time
        for v in ev.summary.value:
            kind = v.WhichOneof("value")
            if kind == "simple_value":
                self.add_scalar(v.tag, step, v.simple_value, wall)
                continue
            tag = v.tag
            if v.HasField("metadata") and v.metadata.plugin_data.plugin_name:
                self._plugin[tag] = v.metadata.plugin_data.plugin_name
            try:
                if self._plugin.get(tag) == "hparams":  # metadata only, no value (torch, tensorboardX)
                    self._hparams(v.metadata.plugin_data.content, step)
                elif kind == "histo":
                    self._histo(tag, step, v.histo)
                elif kind == "tensor":
                    self._tensor(tag, step, wall, v)
                elif kind == "image":
                    self.add_image(tag, step, v.image.width, v.image.height, v.image.colorspace,
                                   v.image.encoded_image_string)
            except Exception as exc:
                self.warnings.append(f"{rf.path}: value {tag!r} at step {step} could not be read ({exc})")

    def _histo(self, tag: str, step: int, h: Any) -> None:
        limits = np.asarray(h.bucket_limit, np.float64)
        counts = np.asarray(h.bucket, np.float64)
        nonzero = np.nonzero(counts)[0]
        if len(nonzero) == 0:
            return
        # Bucket i holds (limit[i-1], limit[i]]. TensorFlow's default limits run from -DBL_MAX to
        # DBL_MAX, so the empty outer buckets are dropped and the outer edges are the min and max.
        lo, hi = nonzero[0], nonzero[-1] + 1
        limits, counts = limits[lo:hi].copy(), counts[lo:hi]
        if np.isfinite(h.max):
            limits[-1] = max(min(limits[-1], h.max), limits[-2] if len(limits) > 1 else h.min)
        edges = np.concatenate([[min(h.min, limits[0])], limits])
        self.add_histogram(tag, step, edges, counts, numel=h.num, vmin=h.min, vmax=h.max, vsum=h.sum,
                           sum_sq=h.sum_squares, nonfinite=0.0 if np.isfinite(h.sum) else float("nan"))

    def _tensor(self, tag: str, step: int, wall: float, v: Any) -> None:
        plugin = self._plugin.get(tag, "")
        arr = tensor_to_array(v.tensor)
        if plugin == "scalars" or (not plugin and arr.size == 1 and arr.dtype != object):
            self.add_scalar(tag, step, float(arr.reshape(-1)[0]), wall)
        elif plugin == "histograms" and arr.ndim == 2 and arr.shape[1] == 3:
            a = arr.astype(np.float64)
            if len(a) == 0:
                return
            edges = np.concatenate([a[:, 0], a[-1:, 1]])
            counts = a[:, 2]
            self.add_histogram(tag, step, edges, counts, numel=float(counts.sum()), vmin=float(a[0, 0]),
                               vmax=float(a[-1, 1]), vsum=None, sum_sq=None, nonfinite=0.0)
        elif plugin == "images" and arr.dtype == object and arr.size >= 3:  # [width, height, png...]
            flat = arr.reshape(-1)
            self.add_image(tag, step, int(flat[0]), int(flat[1]), 0, flat[2])
        elif plugin == "text" or arr.dtype == object:
            text = "\n".join(x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)
                             for x in arr.reshape(-1))
            self.add_event({"kind": "text", "tag": tag, "step": step, "text": text})
        else:
            self.add_event({"kind": "tensor", "tag": tag, "step": step, "plugin": plugin, "shape": list(arr.shape),
                            "dtype": str(arr.dtype), **array_summary(arr)})

    def _hparams(self, content: bytes, step: int) -> None:
        data = self._HParams.FromString(content)
        if data.WhichOneof("data") != "session_start_info":
            return
        hp: dict[str, Any] = {}
        for k, val in data.session_start_info.hparams.items():
            which = val.WhichOneof("kind")
            hp[k] = getattr(val, which) if which in ("number_value", "string_value", "bool_value") else None
        ev: dict[str, Any] = {"kind": "hparams", "optimizer": 0, "group": 0, "step": step, "source": SOURCE}
        for k, val in hp.items():  # the user's names must not overwrite the event's own keys
            ev[("optimizer_class" if k == "optimizer" else f"hparam_{k}") if k in ev else k] = val
        for k, val in hp.items():
            if canonical_tag(k) == "opt0/group0/lr" and isinstance(val, (int, float)):
                ev["lr"] = float(val)
        self._meta["hparams"] = {**self._meta.get("hparams", {}), **hp}
        self.add_event(ev)


def open_run(path: str) -> TensorBoardRun:
    """A directory of event files, or one event file (then only that file is read)."""
    return TensorBoardRun(path)
