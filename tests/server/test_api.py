"""The JSON API, as the frontend uses it, on real recorded runs."""
from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest

from traindoctor.report import diagnose
from traindoctor.report.render import report_figures
from traindoctor.server.app import create_app

from .conftest import record, serving
from .synthetic import noisy_loss, write_scalar_run


@pytest.fixture(scope="module")
def client(logdir):
    with serving(create_app(logdir)) as c:
        yield c


def test_runs_list_shows_status_steps_and_nested_runs(client, logdir):
    runs = {r["id"]: r for r in client.get("/api/runs").json()["runs"]}
    assert set(runs) == {"healthy", "bn_eval", "lr_big", "crashed", "group/healthy2"}
    assert runs["healthy"]["status"] == "finished" and runs["healthy"]["steps"] == 60
    assert runs["crashed"]["status"] == "crashed" and runs["crashed"]["steps"] == 20
    assert runs["group/healthy2"]["steps"] == 30
    assert runs["healthy"]["start_time"] <= runs["healthy"]["end_time"]


def test_top_finding_fills_the_runs_list(client):
    tops = client.get("/api/top", params=[("run", "bn_eval"), ("run", "healthy"), ("run", "nope")]).json()
    assert tops["bn_eval"]["top"]["id"] == "graph.node_mode"
    assert tops["bn_eval"]["top"]["location"] == "1"
    assert tops["healthy"]["top"] is None
    assert "no such run" in tops["nope"]["error"]
    runs = {r["id"]: r for r in client.get("/api/runs").json()["runs"]}
    assert runs["bn_eval"]["diagnosed"] and runs["bn_eval"]["top"]["id"] == "graph.node_mode"


def test_report_has_the_same_findings_and_plots_as_the_html_report(client, logdir):
    body = client.get("/api/report", params={"run": "bn_eval"}).json()
    direct = diagnose(os.path.join(logdir, "bn_eval"))
    assert body["report"]["findings"] == json.loads(direct.dumps())["findings"]
    assert body["report"]["findings"][0]["id"] == "graph.node_mode"
    figures = dict(report_figures(direct))
    assert set(body["figures"]) == set(figures) and "loss" in figures
    for key, fig in figures.items():
        assert body["figures"][key]["data"][0]["y"] == fig["data"][0]["y"], key
    ids = [c["id"] for c in body["report"]["checklist"]]
    assert len(ids) == len(set(ids)) and "graph.node_mode" in ids
    assert {c["id"]: c["status"] for c in body["report"]["checklist"]}["graph.node_mode"] == "fail"


def test_scalars_overlay_runs_and_window(client):
    r = client.get("/api/scalars", params=[("run", "healthy"), ("run", "lr_big"), ("tag", "train/loss")]).json()
    assert [s["run"] for s in r["series"]] == ["healthy", "lr_big"]
    assert all(s["x"] == list(range(60)) and len(s["value"]) == s["total"] == 60 for s in r["series"])
    win = client.get("/api/scalars", params={"run": "healthy", "tag": "train/loss", "lo": 10, "hi": 19}).json()
    s = win["series"][0]
    assert s["x"] == list(range(10, 20)) and s["in_window"] == 10
    rel = client.get("/api/scalars", params={"run": "healthy", "tag": "train/loss", "x": "relative"}).json()
    assert rel["series"][0]["x"][0] == 0 and rel["series"][0]["x"][-1] > 0
    assert client.get("/api/scalars", params={"run": "healthy", "tag": "train/loss", "x": "bogus"}).status_code == 400
    assert client.get("/api/scalars", params={"run": "healthy", "tag": "train/loss", "lo": "abc"}).status_code == 400


def test_downsampling_keeps_spikes_and_zoom_fetches_detail(client, tmp_path):
    n = 200_000
    write_scalar_run(str(tmp_path / "big"), {"train/loss": noisy_loss(n, spike_at=123_457)})
    with serving(create_app(str(tmp_path))) as c:
        s = c.get("/api/scalars", params={"run": "big", "tag": "train/loss"}).json()["series"][0]
        z = c.get("/api/scalars", params={"run": "big", "tag": "train/loss", "lo": 123_000, "hi": 123_999}).json()["series"][0]
    assert s["total"] == n and len(s["x"]) <= 1000
    assert max(s["value"]) == 1e3 and 123_457 in s["x"]  # the single spike survives
    assert s["value"][s["x"].index(123_457)] == 1e3
    assert z["x"] == list(range(123_000, 124_000))  # zoomed in: every point of the window
    assert max(z["value"]) == 1e3


def test_tables_histograms_graph_data_hparams(client):
    t = client.get("/api/table", params={"run": "healthy", "name": "grad", "key": "0.weight"}).json()
    assert t["step"] == list(range(60)) and len(t["values"]["norm"]) == 60 and all(v > 0 for v in t["values"]["norm"])
    ov = client.get("/api/table/overview", params={"run": "healthy", "name": "activation", "field": "dead_frac"}).json()
    assert "2" in ov["keys"] and len(ov["z"]) == len(ov["step"]) > 0 and len(ov["z"][0]) == len(ov["keys"])
    relu = client.get("/api/table", params={"run": "healthy", "name": "activation", "key": "2"}).json()["values"]
    tanh = client.get("/api/table", params={"run": "healthy", "name": "activation", "key": "5"}).json()["values"]
    # the mean every step, the fractions on the collector's full steps (null between them)
    assert all(v is not None for v in relu["mean"]) and all(v is not None for v in tanh["mean"])
    dead = [v for v in relu["dead_frac"] if v is not None]
    sat = [v for v in tanh["sat_frac"] if v is not None]
    assert len(dead) >= 5 and all(0 <= v <= 1 for v in dead) and all(v is None for v in relu["sat_frac"])
    assert len(sat) >= 5 and all(0 <= v <= 1 for v in sat) and all(v is None for v in tanh["dead_frac"])
    h = client.get("/api/histograms", params={"run": "healthy", "kind": "weight", "key": "4.weight"}).json()
    assert len(h["step"]) >= 2 and len(h["edges"]) == 65
    assert all(abs(sum(row) - 16 * 144) < 1e-6 * 16 * 144 for row in h["z"])  # every weight counted once
    g = client.get("/api/graph", params={"run": "bn_eval"}).json()
    nodes = {n["name"]: n for n in g["nodes"]}
    assert nodes["1"]["class"] == "BatchNorm2d" and nodes["1"]["modes"]["train"]["training"] is False
    assert nodes["Sequential"]["total_params"] == g["total_params"] == 36 + 4 + 8 + 144 * 16 + 16 + 32 + 2
    d = client.get("/api/data", params={"run": "healthy"}).json()
    assert set(d["roles"]) == {"train", "eval"}
    assert d["roles"]["train"]["examples"]["type"] == "image"
    assert sum(d["roles"]["train"]["labels"].values()) > 0
    hp = client.get("/api/hparams", params={"run": "healthy"}).json()
    assert hp["optimizers"][0]["class"] == "SGD" and hp["optimizers"][0]["groups"][0]["lr"] == 0.05
    assert hp["environment"]["torch"].startswith("2.")


def test_bad_and_missing_runs_give_a_message(client, logdir, tmp_path):
    r = client.get("/api/run", params={"run": "nope"})
    assert r.status_code == 404 and "no such run" in r.json()["error"]
    assert client.get("/api/run").status_code == 404
    assert client.get("/api/nothing").json()["error"].startswith("no such API")
    bad = tmp_path / "garbage"
    bad.mkdir()
    (bad / "rank0.tdr").write_bytes(b"this is not a stream at all")
    (tmp_path / "empty").mkdir()
    with serving(create_app(str(tmp_path))) as c:
        r = c.get("/api/run", params={"run": "garbage"})
        assert r.status_code == 200 and "not a traindoctor stream" in r.json()["warnings"][0]
        r = c.get("/api/run", params={"run": "empty"})
        assert r.status_code == 404 and "not a run directory" in r.json()["error"] and "Traceback" not in r.text


def test_live_run_updates_version_and_steps(tmp_path):
    app = create_app(str(tmp_path))
    app.state.store.refresh_interval = 0.0
    proc = record(str(tmp_path), "live", "--steps", "100000", "--sleep", "0.02")
    with serving(app) as c:
        _watch_live_run(c, proc)


def _watch_live_run(c, proc):
    try:
        deadline = time.time() + 90
        seen = []
        while time.time() < deadline:
            r = c.get("/api/version", params={"run": "live"})
            if r.status_code == 200 and r.json()["steps"] > 0:
                seen.append(r.json())
                if len({v["version"] for v in seen}) >= 3 and seen[-1]["steps"] > seen[0]["steps"]:
                    break
            time.sleep(0.3)
        assert seen and seen[0]["status"] == "running"
        assert seen[-1]["steps"] > seen[0]["steps"] and len({v["version"] for v in seen}) >= 3
        assert {r["id"]: r for r in c.get("/api/runs").json()["runs"]}["live"]["status"] == "running"
    finally:
        proc.terminate()  # the collector writes its end record on SIGTERM
        proc.communicate(timeout=60)
    final = c.get("/api/version", params={"run": "live"}).json()
    assert final["status"] == "terminated" and final["steps"] >= seen[-1]["steps"]
    assert {r["id"]: r for r in c.get("/api/runs").json()["runs"]}["live"]["status"] == "terminated"


def test_non_finite_values_in_events_come_back_as_null(tmp_path):
    from traindoctor.record import StreamWriter

    write_scalar_run(str(tmp_path / "nan"), {"train/loss": noisy_loss(50)}, end=False)
    w = StreamWriter(str(tmp_path / "nan" / "rank0.tdr"))
    w.put_json({"kind": "hparams", "optimizer": 0, "group": 0, "step": 3, "lr": float("nan"), "momentum": float("inf")})
    w.put_json({"kind": "end", "status": "finished", "exit_code": 0, "time": time.time()})
    w.close()
    with serving(create_app(str(tmp_path))) as c:
        r = c.get("/api/hparams", params={"run": "nan"})
        assert r.status_code == 200
        change = r.json()["hparam_changes"][0]
        assert change["lr"] is None and change["momentum"] is None and change["step"] == 3


def test_huge_finite_values_are_not_counted_as_nan(tmp_path):
    v = np.full(50_000, 1e308)
    v[777] = -1e308
    write_scalar_run(str(tmp_path / "huge"), {"train/loss": v})
    with serving(create_app(str(tmp_path))) as c:
        s = c.get("/api/scalars", params={"run": "huge", "tag": "train/loss"}).json()["series"][0]
    assert s["nonfinite"] == 0 and 777 in s["x"] and min(s["value"]) == -1e308


def test_a_slow_diagnosis_does_not_hold_up_the_run_s_other_requests(logdir, monkeypatch):
    """The report is computed on its own reader under its own lock: while one request diagnoses, reads of
    the same run answer at once, and a second request for the report waits for that one diagnosis."""
    import threading

    import traindoctor.report as report_mod
    from traindoctor.server.runs import RunStore

    store = RunStore(logdir)
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow(run):
        calls.append(run)
        started.set()
        assert release.wait(30)
        return diagnose(run)

    monkeypatch.setattr(report_mod, "diagnose", slow)
    results = []
    workers = [threading.Thread(target=lambda: results.append(store.report("bn_eval"))) for _ in range(2)]
    workers[0].start()
    assert started.wait(30)
    workers[1].start()
    t0 = time.monotonic()
    steps = store.use("bn_eval", lambda run: run.steps)  # the view's reader is free
    assert steps > 0 and time.monotonic() - t0 < 2.0
    assert store.version("bn_eval")["steps"] == steps
    release.set()
    for w in workers:
        w.join(30)
    assert len(results) == 2 and results[0] is results[1] and len(calls) == 1
    assert results[0].top().id == "graph.node_mode"
