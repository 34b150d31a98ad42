"""Reads traindoctor run directories, finished or still being written."""
from __future__ import annotations

import glob
import json
import os
import socket
import time
from typing import Any

import numpy as np

from . import format as fmt
from .run import (ACTIVATION_FIELDS, TENSOR_FIELDS, UPDATE_FIELDS, Histogram, Run, Series, Table, TensorSnapshot,
                  split_by_tag)

#: Seconds without a write after which an unfinished run on another host counts as crashed.
STALE_AFTER = 120.0


class _Stream:
    """One stream file and how far it has been read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = len(fmt.MAGIC)
        self.size = 0
        self.bad_magic = False
        self.reported: set[int] = set()


class TDRun(Run):
    """A run directory written by traindoctor's collectors."""

    source = "traindoctor"

    def __init__(self, path: str, name: str | None = None, rank: int | None = None) -> None:
        super().__init__(os.path.abspath(path), name or os.path.basename(os.path.abspath(path).rstrip("/")))
        self.rank = rank
        self._streams: dict[str, _Stream] = {}
        self._events: list[dict[str, Any]] = []
        self._scalar_blocks: list[tuple[list[str], dict[str, np.ndarray]]] = []
        self._table_blocks: dict[str, list[tuple[list[str], dict[str, np.ndarray]]]] = {}
        self._hist_blocks: list[tuple[list[str], list[str], dict[str, np.ndarray]]] = []
        self._snapshot_blocks: list[tuple[dict[str, Any], dict[str, np.ndarray]]] = []
        self._cache: dict[Any, Any] = {}
        self.dropped = 0
        self.refresh()

    # -- reading -------------------------------------------------------------
    def _stream_paths(self) -> list[str]:
        paths = sorted(glob.glob(os.path.join(self.path, "*" + fmt.STREAM_SUFFIX)))
        if self.rank is not None:
            paths = [p for p in paths if os.path.basename(p).startswith(f"rank{self.rank}")]
        return paths

    def refresh(self, final: bool | None = None) -> bool:
        changed = False
        for p in self._stream_paths():
            st = self._streams.get(p)
            if st is None:
                st = self._streams[p] = _Stream(p)
            try:
                size = os.path.getsize(p)
            except OSError:
                continue
            if size <= st.offset and st.size == size:
                continue
            st.size = size
            changed |= self._read_stream(st, bool(final))
        if final is None and any(st.offset < st.size for st in self._streams.values()) \
                and (self._ended() or self._writer_gone()):
            # The writer is gone: a partial record at the end is a torn tail, not one in progress.
            for st in self._streams.values():
                if st.offset < st.size:
                    changed |= self._read_stream(st, True)
        if changed:
            self._cache.clear()
        return changed

    def _read_stream(self, st: _Stream, final: bool) -> bool:
        with open(st.path, "rb") as f:
            if st.offset == len(fmt.MAGIC):
                head = f.read(len(fmt.MAGIC))
                if len(head) < len(fmt.MAGIC):
                    return False
                if head != fmt.MAGIC:
                    if not st.bad_magic:
                        self.warnings.append(f"{st.path}: not a traindoctor stream (bad magic at offset 0)")
                        st.bad_magic = True
                    return False
            if st.size <= st.offset:
                return False
            f.seek(st.offset)
            data = f.read()
        base = st.offset
        buf = memoryview(data)
        changed = False
        gen = fmt.scan(buf, 0, final)
        rank = _rank_of(st.path)
        while True:
            try:
                off, kind, payload = next(gen)
            except StopIteration as stop:
                st.offset = base + (stop.value if stop.value is not None else 0)
                break
            if kind is None:
                off += base
                if off not in st.reported:
                    st.reported.add(off)
                    msg = payload.replace(f"offset {off - base}", f"offset {off}")
                    self.warnings.append(f"{st.path}: {msg}")
                continue
            changed = True
            if kind == fmt.KIND_JSON:
                ev = json.loads(bytes(payload))
                ev.setdefault("rank", rank)
                self._add_event(ev, rank)
            else:
                table, attrs, cols = fmt.decode_block(payload)
                self._add_block(table, attrs, cols, rank)
        return changed

    def _add_event(self, ev: dict[str, Any], rank: int) -> None:
        if ev.get("kind") == "dropped":
            self.dropped = max(self.dropped, int(ev.get("count", 0)))
        self._events.append(ev)

    def _add_block(self, table: str, attrs: dict[str, Any], cols: dict[str, np.ndarray], rank: int) -> None:
        primary = self.rank if self.rank is not None else 0
        if table == "tensor":
            if rank == primary:
                self._snapshot_blocks.append((attrs, cols))
            return
        if rank != primary and table != "hist":
            self._table_blocks.setdefault(f"{table}@rank{rank}", []).append((attrs.get("keys") or attrs.get("tags") or [], cols))
            return
        if table == "scalars":
            self._scalar_blocks.append((attrs["tags"], cols))
        elif table == "hist":
            if rank == primary:
                self._hist_blocks.append((attrs["keys"], attrs["kinds"], cols))
        else:
            self._table_blocks.setdefault(table, []).append((attrs["keys"], cols, tuple(attrs["fields"])))

    # -- state ---------------------------------------------------------------
    def _ended(self) -> bool:
        return any(e.get("kind") == "end" for e in self._events)

    def _writer_gone(self) -> bool:
        meta = self.meta
        pid, host = meta.get("pid"), meta.get("hostname")
        if pid and host == socket.gethostname():
            try:
                os.kill(int(pid), 0)
                return False
            except ProcessLookupError:
                return True
            except PermissionError:
                return False
            except OSError:
                return True
        mtime = max((os.path.getmtime(p) for p in self._streams), default=0.0)
        return time.time() - mtime > STALE_AFTER

    @property
    def meta(self) -> dict[str, Any]:
        for e in self._events:
            if e.get("kind") == "meta":
                return e
        return {}

    @property
    def status(self) -> str:
        end = self.event("end")
        if end:
            return end.get("status", "finished")
        if not self._events:
            return "crashed" if self._writer_gone() else "running"
        return "crashed" if self._writer_gone() else "running"

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        if kind is None:
            return list(self._events)
        key = ("events", kind)
        if key not in self._cache:
            self._cache[key] = [e for e in self._events if e.get("kind") == kind]
        return self._cache[key]

    def records(self) -> set[str]:
        have = set()
        if len(self.scalar("train/loss")):
            have.add("loss")
        if any(t.startswith("eval/") for t in self.scalar_tags()):
            have.add("eval")
        for t in ("weight", "grad", "update", "activation"):
            if self._table_blocks.get(t):
                have.add(t)
        if self._hist_blocks:
            have.add("histogram")
        if self._snapshot_blocks:
            have.add("tensor")
        kinds = {e.get("kind") for e in self._events}
        for k, fam in (("batch", "batch"), ("model", "graph"), ("opgraph", "opgraph"),
                       ("dataloader", "dataloader"), ("optimizer", "optimizer"), ("loss_call", "loss_call")):
            if k in kinds:
                have.add(fam)
        return have

    # -- scalars ---------------------------------------------------------------
    def _scalars(self) -> dict[str, Series]:
        if "scalars" in self._cache:
            return self._cache["scalars"]
        names: dict[str, int] = {}
        steps, tags, values, walls = [], [], [], []
        for btags, cols in self._scalar_blocks:
            remap = np.array([names.setdefault(t, len(names)) for t in btags], np.int32)
            steps.append(cols["step"])
            tags.append(remap[cols["tag"]] if len(remap) else cols["tag"])
            values.append(cols["value"])
            walls.append(cols["wall"])
        out: dict[str, Series] = {}
        if steps:
            out = split_by_tag(np.concatenate(steps), np.concatenate(tags), np.concatenate(values),
                               np.concatenate(walls), names)
        self._cache["scalars"] = out
        return out

    def scalar_tags(self) -> list[str]:
        return sorted(self._scalars())

    def scalar(self, tag: str) -> Series:
        return self._scalars().get(tag) or Series.empty()

    # -- tables ----------------------------------------------------------------
    def table(self, name: str) -> Table:
        key = ("table", name)
        if key in self._cache:
            return self._cache[key]
        default_fields = {"update": UPDATE_FIELDS, "activation": ACTIVATION_FIELDS}.get(name, TENSOR_FIELDS)
        blocks = self._table_blocks.get(name, [])
        if not blocks:
            t = Table.empty(name, default_fields)
        else:
            fields = blocks[0][2] if len(blocks[0]) > 2 else default_fields
            names: dict[str, int] = {}
            steps, keys, seqs, vals = [], [], [], []
            last_keys, last_remap = None, None
            for blk in blocks:
                bkeys, cols = blk[0], blk[1]
                if bkeys is not last_keys and bkeys != last_keys:
                    last_remap = np.array([names.setdefault(k, len(names)) for k in bkeys], np.int32)
                    identity = np.array_equal(last_remap, np.arange(len(bkeys)))
                last_keys = bkeys
                steps.append(cols["step"])
                keys.append(cols["key"] if identity or not len(last_remap) else last_remap[cols["key"]])
                seqs.append(cols["seq"])
                vals.append(cols["values"].reshape(len(cols["step"]), -1))
            t = Table(name, tuple(fields), list(names), np.concatenate(steps), np.concatenate(keys),
                      np.concatenate(seqs), np.concatenate(vals))
        self._cache[key] = t
        return t

    def rank_table(self, name: str, rank: int) -> list[tuple[list[str], dict[str, np.ndarray]]]:
        return self._table_blocks.get(f"{name}@rank{rank}", [])

    # -- histograms ------------------------------------------------------------
    def histograms(self, kind: str | None = None, key: str | None = None) -> list[Histogram]:
        out = []
        for keys, kinds, cols in self._hist_blocks:
            for i in range(len(cols["step"])):
                k = keys[int(cols["key"][i])]
                kd = kinds[int(cols["kind"][i])]
                if (kind is None or kd == kind) and (key is None or k == key):
                    out.append(Histogram(k, kd, int(cols["step"][i]), cols["edges"][i], cols["counts"][i]))
        return out

    # -- tensor snapshots --------------------------------------------------------
    def tensor_snapshots(self, name: str | None = None) -> list[TensorSnapshot]:
        if "snapshots" not in self._cache:
            out = []
            for attrs, cols in self._snapshot_blocks:
                fields = attrs.get("fields") or list(TENSOR_FIELDS)
                out.append(TensorSnapshot(
                    name=str(attrs["name"]), step=int(attrs["step"]), source=attrs.get("source", "user"),
                    shape=list(attrs.get("shape", [])), dtype=attrs.get("dtype", ""),
                    matrix=list(attrs.get("matrix") or cols["values"].shape), layout=attrs.get("layout", ""),
                    reduced=attrs.get("reduced"), values=cols["values"], absmax=cols.get("absmax"),
                    stats={f: float(v) for f, v in zip(fields, cols["stats"].tolist())},
                    edges=cols["edges"], counts=cols["counts"], note=attrs.get("note")))
            out.sort(key=lambda s: (s.name, s.step))  # stable: two snapshots at one step keep their order
            self._cache["snapshots"] = out
        snaps = self._cache["snapshots"]
        return list(snaps) if name is None else [s for s in snaps if s.name == name]


def _rank_of(path: str) -> int:
    base = os.path.basename(path)
    if base.startswith("rank"):
        digits = "".join(ch for ch in base[4:] if ch.isdigit() or ch == "-").split("-")[0]
        if digits.isdigit():
            return int(digits)
    return 0


def is_td_run(path: str) -> bool:
    return os.path.isdir(path) and bool(glob.glob(os.path.join(path, "*" + fmt.STREAM_SUFFIX)))
