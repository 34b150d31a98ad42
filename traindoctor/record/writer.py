"""The background writer: the training thread enqueues, one thread does the I/O.

The queue is bounded so that a stalled disk can never grow the training
process's memory without limit. When it is full the item is dropped, counted,
and the count is written into the stream (and so shows in the report): data is
never lost silently.

The training thread's side takes no lock: the queue is a ``collections.deque``, whose ``append`` and
``popleft`` are atomic, and the writer thread polls it. A ``queue.Queue`` holds a mutex inside ``put``; a
SIGTERM handler that ran while the training thread held it, and wrote the run's end record, waited on that
mutex forever (``traindoctor run`` hung instead of ending; tests/collect/test_autorun.py).
"""
from __future__ import annotations

import atexit
import collections
import os
import threading
import time
import weakref
from typing import Any, Callable, Mapping

import numpy as np

from . import format as fmt

_STOP = object()
#: The writer thread's poll interval while its queue is empty: from 1 ms right after an item, doubling up
#: to 20 ms. At 20 ms an idle writer wakes 50 times a second (about 0.1% of a core); a queued record
#: waits at most that long before the thread starts on it.
_POLL_MIN, _POLL_MAX = 0.001, 0.02

#: The writers whose thread may still run. Any left open at interpreter exit is closed then (its queue
#: written, its thread joined): a daemon thread still inside numpy or torch while the interpreter tears
#: down aborted the process now and then ("terminate called without an active exception").
_LIVE: "weakref.WeakSet[StreamWriter]" = weakref.WeakSet()


@atexit.register
def _close_live() -> None:
    for w in list(_LIVE):
        try:
            w.close(timeout=10.0)
        except BaseException:
            pass


class StreamWriter:
    """Appends framed records to one stream file from a background thread.

    ``put_json`` and ``put_block`` never block and never raise. Values in a block
    may be ``numpy`` arrays or callables returning them (for example a closure
    that copies a device tensor to the host), so that conversions happen on the
    writer thread, not the training thread.
    """

    def __init__(self, path: str, *, max_queue: int = 4096, flush_interval: float = 0.5,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.path = path
        self.flush_interval = flush_interval
        self.dropped = 0
        self.written_records = 0
        self._reported_dropped = 0
        self._on_error = on_error
        self._max_queue = max_queue
        self._queue: collections.deque = collections.deque()
        self._busy = False  # the writer thread holds an item it took from the queue
        new = not os.path.exists(path) or os.path.getsize(path) == 0
        self._file = open(path, "ab", buffering=1 << 20)
        if new:
            self._file.write(fmt.MAGIC)
            self._file.flush()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="traindoctor-writer", daemon=True)
        self._thread.start()
        _LIVE.add(self)

    # -- producer side (training thread) ---------------------------------
    def put_json(self, obj: Mapping[str, Any]) -> None:
        self._put(("json", obj))

    def put_block(self, table: str, columns: Mapping[str, Any], attrs: Mapping[str, Any] | None = None) -> None:
        self._put(("block", table, columns, attrs))

    def _put(self, item: tuple) -> None:
        if self._closed:
            return
        if len(self._queue) >= self._max_queue:
            self.dropped += 1
            return
        self._queue.append(item)

    # -- consumer side ----------------------------------------------------
    def _run(self) -> None:
        last_flush = time.monotonic()
        idle = _POLL_MIN
        while True:
            self._busy = True  # before popleft: flush() must never see an empty queue and an idle writer mid-item
            try:
                item = self._queue.popleft()
            except IndexError:
                item = None
                self._busy = False
            if item is _STOP:
                self._write_dropped()
                self._flush()
                self._busy = False
                return
            if item is not None:
                self._write(item)
                self._busy = False
                idle = _POLL_MIN
            now = time.monotonic()
            if now - last_flush >= self.flush_interval:
                self._write_dropped()
                self._flush()
                last_flush = now
            if item is None:
                time.sleep(idle)  # nothing queued: poll again, less often the longer the queue stays empty
                idle = min(idle * 2, _POLL_MAX)

    def _write(self, item: tuple) -> None:
        try:
            if item[0] == "json":
                data = fmt.encode_json(item[1])
            else:
                _, table, columns, attrs = item
                cols = {k: np.asarray(v() if callable(v) else v) for k, v in columns.items()}
                data = fmt.encode_block(table, cols, attrs)
            self._file.write(data)
            self.written_records += 1
        except BaseException as exc:  # never let one bad item stop the writer
            if self._on_error is not None:
                try:
                    self._on_error(exc)
                except BaseException:
                    pass

    def _write_dropped(self) -> None:
        if self.dropped != self._reported_dropped:
            self._reported_dropped = self.dropped
            self._file.write(fmt.encode_json({"kind": "dropped", "count": self.dropped, "time": time.time()}))

    def _flush(self) -> None:
        try:
            self._file.flush()
        except OSError:
            pass

    def flush(self, timeout: float = 10.0) -> None:
        """Block until everything queued so far is written to the OS (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        while (self._queue or self._busy) and time.monotonic() < deadline and self._thread.is_alive():
            time.sleep(0.002)
        self._flush()

    def close(self, timeout: float = 30.0) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._queue.append(_STOP)  # past the bound: the writer drains what is queued, then stops
        self._thread.join(timeout)
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError:
            pass
        self._file.close()
