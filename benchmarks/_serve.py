"""Helpers shared by the dashboard benchmarks: a server in a thread, synthetic runs, a free port."""
from __future__ import annotations

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tests.server.synthetic import noisy_loss, write_scalar_run  # noqa: E402  (one writer for tests and benchmarks)

__all__ = ["ThreadServer", "free_port", "noisy_loss", "write_scalar_run", "RESULTS"]

RESULTS = os.path.join(os.path.dirname(__file__), "results")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThreadServer:
    """The dashboard app on uvicorn, in a thread, on 127.0.0.1 only."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ThreadServer":
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started and time.time() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            raise RuntimeError("uvicorn did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
