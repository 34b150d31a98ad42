"""The dashboard's debugger API (FastAPI router) drives a paused run: state, tensor, step, continue, stop."""
from __future__ import annotations

import os
import threading
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient

from debugger_helpers import train
from traindoctor.debugger.api import make_router
from traindoctor.record import TDRun


def _wait(client: TestClient, status: str, step: int | None = None, timeout: float = 30) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = client.get("/api/runs/r/debugger/state").json()
        if st["status"] == status and (step is None or st["step"] == step):
            return st
        time.sleep(0.05)
    raise AssertionError(f"not {status} at step {step}: {st}")


def test_pause_inspect_step_continue_stop_over_http(tmp_path):
    run_dir = str(tmp_path / "r")
    result: dict = {}

    def training() -> None:
        try:
            train(run_dir, [], break_on=["weight_overflow@fc2.weight"], fault="nan_weight_at_2", steps=8)
            result["exit"] = "finished"
        except SystemExit as exc:
            result["exit"] = f"SystemExit({exc.code})"

    t = threading.Thread(target=training, daemon=True)
    t.start()
    app = FastAPI()
    app.include_router(make_router(lambda run: os.path.join(str(tmp_path), run)), prefix="/api")
    client = TestClient(app)
    assert {c["name"] for c in client.get("/api/debugger/conditions").json()} >= {"weight_overflow", "tensor_range"}

    st = _wait(client, "paused", 2)
    assert st["reason"] == "breakpoint" and st["hits"][0]["node"] == "fc2.weight"
    w = client.get("/api/runs/r/debugger/tensor", params={"name": "weight:fc2.weight", "slice": "0,0:2"}).json()
    assert w["slice"]["values"][0] == "nan" and w["stats"]["nan"] >= 1
    assert w["previous"]["stats"]["nonfinite"] == 0  # the same tensor at step 1 was finite
    assert client.get("/api/runs/r/debugger/tensor", params={"name": "nope"}).status_code == 404
    assert client.post("/api/runs/r/debugger/jump").status_code == 400

    assert client.post("/api/runs/r/debugger/step").json()["ok"]
    _wait(client, "paused", 3)
    assert client.post("/api/runs/r/debugger/continue").json()["ok"]
    _wait(client, "paused", 4)  # the breakpoint hits again: the weight stays NaN
    assert client.post("/api/runs/r/debugger/stop").json()["ok"]
    t.join(30)
    assert result["exit"] == "SystemExit(0)"
    assert client.get("/api/runs/r/debugger/state").json()["status"] == "stopped"
    assert client.post("/api/runs/r/debugger/continue").status_code == 409
    hits = client.get("/api/runs/r/debugger/hits").json()["hits"]
    assert [h["step"] for h in hits] == [2, 3, 4] and TDRun(run_dir).event("debug_stop")["step"] == 4


def test_a_running_run_pauses_on_request_and_stops_cleanly(tmp_path):
    from traindoctor.debugger.control import Client

    run_dir = str(tmp_path / "r")
    result: dict = {}

    def training() -> None:
        try:  # a breakpoint that never hits gives the run its control channel
            train(run_dir, [], break_on=["weight_too_large(abs_mean_gt=1e6)"], steps=20000)
            result["exit"] = "finished"
        except SystemExit as exc:
            result["exit"] = f"SystemExit({exc.code})"

    t = threading.Thread(target=training, daemon=True)
    t.start()
    client = Client(run_dir)
    deadline = time.time() + 30
    while (client.state() or {}).get("status") != "running" and time.time() < deadline:
        time.sleep(0.05)
    answer = client.request("pause", timeout=30)
    assert answer["ok"], answer
    st = client.wait_paused(60)
    assert st["status"] == "paused" and st["reason"] == "pause" and st["hits"] == [], st
    assert "weight:fc1.weight" in st["tensors"]
    assert client.request("stop", timeout=30)["ok"]
    t.join(60)
    assert result["exit"] == "SystemExit(0)" and client.state()["status"] == "stopped"
    # stopped mid-run; step 0 when the pause lands before the first step ends (a busy machine)
    assert 0 <= TDRun(run_dir).event("debug_stop")["step"] < 19999
