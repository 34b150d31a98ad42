"""The debugger in the dashboard: its router mounted under the dashboard's security model, and the
pause / step / continue cycle of a real ``traindoctor run --break-on`` driven from Chromium."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time

import pytest

from traindoctor.debugger.control import Client, Server
from traindoctor.record import TDRun
from traindoctor.server.app import create_app

from .conftest import LiveServer, serving
from .synthetic import noisy_loss, write_scalar_run

HERE = os.path.dirname(__file__)
LOG_PROB = os.path.join(HERE, "..", "debugger", "scripts", "log_prob.py")  # log(0) from step BAD_STEP on
WRITE = {"X-Traindoctor": "1"}


def raw(base_url: str, method: str, path: str, headers: dict | None = None) -> tuple[int, str]:
    """A request with the path sent exactly as written (no client-side normalisation of '..')."""
    hostport = base_url.split("//", 1)[1]
    conn = http.client.HTTPConnection(hostport, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True)
        for k, v in {"Host": hostport, **(headers or {})}.items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        conn.close()


def start_break_run(logdir: str, name: str, *args: str) -> subprocess.Popen:
    """``traindoctor run --break-on tensor_overflow@ProbNLL log_prob.py ARGS`` in a subprocess."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "traindoctor", "run", "--logdir", logdir, "--name", name,
                             "--no-summary", "--break-on", "tensor_overflow@ProbNLL", LOG_PROB, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=60)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None and not stream.closed:
            stream.close()


def wait_state(run_dir: str, statuses: tuple[str, ...], timeout: float = 120) -> dict:
    client = Client(run_dir)
    deadline = time.time() + timeout
    st = None
    while time.time() < deadline:
        st = client.state()
        if st is not None and st.get("status") in statuses:
            return st
        time.sleep(0.05)
    raise AssertionError(f"{run_dir}: not {statuses} after {timeout}s: {st}")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """logdir/{plain, group/nested, link_out -> outside/paused}; outside/paused has a paused channel."""
    root = tmp_path_factory.mktemp("dbg")
    logdir, outside = root / "logdir", root / "outside"
    write_scalar_run(str(logdir / "plain"), {"train/loss": noisy_loss(50)})
    write_scalar_run(str(logdir / "group" / "nested"), {"train/loss": noisy_loss(50)})
    write_scalar_run(str(outside / "paused"), {"train/loss": noisy_loss(50)})
    # the training side of the control channel, as a paused run publishes it (this process stands for it)
    Server(str(outside / "paused")).publish({"status": "paused", "step": 7, "reason": "breakpoint", "hits": [],
                                            "tensors": ["weight:secret.weight"]})
    os.symlink(outside / "paused", logdir / "link_out")
    return logdir, outside


def test_debugger_routes_are_mounted_with_the_dashboard_error_format(tree):
    with serving(create_app(str(tree[0]))) as c:
        names = {cond["name"] for cond in c.get("/api/debugger/conditions").json()}
        assert {"tensor_overflow", "weight_overflow", "tensor_range"} <= names
        assert c.get("/api/runs/plain/debugger/state").json() == {"status": "none"}  # recorded without --break-on
        assert c.get("/api/runs/group/nested/debugger/state").json() == {"status": "none"}  # nested ids reach too
        assert c.get("/api/runs/group%2Fnested/debugger/hits").json()["hits"] == []
        r = c.post("/api/runs/plain/debugger/continue", headers=WRITE)
        assert r.status_code == 409 and "no debugger channel" in r.json()["error"]
        r = c.post("/api/runs/plain/debugger/jump", headers=WRITE)
        assert r.status_code == 400 and "unknown action" in r.json()["error"]
        r = c.get("/api/runs/plain/debugger/tensor")
        assert r.status_code == 400 and "name" in r.json()["error"]
        r = c.get("/api/runs/group/debugger/hits")  # a directory of runs, not a run
        assert r.status_code == 404 and "nested" in r.json()["error"]
        r = c.get("/api/runs/plain/nothing")
        assert r.status_code == 404 and r.json()["error"].startswith("no such API")
        assert c.get("/api/runs/plain/debugger/continue").status_code == 405  # an action is a POST
        assert c.get("/api/runs").status_code == 200  # the dashboard's own routes are untouched


@pytest.mark.parametrize("run", ["link_out", "..%2Foutside%2Fpaused", "%2e%2e/outside/paused",
                                 "group/../../outside/paused", "%2Fetc", "nope"])
def test_debugger_run_ids_cannot_leave_the_logdir(tree, run):
    outside_channel = tree[1] / "paused" / "debugger"
    with serving(create_app(str(tree[0]))) as c:
        for what in ("state", "hits", "tensor?name=weight:secret.weight"):
            status, body = raw(c.server_url, "GET", f"/api/runs/{run}/debugger/{what}")
            assert status == 404, (run, what, status, body)
            assert "secret" not in body and '"paused"' not in body
        for action in ("continue", "stop", "pause"):
            status, body = raw(c.server_url, "POST", f"/api/runs/{run}/debugger/{action}", WRITE)
            assert status == 404, (run, action, status, body)
    assert not [n for n in os.listdir(outside_channel) if n.startswith("cmd-")]  # no request reached it


def test_debugger_actions_need_the_write_header_same_origin_token_and_local_host(tree):
    with serving(create_app(str(tree[0]))) as c:
        r = c.post("/api/runs/plain/debugger/continue")  # a plain cross-site form POST looks like this
        assert r.status_code == 403 and "x-traindoctor" in r.json()["error"]
        r = c.post("/api/runs/plain/debugger/stop", headers={**WRITE, "Origin": "http://evil.example"})
        assert r.status_code == 403 and "origin" in r.json()["error"]
        r = c.post("/api/runs/plain/debugger/stop", headers={**WRITE, "Origin": c.server_url})
        assert r.status_code == 409  # same origin: through to the router (no channel here)
        status, _ = raw(c.server_url, "GET", "/api/runs/plain/debugger/state", {"Host": "evil.example:6007"})
        assert status == 403
    with serving(create_app(str(tree[0]), token="s3cret")) as anon:
        assert anon.get("/api/runs/plain/debugger/state").status_code == 401
        assert anon.post("/api/runs/plain/debugger/continue", headers=WRITE).status_code == 401
        assert anon.get("/api/debugger/conditions").status_code == 401
        ok = anon.get("/api/runs/plain/debugger/state", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200 and ok.json() == {"status": "none"}


def test_a_logdir_that_is_itself_a_run_is_the_empty_segment(tmp_path):
    run = tmp_path / "solo"
    write_scalar_run(str(run), {"train/loss": noisy_loss(20)})
    Server(str(run)).publish({"status": "paused", "step": 3, "reason": "breakpoint", "hits": [], "tensors": []})
    with serving(create_app(str(run))) as c:
        assert [r["id"] for r in c.get("/api/runs").json()["runs"]] == ["."]
        st = c.get("/api/runs//debugger/state").json()
        assert st["status"] == "paused" and st["step"] == 3


@pytest.mark.browser
def test_pause_step_continue_in_the_dashboard(page, tmp_path, artifacts):
    """A real ``traindoctor run --break-on``: paused at the hit, inspected, one Step, Continue to the end."""
    logdir = str(tmp_path / "runs")
    run_dir = os.path.join(logdir, "br")
    proc = start_break_run(logdir, "br", "3", "5")  # log(0) from step 3 on; steps 0..4
    try:
        wait_state(run_dir, ("running", "paused"))  # the run directory and its channel exist
        with LiveServer(create_app(logdir)) as srv:
            page.goto(f"{srv.url}/#run=br&panel=debugger")
            page.wait_for_selector("#panel[data-ready='debugger']", timeout=60_000)
            # the panel polls: it turns paused when the breakpoint hits, without a reload
            page.wait_for_selector("#dbg-state[data-status='paused'][data-step='3']", timeout=90_000)
            assert "paused at step 3" in page.locator("#dbg-state").inner_text()
            # a paused run opens on the debugger when no panel is named
            page.evaluate("location.hash = 'run=br&panel=scalars'")
            page.wait_for_selector("#panel[data-ready='scalars']", timeout=60_000)
            page.evaluate("location.hash = 'run=br'")
            page.wait_for_selector("#panel[data-ready='debugger']", timeout=60_000)
            page.wait_for_selector("#dbg-state[data-status='paused'][data-step='3']")
            hit = page.locator("#dbg-pause-table tr[data-condition='tensor_overflow'][data-node='ProbNLL']")
            assert hit.count() == 1 and hit.get_attribute("data-step") == "3"
            assert hit.get_attribute("data-target") == "activation"
            cells = hit.locator("td").all_inner_texts()
            assert "nonfinite=1" in cells[4] and cells[5].startswith("log")  # the stats, the first bad op
            assert page.locator("#dbg-continue").is_enabled() and page.locator("#dbg-step").is_enabled()
            assert not page.locator("#dbg-pause").is_enabled()
            # the hit's tensor is inspected at once: statistics, a slice, the histogram of its finite values
            page.wait_for_selector("#dbg-inspect[data-tensor='activation:ProbNLL'][data-step='3']")
            stats = dict(zip(page.locator("#dbg-stats th").all_inner_texts(), page.locator("#dbg-stats td").all_inner_texts()))
            assert stats["inf"] == "1" and stats["nan"] == "0" and stats["numel"] == "1"
            assert page.locator("#dbg-compare").inner_text().count("step 2") == 1  # the previous step beside it
            assert page.locator("#dbg-hits-table tr[data-step='3'][data-condition='tensor_overflow']").count() >= 1
            assert "no finite value" in page.locator("#dbg-hist").inner_text()  # its only value is inf
            # the loss module's input (finite logits, 32x4), with a slice and fewer bins
            page.select_option("#dbg-tensor", "input:ProbNLL[0]")
            page.wait_for_selector("#dbg-inspect[data-tensor='input:ProbNLL[0]']")
            page.fill("#dbg-slice", "0:2,0:3")
            page.fill("#dbg-bins", "5")
            page.click("#dbg-inspect-go")
            page.wait_for_function("document.querySelectorAll('#dbg-slice-values tr').length === 2")
            assert page.locator("#dbg-slice-values tr").first.locator("td").count() == 3
            hist = page.locator("#dbg-hist")
            page.wait_for_function("document.querySelector('#dbg-hist').data?.[0]?.y.length === 5")
            assert hist.evaluate("d => d.data[0].type") == "bar"
            assert hist.get_attribute("data-total") == str(32 * 4)  # every value of the logits
            # a weight that the NaN gradient of step 3 has just broken: its values show as nan
            page.select_option("#dbg-tensor", "weight:0.weight")
            page.wait_for_selector("#dbg-inspect[data-tensor='weight:0.weight']")
            stats = dict(zip(page.locator("#dbg-stats th").all_inner_texts(), page.locator("#dbg-stats td").all_inner_texts()))
            assert stats["nan"] == str(16 * 8) and stats["shape"] == "[16,8]"
            assert page.locator("#dbg-slice-values td.sev-error").first.inner_text() == "nan"
            page.screenshot(path=os.path.join(artifacts, "dashboard-debugger-paused.png"), full_page=True)

            page.click("#dbg-step")
            page.wait_for_selector("#dbg-state[data-status='paused'][data-step='4']", timeout=60_000)
            page.wait_for_selector("#dbg-inspect[data-step='4']")
            assert page.locator("#dbg-tensor").input_value() == "weight:0.weight"  # the choice is kept
            assert page.locator("#dbg-compare").inner_text().count("step 3") == 1
            assert page.locator("#dbg-pause-table tr[data-step='4']").count() >= 1
            assert proc.poll() is None  # still paused, not finished
            page.screenshot(path=os.path.join(artifacts, "dashboard-debugger-stepped.png"), full_page=True)

            page.click("#dbg-continue")  # step 4 was the last one: the training runs to its end
            page.wait_for_selector("#dbg-state[data-status='ended']", timeout=60_000)
            page.wait_for_selector("#dbg-run-status[data-status='finished']", timeout=30_000)
            assert "run: finished" in page.locator("#dbg-run-status").inner_text()
            assert all(not page.locator(f"#dbg-{a}").is_enabled() for a in ("continue", "step", "stop", "pause"))
            assert "paused" in page.locator("#dbg-inspect").inner_text()  # nothing to inspect any more
            page.screenshot(path=os.path.join(artifacts, "dashboard-debugger-finished.png"), full_page=True)
            assert not page.errors
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
        assert "done" in out  # the script ran to its end after Continue
    finally:
        stop_process(proc)
    run = TDRun(run_dir)
    assert run.status == "finished" and run.event("debug_stop") is None
    assert [p["step"] for p in run.events("debug_pause")] == [3, 4]
    assert {h["step"] for h in run.events("hit") if h["condition"] == "tensor_overflow"} == {3, 4}


@pytest.mark.browser
def test_pause_a_running_run_and_stop_it_from_the_dashboard(page, tmp_path, artifacts):
    """Pause at a step boundary of a run that no breakpoint stops, then Stop: the training ends cleanly."""
    logdir = str(tmp_path / "runs")
    run_dir = os.path.join(logdir, "long")
    proc = start_break_run(logdir, "long", "10000000", "200000")  # the breakpoint never hits
    try:
        wait_state(run_dir, ("running",))
        with LiveServer(create_app(logdir)) as srv:
            page.goto(f"{srv.url}/#run=long&panel=debugger")
            page.wait_for_selector("#dbg-state[data-status='running']", timeout=60_000)
            assert not page.locator("#dbg-step").is_enabled() and not page.locator("#dbg-continue").is_enabled()
            assert "paused" in page.locator("#dbg-inspect").inner_text()  # nothing to inspect while running
            page.click("#dbg-pause")
            page.wait_for_selector("#dbg-state[data-status='paused']", timeout=60_000)
            assert "pause" in page.locator("#dbg-state").inner_text()
            paused_at = int(page.locator("#dbg-state").get_attribute("data-step"))
            assert 0 <= paused_at < 199_999
            assert "no watchpoint hit" in page.locator("#dbg-pause-hits").inner_text()
            page.wait_for_selector("#dbg-inspect[data-tensor]")  # the tensors of the paused step are there
            # the same pause, seen from the command line
            shown = subprocess.run([sys.executable, "-m", "traindoctor", "debug", run_dir, "show", "--format", "json"],
                                   capture_output=True, text=True, timeout=120)
            assert shown.returncode == 0, shown.stderr
            cli = json.loads(shown.stdout)
            assert (cli["status"], cli["step"], cli["reason"]) == ("paused", paused_at, "pause")
            page.screenshot(path=os.path.join(artifacts, "dashboard-debugger-pause.png"), full_page=True)
            page.click("#dbg-stop")
            page.wait_for_selector("#dbg-state[data-status='stopped']", timeout=60_000)
            assert page.locator("#dbg-state").get_attribute("data-step") == str(paused_at)
            page.wait_for_selector("#dbg-run-status[data-status='finished']", timeout=30_000)
            assert not page.errors
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
        assert "done" not in out  # stopped before the script's end
    finally:
        stop_process(proc)
    assert TDRun(run_dir).event("debug_stop")["step"] == paused_at
