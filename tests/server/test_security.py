"""No request reads outside the log directory; non-local serving needs a token; loopback by default."""
from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from traindoctor.server.app import create_app
from traindoctor.server.cli import is_local

from .conftest import free_port, serving
from .synthetic import noisy_loss, write_scalar_run


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """logdir/{inside, link_out -> outside/secret_run, link_in -> inside}, plus outside/secret_run."""
    root = tmp_path_factory.mktemp("sec")
    logdir, outside = root / "logdir", root / "outside"
    write_scalar_run(str(logdir / "inside"), {"train/loss": noisy_loss(100)})
    write_scalar_run(str(outside / "secret_run"), {"train/loss": noisy_loss(100)})
    (outside / "secret.txt").write_text("top secret")
    os.symlink(outside / "secret_run", logdir / "link_out")
    os.symlink(logdir / "inside", logdir / "link_in")
    return logdir, outside


@pytest.fixture(scope="module")
def client(tree):
    with serving(create_app(str(tree[0]))) as c:
        yield c


def raw_get(base_url: str, path: str, host: str | None = None) -> tuple[int, str]:
    """A GET with the path sent exactly as written (no client-side normalisation of '..')."""
    hostport = base_url.split("//", 1)[1]
    conn = http.client.HTTPConnection(hostport, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host or hostport)
        conn.endheaders()
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        conn.close()


ESCAPES = ["..", "../outside/secret_run", "inside/../../outside/secret_run", "%2e%2e/outside/secret_run",
           "..%2Foutside%2Fsecret_run", "/etc", "//etc", "link_out", "inside/..\\..", "inside\x00", "~root"]


@pytest.mark.parametrize("run", ESCAPES)
def test_run_ids_cannot_leave_the_logdir(client, tree, run):
    for api in ("run", "report", "graph", "version", "hparams", "tensors", "tensor", "opgraph"):
        r = client.get(f"/api/{api}", params={"run": run, "name": "0.weight"})
        assert r.status_code == 404, (api, run, r.text)
        assert "error" in r.json() and "secret" not in r.text.replace(run, "")
    r = client.get("/api/scalars", params={"run": run, "tag": "train/loss"})
    assert r.status_code == 404 and "value" not in r.text


def test_raw_encoded_traversal_in_the_url(client, tree):
    for raw in ["/api/run?run=%2e%2e%2foutside%2fsecret_run", "/api/run?run=..%2f..%2f..%2fetc",
                "/api/run?run=%252e%252e", "/api/run?run=/etc", "/static/../app.py", "/static/%2e%2e/app.py",
                "/static/..%2fapp.py", "/static/%2e%2e%2f%2e%2e%2foutside/secret.txt", "/static//etc/passwd",
                "/static/../../../outside/secret.txt", "/%2e%2e/outside/secret.txt", "/../../outside/secret.txt"]:
        status, body = raw_get(client.server_url, raw)
        assert status in (400, 404), (raw, status)
        assert "top secret" not in body and "create_app" not in body and "root:" not in body


def test_symlinks_inside_are_served_and_outside_are_not_listed(client):
    ids = {r["id"] for r in client.get("/api/runs").json()["runs"]}
    assert "inside" in ids and "link_out" not in ids
    assert client.get("/api/run", params={"run": "link_in"}).status_code == 200
    assert "outside the log directory" in client.get("/api/run", params={"run": "link_out"}).json()["error"]


def test_foreign_host_header_refused_without_token(client):
    status, body = raw_get(client.server_url, "/api/runs", host="evil.example:6007")
    assert status == 403 and "inside" not in body
    assert raw_get(client.server_url, "/api/runs", host="localhost:6007")[0] == 200


def test_token_is_required_on_every_request(tree):
    with serving(create_app(str(tree[0]), token="s3cret")) as anon:
        for path in ("/", "/api/runs", "/static/app.js", "/plotly.min.js", "/api/run?run=inside"):
            assert anon.get(path).status_code == 401, path
        assert raw_get(anon.server_url, "/api/runs", host="example.org")[0] == 401
        assert anon.get("/api/runs", params={"token": "wrong"}).status_code == 401
        assert anon.get("/api/runs", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        first = anon.get("/", params={"token": "s3cret"})
        assert first.status_code == 200 and "HttpOnly" in first.headers["set-cookie"]
        assert anon.get("/api/runs").status_code == 200  # the cookie carries it from now on


def test_is_local():
    assert is_local("127.0.0.1") and is_local("localhost") and is_local("::1") and is_local("127.0.0.2")
    assert not is_local("0.0.0.0") and not is_local("192.168.1.5") and not is_local("example.org")


def _serve(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "traindoctor", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_cli_refuses_a_non_local_host_without_token(tree):
    p = _serve(str(tree[0]), "--host", "0.0.0.0", "--port", str(free_port()))
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2 and "--token" in err and "Traceback" not in err


def test_cli_serves_on_loopback_by_default(tree):
    port = free_port()
    p = _serve(str(tree[0]), "--port", str(port))
    try:
        deadline = time.time() + 60
        body = None
        while time.time() < deadline and body is None:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/runs", timeout=2).read().decode()
            except OSError:
                time.sleep(0.2)
        assert body is not None and '"inside"' in body
        with open("/proc/net/tcp") as fh:
            listening = [line.split()[1] for line in fh.read().splitlines()[1:] if line.split()[3] == "0A"]  # LISTEN
        assert f"0100007F:{port:04X}" in listening  # 127.0.0.1, not 0.0.0.0
        assert f"00000000:{port:04X}" not in listening
    finally:
        p.terminate()
        p.communicate(timeout=30)
