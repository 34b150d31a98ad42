from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "benchmarks" / "zoo"
TD = [sys.executable, "-m", "traindoctor"]


def td(*args: str, cwd: str | os.PathLike | None = None, env: dict | None = None, input: str | None = None,
       timeout: float = 240) -> subprocess.CompletedProcess:
    """Run the ``traindoctor`` command line as a user would."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(TD + list(args), cwd=cwd, env=e, input=input, capture_output=True, text=True,
                          timeout=timeout)


def doctor_json(run_dir: str | os.PathLike) -> dict:
    r = td("doctor", str(run_dir), "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def write_script(tmp_path: Path, body: str, name: str = "train.py") -> Path:
    p = tmp_path / name
    p.write_text(body)
    return p


@pytest.fixture
def run_script(tmp_path):
    """Write ``body`` to a script, run it under ``traindoctor run``, return (process, run_dir)."""

    def go(body: str, *args: str, name: str = "r", extra: tuple[str, ...] = (), env: dict | None = None,
           input: str | None = None):
        script = write_script(tmp_path, body)
        proc = td("run", "--logdir", str(tmp_path / "runs"), "--name", name, "--no-summary", *extra, str(script),
                  *args, cwd=tmp_path, env=env, input=input)
        return proc, tmp_path / "runs" / name

    return go


@pytest.fixture
def diagnosed(tmp_path):
    """Run ``body`` in this process under the collector, as ``traindoctor run`` does, and diagnose the run:
    returns ``(run_dir, report)`` with the report as ``doctor --format json`` prints it. Faster than two
    subprocesses (each imports torch) for tests about the diagnosis; the command line has tests of its own."""
    from traindoctor.collect.autorun import run_script
    from traindoctor.collect.torch import CollectOptions
    from traindoctor.report import diagnose

    counter = itertools.count()

    def go(body: str, *args: str, target: dict[str, float] | None = None):
        i = next(counter)
        script = write_script(tmp_path, body, name=f"train{i}.py")
        run_dir = tmp_path / "runs" / f"r{i}"
        options = CollectOptions(target=target) if target else CollectOptions()
        code, status = run_script(str(script), list(args), str(run_dir), f"r{i}", options)
        assert code == 0, status
        return run_dir, json.loads(diagnose(str(run_dir)).dumps())

    return go
