"""The on-disk format of a run's stream files.

A stream file is written by exactly one process (one per rank) and only ever
appended to. It starts with an 8-byte magic, then holds records::

    SYNC (2 bytes) | kind (u8) | flags (u8) | length (u32 LE) | crc32 (u32 LE) | payload

The CRC covers kind, flags, length and the payload, so a flipped byte anywhere in
a record is caught. SYNC lets a reader find the next record after damage. A torn
tail (a crash or ``kill -9`` mid-write) costs at most the records not yet flushed.

Two kinds of payload:

* ``KIND_JSON``: one UTF-8 JSON object (metadata, events, findings).
* ``KIND_BLOCK``: a columnar block: ``u32 header length | JSON header | arrays``;
  the header names the table, its attributes and each column's dtype and shape,
  so a million numbers decode with one ``numpy.frombuffer`` per column.
"""
from __future__ import annotations

import json
import math
import struct
import zlib
from typing import Any, Mapping

import numpy as np

MAGIC = b"TDRUN\x01\r\n"
SYNC = b"\xd7\x7d"
KIND_JSON = 1
KIND_BLOCK = 2
HEADER = struct.Struct("<2sBBII")  # sync, kind, flags, length, crc
MAX_RECORD = 1 << 30
STREAM_SUFFIX = ".tdr"


def _crc(kind: int, flags: int, payload: bytes | memoryview) -> int:
    return zlib.crc32(payload, zlib.crc32(struct.pack("<BBI", kind, flags, len(payload)))) & 0xFFFFFFFF


def frame(kind: int, payload: bytes, flags: int = 0) -> bytes:
    return HEADER.pack(SYNC, kind, flags, len(payload), _crc(kind, flags, payload)) + payload


def encode_json(obj: Mapping[str, Any]) -> bytes:
    return frame(KIND_JSON, json.dumps(obj, separators=(",", ":"), default=_json_default).encode())


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return repr(o)


def encode_block(table: str, columns: Mapping[str, np.ndarray], attrs: Mapping[str, Any] | None = None) -> bytes:
    """Frame a columnar block. Every column is stored C-contiguous, little-endian."""
    specs = []
    parts = []
    offset = 0
    for name, arr in columns.items():
        arr = np.ascontiguousarray(arr)
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        raw = arr.tobytes()
        specs.append({"name": name, "dtype": arr.dtype.str, "shape": list(arr.shape), "offset": offset})
        parts.append(raw)
        offset += len(raw)
    header = json.dumps({"table": table, "attrs": dict(attrs or {}), "columns": specs},
                        separators=(",", ":"), default=_json_default).encode()
    payload = struct.pack("<I", len(header)) + header + b"".join(parts)
    return frame(KIND_BLOCK, payload)


def decode_block(payload: memoryview) -> tuple[str, dict[str, Any], dict[str, np.ndarray]]:
    (hlen,) = struct.unpack_from("<I", payload, 0)
    header = json.loads(bytes(payload[4:4 + hlen]))
    base = 4 + hlen
    cols: dict[str, np.ndarray] = {}
    for spec in header["columns"]:
        dtype = np.dtype(spec["dtype"])
        count = math.prod(spec["shape"]) if spec["shape"] else 1
        arr = np.frombuffer(payload, dtype=dtype, count=count, offset=base + spec["offset"])
        cols[spec["name"]] = arr.reshape(spec["shape"])
    return header["table"], header["attrs"], cols


class Damage(Exception):
    """A record that failed its checks; the reader reports it and resynchronises."""


def scan(buf: memoryview, start: int, final: bool):
    """Yield ``(offset, kind, payload)`` for every intact record in ``buf[start:]``.

    Also yields ``(offset, None, message)`` for damage. Stops at an incomplete
    record at the end (returning its offset via StopIteration value) so that a
    live reader can wait for the rest; with ``final`` a torn tail is reported.
    """
    pos = start
    n = len(buf)
    hsize = HEADER.size
    while pos < n:
        if n - pos < hsize:
            if final:
                yield pos, None, f"truncated record at offset {pos} ({n - pos} bytes of a header)"
                return n
            return pos
        sync, kind, flags, length, crc = HEADER.unpack_from(buf, pos)
        if sync != SYNC or kind not in (KIND_JSON, KIND_BLOCK) or length > MAX_RECORD:
            nxt = _resync(buf, pos + 1)
            yield pos, None, f"damaged record at offset {pos}: bad header; skipped {nxt - pos} bytes"
            pos = nxt
            continue
        end = pos + hsize + length
        if end > n:
            if final:
                yield pos, None, f"truncated record at offset {pos} (needs {length} bytes, {n - pos - hsize} present)"
                return n
            return pos
        payload = buf[pos + hsize:end]
        if _crc(kind, flags, payload) != crc:
            nxt = _resync(buf, pos + 1)
            yield pos, None, f"damaged record at offset {pos}: checksum mismatch; skipped {nxt - pos} bytes"
            pos = nxt
            continue
        yield pos, kind, payload
        pos = end
    return pos


def _resync(buf: memoryview, pos: int) -> int:
    """The offset of the next plausible record header at or after ``pos``."""
    data = bytes(buf[pos:]) if not isinstance(buf, (bytes, bytearray)) else buf[pos:]
    i = 0
    while True:
        j = data.find(SYNC, i)
        if j < 0:
            return pos + len(data)
        if j + HEADER.size <= len(data):
            _, kind, flags, length, crc = HEADER.unpack_from(data, j)
            end = j + HEADER.size + length
            if kind in (KIND_JSON, KIND_BLOCK) and end <= len(data) and \
                    _crc(kind, flags, data[j + HEADER.size:end]) == crc:
                return pos + j
        else:
            return pos + j
        i = j + 1
