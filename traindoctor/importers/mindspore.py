"""MindSpore summary directories (``SummaryCollector`` / ``SummaryRecord`` output) as a traindoctor run.

Files: ``events.out.events.summary.<time>.<device>.<host>_MS`` (``Event``: scalars,
images, tensors, histograms, the computational graph), ``..._lineage``
(``LineageEvent``: train/evaluation lineage, dataset graph, user-defined info) and
``..._explain`` (explanations: counted, not interpreted). What becomes what:

* ``loss/auto`` (SummaryCollector's loss) → ``train/loss``; other scalars keep their
  tag and get the checks' name when the tag clearly says what it is;
* ``<param>/auto`` histograms (``histogram_regular``) → ``weight`` histograms and
  ``weight`` table rows (count, min, max, sum and the NaN/Inf counts are exact;
  std and norm are estimated from bucket centres: MindSpore stores no sum of squares);
* the graph (graph mode only: PyNative runs have none) → a ``model`` event (cells,
  their classes and parameters, ``requires_grad`` = updated by an optimizer op) and a
  ``graph`` event (forward op counts, divisions, optimizer and loss-function cells);
* train lineage → an ``hparams`` event (``lr``, optimizer, loss function, epochs,
  batch size, dataset size...) and ``meta["hparams"]``; evaluation lineage → ``eval/*``
  scalars at its step.
"""
from __future__ import annotations

import glob
import json
import os
import time
from collections import Counter
from typing import Any

import numpy as np

from ..record.reader import STALE_AFTER
from . import _proto
from ._imported import ImportedRun, activation_kind, array_summary, canonical_tag, dirs_with
from ._tfrecord import RecordFile

SOURCE = "mindspore"
_MARK = "events.out.events.summary."
_SUFFIXES = ("_MS", "_lineage", "_explain")
#: MindSpore anf_ir DataType → numpy.
_MS_DTYPES = {1: np.bool_, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.uint8, 7: np.uint16,
              8: np.uint32, 9: np.uint64, 10: np.float16, 11: np.float32, 12: np.float64}


def summary_files(path: str) -> list[str]:
    if os.path.isfile(path):
        return [path] if _is_summary(os.path.basename(path)) else []
    return sorted(p for p in glob.glob(os.path.join(glob.escape(path), _MARK + "*"))
                  if _is_summary(os.path.basename(p)) and os.path.isfile(p))


def _is_summary(name: str) -> bool:
    return name.startswith(_MARK) and name.endswith(_SUFFIXES)


def probe(path: str) -> bool:
    return bool(summary_files(path))


def list_runs(logdir: str) -> list[str]:
    return dirs_with(logdir, _is_summary)


def open_run(path: str) -> "MindSporeRun":
    return MindSporeRun(os.path.dirname(path) if os.path.isfile(path) else path)


def tensor_to_array(t: Any) -> np.ndarray:
    dtype = _MS_DTYPES.get(t.data_type)
    if dtype is None:
        raise ValueError(f"tensor data type {t.data_type} not supported")
    if t.raw_data:
        arr = np.frombuffer(t.raw_data, dtype=dtype)
    else:
        for f in ("float_data", "double_data", "int32_data", "int64_data", "uint64_data"):
            if len(getattr(t, f)):
                arr = np.asarray(getattr(t, f)).astype(dtype)
                break
        else:
            arr = np.zeros(0, dtype)
    return arr.reshape(list(t.dims)) if list(t.dims) else arr.reshape(())


class MindSporeRun(ImportedRun):
    """One MindSpore summary directory."""

    source = SOURCE

    def __init__(self, path: str, name: str | None = None) -> None:
        path = os.path.abspath(path)
        super().__init__(path, name or os.path.basename(path.rstrip("/")))
        self._m = _proto.load("mindspore.proto")
        self._files: dict[str, RecordFile] = {}
        self._trained = False
        self._explain = 0
        self.refresh()

    def refresh(self) -> bool:
        new = False
        for p in summary_files(self.path):
            rf = self._files.get(p)
            if rf is None:
                rf = self._files[p] = RecordFile(p, self.warnings.append)
            lineage = p.endswith("_lineage")
            for payload in rf.read():
                new = True
                try:
                    if lineage:
                        self._lineage(self._m["LineageEvent"].FromString(payload))
                    else:
                        self._event(self._m["Event"].FromString(payload))
                except Exception as exc:  # verified but unreadable: say so, go on
                    self.warnings.append(f"{p}: record before offset {rf.offset} could not be read ({exc})")
        if new:
            self.changed()
        return new

    @property
    def status(self) -> str:
        if self._trained:
            return "finished"
        mtime = max((os.path.getmtime(p) for p in self._files if os.path.exists(p)), default=0.0)
        # no train lineage yet: still being written, or the training died (as TDRun decides it)
        return "running" if time.time() - mtime < STALE_AFTER else "crashed"

    # -- summary events ------------------------------------------------------
    def _event(self, ev: Any) -> None:
        what = ev.WhichOneof("what")
        if what == "version":
            self._meta.setdefault("start_time", ev.wall_time)
            self._meta.setdefault("file_version", ev.version)
        elif what == "graph_def":
            self._graph(ev.graph_def, ev.step)
        elif what == "explain":
            self._explain += 1
            self._meta["explain_records"] = self._explain
        elif what == "summary":
            for v in ev.summary.value:
                kind = v.WhichOneof("value")
                if kind == "scalar_value":
                    self.add_scalar(v.tag, ev.step, v.scalar_value, ev.wall_time)
                elif kind == "histogram":
                    self._histogram(v.tag, ev.step, v.histogram)
                elif kind == "image":
                    img = v.image
                    self.add_image(v.tag, ev.step, img.width, img.height, img.colorspace, img.encoded_image)
                elif kind == "tensor":
                    arr = tensor_to_array(v.tensor)
                    self.add_event({"kind": "tensor", "tag": v.tag, "step": ev.step, "shape": list(arr.shape),
                                    "dtype": str(arr.dtype), **array_summary(arr)})

    def _histogram(self, tag: str, step: int, h: Any) -> None:
        if not h.buckets:
            return
        lefts = np.array([b.left for b in h.buckets], np.float64)
        widths = np.array([b.width for b in h.buckets], np.float64)
        counts = np.array([b.count for b in h.buckets], np.float64)
        edges = np.concatenate([lefts, lefts[-1:] + widths[-1:]])
        nonfinite = float(h.nan_count + h.pos_inf_count + h.neg_inf_count)
        finite = float(h.count) - nonfinite
        self.add_histogram(tag, step, edges, counts, numel=float(h.count), vmin=h.min, vmax=h.max,
                           vsum=h.sum if finite > 0 else 0.0, sum_sq=None, nonfinite=nonfinite)

    def _graph(self, g: Any, step: int) -> None:
        cells: dict[str, str] = {}  # cell path in the backbone → class
        root_class = None
        ops: Counter = Counter()
        divisions = []
        optimizer = loss_fn = None
        updated: set[str] = set()
        used: set[str] = set()  # what the forward pass reads: the network's parameters, not optimizer state
        for node in g.node:
            segs = node.scope.split("/")
            if segs and segs[0] == "Gradients":
                continue
            for s in segs:
                if s.startswith("optimizer-"):
                    optimizer = s.split("-", 1)[1]
                elif s.startswith("_loss_fn-"):
                    loss_fn = s.split("-", 1)[1]
            if any(s.startswith("optimizer-") for s in segs):
                if node.op_type.startswith("Apply") or node.op_type in ("Adam", "AdamWeightDecay", "SGD", "Lamb"):
                    if node.input:
                        updated.add(node.input[0].name)
                continue
            used.update(i.name for i in node.input)
            path, cls = _backbone_path(segs)
            if cls is not None:
                root_class = root_class or cls[0]
                for name, klass in cls[1]:
                    cells.setdefault(name, klass)
            ops[node.op_type] += 1
            if node.op_type in ("Div", "RealDiv", "FloorDiv", "Reciprocal", "Log"):
                divisions.append({"op": node.op_type, "node": node.full_name or node.name, "cell": path})
        params = []
        for p in g.parameters:
            if p.name not in used or p.name.startswith("inputs"):  # graph inputs are the batch
                continue
            shape = [d.size for d in p.type.tensor_type.shape.dim]
            params.append({"name": p.name, "path": p.name, "shape": shape, "numel": int(np.prod(shape)) if shape else 1,
                           "requires_grad": (p.name in updated) if updated else True,
                           "dtype": _dtype_name(p.type.tensor_type.elem_type)})
        root = root_class or g.name
        modules: dict[str, dict[str, Any]] = {root: _module(root, "", root_class or "Cell", None)}
        for name in sorted(cells, key=lambda n: (n.count("."), n)):
            parent = name.rsplit(".", 1)[0] if "." in name else root
            modules[name] = _module(name, name, cells[name], parent)
        for p in params:
            owner = p["name"].rsplit(".", 1)[0] if "." in p["name"] else root
            modules.setdefault(owner, _module(owner, owner, "Cell", root))["params"].append(p)
        for name, m in modules.items():
            if m["parent"] in modules:
                modules[m["parent"]]["children"].append(name.rsplit(".", 1)[-1])
        total = sum(p["numel"] for p in params)
        self.add_event({"kind": "model", "root": root, "class": root_class or "Cell", "modules": list(modules.values()),
                        "step": step, "shared": [], "total_params": total,
                        "trainable_params": sum(p["numel"] for p in params if p["requires_grad"]),
                        "source": "mindspore graph"})
        self.add_event({"kind": "graph", "step": step, "name": g.name, "ops": dict(ops), "divisions": divisions,
                        "optimizer": optimizer, "loss_function": loss_fn, "nodes": len(g.node)})

    # -- lineage ---------------------------------------------------------------
    def _lineage(self, ev: Any) -> None:
        what = ev.WhichOneof("what")
        if what == "train_lineage":
            self._trained = True
            tl = ev.train_lineage
            hp = tl.hyper_parameters
            lineage = {"optimizer": hp.optimizer or None, "learning_rate": float(hp.learning_rate)
                       if hp.HasField("learning_rate") else None, "loss_function": hp.loss_function or None,
                       "epochs": hp.epoch if hp.HasField("epoch") else None, "batch_size": hp.batch_size
                       if hp.HasField("batch_size") else None, "parallel_mode": hp.parallel_mode or None,
                       "device_num": hp.device_num if hp.HasField("device_num") else None,
                       "train_dataset_size": tl.train_dataset.train_dataset_size
                       if tl.train_dataset.HasField("train_dataset_size") else None,
                       "train_dataset_path": tl.train_dataset.train_dataset_path or None,
                       "network": tl.algorithm.network or None,
                       "final_loss": float(tl.algorithm.loss) if tl.algorithm.HasField("loss") else None}
            lineage = {k: v for k, v in lineage.items() if v is not None}
            self._meta["hparams"] = {**self._meta.get("hparams", {}), **lineage}
            self._meta["end_time"] = ev.wall_time
            # "optimizer" in an hparams event is the optimizer's index (as the PyTorch collector writes it)
            named = {("optimizer_class" if k == "optimizer" else k): v for k, v in lineage.items()}
            ev_hp = {"kind": "hparams", "optimizer": 0, "group": 0, "step": ev.step, "source": "train lineage",
                     **named}
            if "learning_rate" in lineage:
                ev_hp["lr"] = lineage["learning_rate"]
            self.add_event(ev_hp)
        elif what == "evaluation_lineage":
            el = ev.evaluation_lineage
            metrics: dict[str, Any] = {}
            if el.metric:
                try:
                    metrics = json.loads(el.metric)
                except ValueError:
                    self.warnings.append(f"{self.path}: evaluation lineage metric is not JSON: {el.metric[:80]!r}")
            # SummaryCollector leaves the step of a model.eval after training at 0: it belongs after the last step
            step = ev.step or (max(self._s_step) if self._s_step else 0)
            for k, v in metrics.items():
                if isinstance(v, (int, float)):
                    canon = canonical_tag(f"eval/{k}")
                    self.add_scalar(canon or f"eval/{k}", step, float(v), ev.wall_time)
            info = {"metrics": metrics, "valid_dataset_size": el.valid_dataset.valid_dataset_size
                    if el.valid_dataset.HasField("valid_dataset_size") else None}
            self._meta.setdefault("hparams", {})["valid_dataset_size"] = info["valid_dataset_size"]
            self.add_event({"kind": "eval_lineage", "step": step, **info})
        elif what == "dataset_graph":
            from google.protobuf.json_format import MessageToDict

            graph = MessageToDict(ev.dataset_graph)
            self.add_event({"kind": "dataset_graph", "step": ev.step, "graph": graph})
            bs = _find_batch_size(graph)
            if bs is not None:
                self._meta.setdefault("hparams", {}).setdefault("batch_size", bs)
        elif what == "user_defined_info":
            from google.protobuf.json_format import MessageToDict

            self.add_event({"kind": "user_defined_info", "step": ev.step,
                            "info": MessageToDict(ev.user_defined_info)})


def _backbone_path(segs: list[str]) -> tuple[str, tuple[str, list[tuple[str, str]]] | None]:
    """``Default/network-WithLossCell/_backbone-Net/fc1-Dense`` → ``("fc1", ("Net", [("fc1", "Dense")]))``."""
    start = None
    for i, s in enumerate(segs):
        if s.startswith("_backbone-"):
            start = i
    if start is None:
        return "", None
    root = segs[start].split("-", 1)[1]
    names, cells = [], []
    for s in segs[start + 1:]:
        if "-" not in s:
            break
        name, klass = s.split("-", 1)
        names.append(name)
        cells.append((".".join(names), klass))
    return ".".join(names), (root, cells)


def _module(name: str, path: str, cls: str, parent: str | None) -> dict[str, Any]:
    return {"name": name, "path": path, "class": cls, "parent": parent, "training": True, "extra": "",
            "params": [], "activation_kind": activation_kind(cls), "children": []}


def _dtype_name(code: int) -> str:
    dt = _MS_DTYPES.get(code)
    return np.dtype(dt).name if dt is not None else str(code)


def _find_batch_size(graph: dict[str, Any]) -> int | None:
    params = graph.get("parameter", {})
    bs = params.get("mapInt", {}).get("batch_size")
    if bs is not None:
        return int(bs)
    for child in graph.get("children", []):
        found = _find_batch_size(child)
        if found is not None:
            return found
    return None
