"""TFRecord framing, as TensorBoard and MindSpore summary files use it::

    u64 length (LE) | u32 masked CRC-32C of the 8 length bytes | payload | u32 masked CRC-32C of payload

Every CRC is verified (MindInsight does not). A record whose payload fails its CRC
is skipped and reading goes on with the next one (its length was verified); a
length that fails its CRC cannot be trusted, so the reader searches forward for
the next offset where a length and its payload both verify. Each damage gives one
line naming the file and the byte offset. An incomplete record at the end is
reported as truncated and left for the next :meth:`RecordFile.read` to retry, so
a file that is still being written is followed, not condemned.
"""
from __future__ import annotations

import os
import struct
from typing import Callable, Iterator

try:
    import google_crc32c as _gcrc

    if _gcrc.implementation != "c":  # the pure-Python fallback is ~1000x slower than the table below
        raise ImportError
    _crc32c: Callable[[bytes], int] = _gcrc.value
    CRC_IMPLEMENTATION = "google-crc32c (C)"
except ImportError:  # pragma: no cover - exercised where the wheel is missing
    _TABLE = []
    for _i in range(256):
        _c = _i
        for _ in range(8):
            _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
        _TABLE.append(_c)

    def _crc32c(data: bytes) -> int:
        crc = 0xFFFFFFFF
        table = _TABLE
        for b in data:
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF

    CRC_IMPLEMENTATION = "pure Python (install google-crc32c for speed)"

_HEADER = struct.Struct("<QI")
_U32 = struct.Struct("<I")
_MASK_DELTA = 0xA282EAD8
#: A length beyond this is treated as damage rather than an allocation request.
MAX_RECORD = 1 << 31


def masked_crc(data: bytes) -> int:
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def frame(payload: bytes) -> bytes:
    """One framed record (used by tests and the benchmark to write files)."""
    head = struct.pack("<Q", len(payload))
    return head + _U32.pack(masked_crc(head)) + payload + _U32.pack(masked_crc(payload))


class RecordFile:
    """One event file and how far it has been read; :meth:`read` yields new payloads."""

    def __init__(self, path: str, warn: Callable[[str], None]) -> None:
        self.path = path
        self.offset = 0
        self._warn = warn
        self._reported: set[int] = set()

    def _report(self, offset: int, what: str, detail: str) -> None:
        """One line per damaged place: ``FILE: WHAT at offset N (DETAIL)``."""
        if offset not in self._reported:
            self._reported.add(offset)
            self._warn(f"{self.path}: {what} at offset {offset} ({detail})")

    def read(self) -> Iterator[bytes]:
        """Every intact record appended since the last call, in file order."""
        try:
            size = os.path.getsize(self.path)
        except OSError:
            return
        if size <= self.offset:
            return
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            buf = fh.read()
        base = self.offset
        yield from self._scan(buf, base)

    def _scan(self, buf: bytes, base: int) -> Iterator[bytes]:
        n = len(buf)
        pos = 0
        unpack = _HEADER.unpack_from
        u32 = _U32.unpack_from
        crc32c = _crc32c
        # masked_crc inlined: this loop runs once per record (a million times for a million scalars)
        while pos < n:
            if n - pos < 12:
                self._report(base + pos, "truncated record", f"{n - pos} bytes of a 12-byte header; reading stops")
                break
            length, len_crc = unpack(buf, pos)
            c = crc32c(buf[pos:pos + 8])
            if (((c >> 15) | (c << 17)) + _MASK_DELTA) & 0xFFFFFFFF != len_crc or length > MAX_RECORD:
                nxt = self._resync(buf, pos + 1)
                self._report(base + pos, "damaged record", f"length checksum mismatch; skipped {nxt - pos} bytes")
                pos = nxt
                continue
            end = pos + 12 + length
            if end + 4 > n:
                self._report(base + pos, "truncated record",
                             f"needs {length + 16} bytes, {n - pos} present; reading stops")
                break
            payload = buf[pos + 12:end]
            c = crc32c(payload)
            if (((c >> 15) | (c << 17)) + _MASK_DELTA) & 0xFFFFFFFF != u32(buf, end)[0]:
                self._report(base + pos, "damaged record", f"payload checksum mismatch; skipped {length + 16} bytes")
            else:
                yield payload
            pos = end + 4
        self.offset = base + pos

    @staticmethod
    def _resync(buf: bytes, start: int) -> int:
        """The next offset at or after ``start`` where a whole record verifies (or the end).

        Both formats' payloads are an ``Event`` that begins with field 1 (``wall_time``,
        a double: tag byte 0x09), so only offsets 12 bytes before a 0x09 are tried.
        """
        n = len(buf)
        k = start + 12
        while True:
            k = buf.find(b"\x09", k)
            if k < 0:
                return n
            j = k - 12
            length, len_crc = _HEADER.unpack_from(buf, j)
            end = j + 12 + length
            if end + 4 <= n and masked_crc(buf[j:j + 8]) == len_crc \
                    and masked_crc(buf[j + 12:end]) == _U32.unpack_from(buf, end)[0]:
                return j
            k += 1
