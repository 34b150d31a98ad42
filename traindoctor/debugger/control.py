"""The control channel between a paused training process and its debugger clients.

File-based, inside the run directory (``<run>/debugger/``), so that it needs no
port, works for a run on shared storage, and outlives any one client: a paused run
can be left and resumed later from another terminal or from the dashboard.

* ``state.json``: written (atomically) by the training process: ``running``,
  ``paused`` (with the step and the hits that paused it), ``stopped`` or ``ended``.
* ``cmd-<time>-<id>.json``: one request from a client, written atomically; the
  training process answers with ``reply-<id>.json`` and deletes the request.

While paused the training thread serves requests itself (it is blocked anyway);
while running it looks for requests at most every ``poll_running`` seconds, so that
``pause`` works at a step boundary.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any, Callable

DIRNAME = "debugger"
STATE = "state.json"
#: Actions that end a pause.
RESUMING = ("continue", "step", "stop")


def channel_dir(run_dir: str, rank: int = 0) -> str:
    """``<run>/debugger`` for rank 0, ``<run>/debugger-rank<R>`` for the other ranks of a distributed run."""
    return os.path.join(run_dir, DIRNAME if not rank else f"{DIRNAME}-rank{rank}")


def write_json_atomic(path: str, obj: Any) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as fh:
        json.dump(obj, fh, allow_nan=False, default=str)
    os.replace(tmp, path)


def _read_json(path: str) -> Any:
    with open(path) as fh:
        return json.load(fh)


class Server:
    """The training side: publishes the state and serves requests."""

    def __init__(self, run_dir: str, rank: int = 0, poll_paused: float = 0.02, poll_running: float = 0.25) -> None:
        self.dir = channel_dir(run_dir, rank)
        os.makedirs(self.dir, exist_ok=True)
        self.poll_paused = poll_paused
        self.poll_running = poll_running
        self._next_look = 0.0
        self._last: dict[str, Any] = {}
        for name in os.listdir(self.dir):  # a fresh run: no requests or replies from another one
            if name.startswith(("cmd-", "reply-")):
                try:
                    os.remove(os.path.join(self.dir, name))
                except OSError:
                    pass

    def publish(self, state: dict[str, Any]) -> None:
        self._last = state
        write_json_atomic(os.path.join(self.dir, STATE), {**state, "pid": os.getpid(), "time": time.time()})

    def _requests(self) -> list[str]:
        try:
            names = sorted(n for n in os.listdir(self.dir) if n.startswith("cmd-") and n.endswith(".json"))
        except OSError:
            return []
        return names

    def pending_action(self) -> str | None:
        """While running: the action of the oldest request (consumed), looked for at most every poll_running s."""
        now = time.monotonic()
        if now < self._next_look:
            return None
        self._next_look = now + self.poll_running
        for name in self._requests():
            req = self._take(name)
            if req is None:
                continue
            action = req.get("action")
            self._reply(req, {"ok": True, "action": action, "note": "handled at the next step boundary"})
            return action
        return None

    def serve_until_resumed(self, handle: Callable[[dict[str, Any]], dict[str, Any]]) -> str:
        """Block, answering requests with ``handle``, until one of ``RESUMING`` arrives; return it."""
        while True:
            for name in self._requests():
                req = self._take(name)
                if req is None:
                    continue
                action = req.get("action")
                if action in RESUMING:
                    # The state says "running" before the client hears "ok": a client that then waits for
                    # "paused" cannot mistake the pause it just ended for the next one.
                    self.publish({"step": self._last.get("step"), "status": "running", "after": action})
                    self._reply(req, {"ok": True, "action": action})
                    return action
                try:
                    answer = handle(req)
                except Exception as exc:  # a bad request must not end the pause
                    answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                self._reply(req, answer)
            time.sleep(self.poll_paused)

    def _take(self, name: str) -> dict[str, Any] | None:
        path = os.path.join(self.dir, name)
        try:
            req = _read_json(path)
        except (OSError, ValueError):
            return None
        try:
            os.remove(path)
        except OSError:
            pass
        return req if isinstance(req, dict) else None

    def _reply(self, req: dict[str, Any], answer: dict[str, Any]) -> None:
        rid = str(req.get("id", ""))
        if rid:
            write_json_atomic(os.path.join(self.dir, f"reply-{rid}.json"), answer)


class Client:
    """The debugger side (CLI, dashboard API): reads the state, sends requests, waits for replies."""

    def __init__(self, run_dir: str, rank: int = 0) -> None:
        self.run_dir = run_dir
        self.dir = channel_dir(run_dir, rank)

    def state(self) -> dict[str, Any] | None:
        try:
            st = _read_json(os.path.join(self.dir, STATE))
        except (OSError, ValueError):
            return None
        if st.get("status") in ("running", "paused") and not _alive(st.get("pid")):
            st["status"] = "gone"
        return st

    def wait_paused(self, timeout: float) -> dict[str, Any] | None:
        """The state once the run is paused (or has ended), or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.state()
            if st is not None and st.get("status") in ("paused", "ended", "stopped", "gone"):
                return st
            if time.monotonic() >= deadline:
                return st
            time.sleep(0.05)

    def request(self, action: str, timeout: float = 10.0, **args: Any) -> dict[str, Any]:
        if not os.path.isdir(self.dir):
            return {"ok": False, "error": f"{self.run_dir}: no debugger channel (run it with --break-on or --watch)"}
        rid = uuid.uuid4().hex[:12]
        req = {"id": rid, "action": action, **args}
        write_json_atomic(os.path.join(self.dir, f"cmd-{time.time():017.6f}-{rid}.json"), req)
        reply = os.path.join(self.dir, f"reply-{rid}.json")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(reply):
                try:
                    answer = _read_json(reply)
                except ValueError:
                    time.sleep(0.01)
                    continue
                try:
                    os.remove(reply)
                except OSError:
                    pass
                return answer
            time.sleep(0.02)
        return {"ok": False, "error": f"no answer within {timeout:g}s (the request stays queued for the run)"}


def _alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
        return True
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except (PermissionError, OSError):
        return True
