"""The debugger's HTTP API: a FastAPI ``APIRouter`` the dashboard mounts.

Same operations as ``traindoctor debug`` over the same control channel, so a run
paused from the terminal can be continued from the browser and the other way round::

    from traindoctor.debugger.api import make_router
    app.include_router(make_router(lambda run: os.path.join(logdir, run)), prefix="/api")

Routes (``{run}`` is resolved to a run directory by the caller's ``resolve``; it may hold ``/``, so the
runs nested in a log directory are reached too):

* ``GET  /debugger/conditions``: the condition table (names, targets, parameters);
* ``GET  /runs/{run}/debugger/state``: running / paused (step, hits, tensors) / stopped / ended;
* ``GET  /runs/{run}/debugger/hits``: the recorded hits (``traindoctor.hits/1``);
* ``GET  /runs/{run}/debugger/tensor?name=&slice=&bins=``: statistics, a slice, a histogram, the previous step;
* ``POST /runs/{run}/debugger/{action}``: ``continue``, ``step``, ``stop`` or ``pause``.
"""
from __future__ import annotations

import os
from typing import Callable

from fastapi import APIRouter, HTTPException

from . import conditions as C
from .control import Client

ACTIONS = ("continue", "step", "stop", "pause")


def make_router(resolve: Callable[[str], str], timeout: float = 10.0) -> APIRouter:
    """Routes over the runs that ``resolve(run_id) -> run directory`` names (raise KeyError if unknown)."""
    router = APIRouter(tags=["debugger"])

    def client(run: str) -> Client:
        try:
            path = resolve(run)
        except KeyError:
            raise HTTPException(404, f"no run {run!r}") from None
        if not os.path.isdir(path):
            raise HTTPException(404, f"no run {run!r}")
        return Client(path)

    @router.get("/debugger/conditions")
    def conditions() -> list[dict]:
        return C.describe()

    @router.get("/runs/{run:path}/debugger/state")
    def state(run: str) -> dict:
        st = client(run).state()
        return st if st is not None else {"status": "none"}

    @router.get("/runs/{run:path}/debugger/hits")
    def hits(run: str) -> dict:
        from ..record import open_run
        from .offline import SCHEMA, recorded_hits

        c = client(run)
        r = open_run(c.run_dir)
        return {"schema": SCHEMA, "run": r.path, "source": "recorded", "hits": recorded_hits(r)}

    @router.get("/runs/{run:path}/debugger/tensor")
    def tensor(run: str, name: str, slice: str | None = None, bins: int = 20) -> dict:
        c = client(run)
        _require_paused(c)
        answer = c.request("inspect", timeout=timeout, tensor=name, slice=slice, bins=bins)
        if not answer.get("ok"):
            raise HTTPException(404, answer.get("error", "no such tensor"))
        return answer

    @router.post("/runs/{run:path}/debugger/{action}")
    def act(run: str, action: str) -> dict:
        if action not in ACTIONS:
            raise HTTPException(400, f"unknown action {action!r}: {', '.join(ACTIONS)}")
        c = client(run)
        if action != "pause":
            _require_paused(c)
        answer = c.request(action, timeout=timeout)
        if not answer.get("ok"):
            raise HTTPException(409, answer.get("error", "request failed"))
        return answer

    return router


def _require_paused(c: Client) -> None:
    st = c.state()
    if st is None:
        raise HTTPException(409, "the run has no debugger channel (start it with --break-on)")
    if st.get("status") != "paused":
        raise HTTPException(409, f"the run is {st.get('status')}, not paused")
