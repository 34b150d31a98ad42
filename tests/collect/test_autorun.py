"""``traindoctor run`` runs the script exactly as ``python SCRIPT ARGS`` would, and records it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np

from traindoctor.record import TDRun

from ..conftest import TD, doctor_json, td

TRAIN = """
import sys, torch
from torch import nn
torch.manual_seed(0)
X = torch.randn(256, 8); Y = (X[:, 0] > 0).long()
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    for x, y in loader:
        opt.zero_grad(); loss = nn.functional.cross_entropy(model(x), y); loss.backward(); opt.step()
"""


def test_argv_main_cwd_stdin_stdout_and_exit_code(run_script, tmp_path):
    body = TRAIN + """
import os
print("argv", sys.argv[1:], __name__, os.getcwd() == sys.argv[3], sys.stdin.readline().strip())
sys.exit(3)
"""
    proc, run_dir = run_script(body, "--lr", "0.1", str(tmp_path), input="hello\n")
    assert proc.returncode == 3
    assert "argv ['--lr', '0.1', '" in proc.stdout and "__main__ True hello" in proc.stdout
    run = TDRun(str(run_dir))
    assert run.status == "crashed" and run.event("end")["exit_code"] == 3
    assert run.steps == 16


def test_crashing_script_keeps_its_traceback_exit_code_and_record(run_script):
    proc, run_dir = run_script(TRAIN + "\nraise ValueError('loss is nan, giving up')\n")
    assert proc.returncode == 1
    assert "ValueError: loss is nan, giving up" in proc.stderr
    assert "traindoctor/collect" not in proc.stderr.split("Traceback")[1].split("ValueError")[0]
    report = doctor_json(run_dir)
    assert report["run"]["status"] == "crashed" and report["run"]["steps"] == 16


def test_no_torch_optim_manual_update_is_recorded(run_script):
    body = """
import torch
torch.manual_seed(0)
X = torch.randn(128, 4); y = X @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 1
W = torch.zeros(4, requires_grad=True); b = torch.zeros(1, requires_grad=True)
for step in range(30):
    loss = ((X @ W + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        W -= 0.05 * W.grad; b -= 0.05 * b.grad
        W.grad.zero_(); b.grad.zero_()
"""
    proc, run_dir = run_script(body)
    assert proc.returncode == 0, proc.stderr
    run = TDRun(str(run_dir))
    assert run.steps == 30
    assert set(run.table("weight").keys) == {"W", "b"}  # names found in the script's own variables
    upd = run.table("update").series("W", "norm")
    assert len(upd) == 30 and (upd.value > 0).all()
    loss = run.scalar("train/loss").value
    assert loss[-1] < loss[0] / 10


def test_lbfgs_closure_counts_one_step_per_optimizer_step(run_script):
    body = """
import torch
from torch import nn
torch.manual_seed(0)
X = torch.randn(64, 3); y = X.sum(1, keepdim=True)
model = nn.Linear(3, 1)
opt = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=5)
for step in range(6):
    def closure():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        return loss
    opt.step(closure)
"""
    proc, run_dir = run_script(body)
    assert proc.returncode == 0, proc.stderr
    run = TDRun(str(run_dir))
    assert run.steps == 6
    assert len(run.scalar("train/loss")) == 6
    assert run.table("weight").keys == ["weight", "bias"]  # named from the model, although the optimizer came first
    # LBFGS computes the first gradient inside step(): from the second step on, the gradient is there before it
    assert run.table("grad").series("weight", "norm").step.tolist() == [1, 2, 3, 4, 5]


def test_two_optimizers_scheduler_and_gradient_accumulation(run_script):
    body = """
import torch
from torch import nn
torch.manual_seed(0)
G = nn.Linear(4, 4); D = nn.Linear(4, 1)
og = torch.optim.Adam(G.parameters(), lr=1e-3); od = torch.optim.SGD(D.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(od, step_size=5, gamma=0.1)
for it in range(10):
    for micro in range(2):  # accumulation: two backward calls per optimizer step
        z = torch.randn(8, 4)
        d_loss = D(z).pow(2).mean() + D(G(z).detach()).mean()
        (d_loss / 2).backward()
    od.step(); od.zero_grad()
    g_loss = -D(G(torch.randn(8, 4))).mean()
    og.zero_grad(); g_loss.backward(); og.step()
    sched.step()
"""
    proc, run_dir = run_script(body)
    assert proc.returncode == 0, proc.stderr
    run = TDRun(str(run_dir))
    assert 10 <= run.steps <= 11  # the first iteration may split before both optimizers are known
    lr = run.scalar("opt1/group0/lr")
    assert lr.value[0] == 0.1 and abs(lr.value[-1] - 0.01) < 1e-9
    opts = run.events("optimizer")
    assert {o["class"] for o in opts} == {"Adam", "SGD"}


def test_amp_grad_scaler_records_unscaled_loss_and_scale(run_script):
    body = """
import torch
from torch import nn
torch.manual_seed(0)
model = nn.Linear(8, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
X = torch.randn(64, 8); y = torch.randint(0, 2, (64,))
for step in range(8):
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = nn.functional.cross_entropy(model(X), y)
    opt.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
"""
    proc, run_dir = run_script(body)
    assert proc.returncode == 0, proc.stderr
    run = TDRun(str(run_dir))
    assert run.steps == 8
    loss = run.scalar("train/loss").value
    assert 0.3 < loss[0] < 2.0  # the unscaled cross-entropy, not 1024 times it
    assert len(run.scalar("amp/scale")) == 8


def test_collector_failure_never_reaches_the_script(run_script):
    proc, run_dir = run_script(TRAIN + "\nprint('done', loss.item() > 0)\n",
                               env={"TRAINDOCTOR_INJECT_FAULT": "activation,grad"})
    assert proc.returncode == 0
    assert "done True" in proc.stdout
    assert proc.stderr.count("internal error in the activation collector") == 1
    report = doctor_json(run_dir)
    assert any("activation collector failed" in w for w in report["warnings"])
    run = TDRun(str(run_dir))
    assert len(run.scalar("train/loss")) == 16 and len(run.table("activation")) == 0


def test_sigterm_flushes_the_record(tmp_path):
    script = tmp_path / "loop.py"
    script.write_text(TRAIN.replace("range(2)", "range(100000)").replace("opt.step()", "opt.step(); print('s', flush=True)"))
    proc = subprocess.Popen(TD + ["run", "--logdir", str(tmp_path / "runs"), "--name", "t", "--no-summary", str(script)],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(40):
        proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    assert proc.returncode == -signal.SIGTERM
    run = TDRun(str(tmp_path / "runs" / "t"))
    assert run.status == "terminated"
    assert run.steps >= 40 and run.warnings == []


# A SIGTERM delivered while the training thread is inside the writer's put: the trace function below sends
# it from the deepest `_put` frame under StreamWriter._put (queue.Queue._put, which runs holding the queue's
# mutex, when the writer used a queue.Queue), else as StreamWriter._put returns. The handler then writes the
# end record from that same thread.
SIGTERM_INSIDE_PUT = """
import os, signal, sys
from traindoctor.record.writer import StreamWriter
fired = []

def kill():
    fired.append(1)
    sys.settrace(None)
    os.kill(os.getpid(), signal.SIGTERM)

def tracer(frame, event, arg):
    if fired or frame.f_code is not StreamWriter._put.__code__:
        return None
    def inside(f, ev, a):
        if fired:
            return None
        if ev == "return":
            kill()
        return inside
    return inside

def deeper(frame, event, arg):  # frames called from StreamWriter._put
    if fired:
        return None
    if event == "call" and frame.f_code.co_name == "_put" and frame.f_code is not StreamWriter._put.__code__:
        if _under_put(frame.f_back):
            kill()
        return None
    return tracer(frame, event, arg)

def _under_put(frame):
    while frame is not None:
        if frame.f_code is StreamWriter._put.__code__:
            return True
        frame = frame.f_back
    return False

for epoch in range(100000):
    if epoch == 3:
        sys.settrace(deeper)
    for x, y in loader:
        opt.zero_grad(); loss = nn.functional.cross_entropy(model(x), y); loss.backward(); opt.step()
"""


def test_sigterm_inside_the_writers_put_still_ends_the_process(tmp_path):
    script = tmp_path / "loop.py"
    script.write_text(TRAIN.replace("range(2)", "range(3)") + SIGTERM_INSIDE_PUT)
    proc = subprocess.Popen(TD + ["run", "--logdir", str(tmp_path / "runs"), "--name", "t", "--no-summary", str(script)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        proc.wait(60)  # the old writer's handler waited on the queue's mutex forever
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGTERM, proc.stderr.read()
    run = TDRun(str(tmp_path / "runs" / "t"))
    assert run.status == "terminated" and run.steps >= 48


def test_sigterm_ends_the_process_when_closing_the_record_hangs(tmp_path):
    script = tmp_path / "loop.py"
    script.write_text(TRAIN.replace("range(2)", "range(100000)").replace("opt.step()", """opt.step()
        if epoch == 2:
            import time, traindoctor.collect.autorun as autorun
            from traindoctor.collect.torch import _OPEN
            autorun.SIGTERM_GRACE = 2.0
            for c in list(_OPEN):
                c.writer.close = lambda *a, **k: time.sleep(1000)  # a hang in closing the record
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1000)""").replace("import sys, torch", "import os, signal, sys, torch"))
    proc = subprocess.Popen(TD + ["run", "--logdir", str(tmp_path / "runs"), "--name", "h", "--no-summary", str(script)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        proc.wait(60)
    finally:
        proc.kill()
    assert proc.returncode == -signal.SIGTERM, proc.stderr.read()
    run = TDRun(str(tmp_path / "runs" / "h"))
    assert run.steps >= 16 and all("\n" not in w for w in run.warnings)


def test_kill_9_keeps_everything_flushed_before(tmp_path):
    script = tmp_path / "loop.py"
    script.write_text(TRAIN.replace("range(2)", "range(100000)"))
    proc = subprocess.Popen(TD + ["run", "--logdir", str(tmp_path / "runs"), "--name", "k", "--no-summary", str(script)],
                            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stream = tmp_path / "runs" / "k" / "rank0.tdr"
    deadline = time.time() + 90
    while time.time() < deadline:  # wait until at least 30 steps are on disk
        if stream.exists() and TDRun(str(tmp_path / "runs" / "k")).steps >= 30:
            break
        time.sleep(0.3)
    size_before_kill = stream.stat().st_size
    proc.kill()
    proc.wait()
    run = TDRun(str(tmp_path / "runs" / "k"))
    assert run.status == "crashed"
    assert run.steps > 20
    # every complete record on disk was read: at most the torn last record is lost
    assert sum(1 for w in run.warnings if "truncated" in w) <= 1
    assert all("\n" not in w for w in run.warnings)
    assert stream.stat().st_size >= size_before_kill
    loss = run.scalar("train/loss")
    assert np.all(np.diff(loss.step) == 1)  # no gap inside what was read


def test_missing_script_and_bad_run_are_one_line_errors(tmp_path):
    r = subprocess.run(TD + ["run", str(tmp_path / "nope.py")], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "nope.py: no such script" in r.stderr
    r = subprocess.run(TD + ["doctor", str(tmp_path / "missing")], capture_output=True, text=True)
    assert r.returncode == 2 and "no such file or directory" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / "empty").mkdir()
    r = subprocess.run(TD + ["doctor", str(tmp_path / "empty")], capture_output=True, text=True)
    assert r.returncode == 2 and "not a run directory" in r.stderr and "Traceback" not in r.stderr


def test_a_collector_left_open_is_closed_at_exit(tmp_path):
    """A script that builds a ``Collector`` and exits without closing it: the exit handlers flush its
    buffered steps, write the end record and stop the writer thread (left running, the daemon thread made
    the interpreter's teardown abort now and then)."""
    script = tmp_path / "open.py"
    script.write_text(f"""
import torch
from torch import nn
from traindoctor.collect.torch import Collector, CollectOptions
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(32, 8), torch.randint(0, 2, (32,))
c = Collector({str(tmp_path / "r")!r}, options=CollectOptions(flush_interval=3600.0))
c.install()
for _ in range(7):
    opt.zero_grad(); nn.functional.cross_entropy(model(x), y).backward(); opt.step()
""")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    run = TDRun(str(tmp_path / "r"))
    assert run.status == "finished"
    assert len(run.scalar("train/loss")) == 7
    assert run.events("end")


def test_file_argv0_and_warnings_read_as_in_a_plain_run(tmp_path):
    """__file__ is absolute and sys.argv[0] as typed, as python sets them (runpy.run_path set both to one
    path), and a torch warning about its caller names the user's line, not our wrapper in collect/torch.py."""
    script = tmp_path / "train.py"
    script.write_text(
        "import sys\n"
        "import torch\n"
        "print(__file__, sys.argv[0])\n"
        "torch.nn.functional.mse_loss(torch.zeros(4, 1), torch.zeros(4))\n")
    plain = subprocess.run([sys.executable, "train.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    ours = td("run", "--no-summary", "--logdir", str(tmp_path / "runs"), "--name", "w", "train.py", cwd=tmp_path)
    assert plain.returncode == ours.returncode == 0, ours.stderr
    assert ours.stdout.splitlines()[0] == plain.stdout.splitlines()[0] == f"{script} train.py"
    warning = [line for line in plain.stderr.splitlines() if "UserWarning" in line]
    assert warning and warning[0].startswith(f"{script}:4: UserWarning: Using a target size")
    assert warning[0] in ours.stderr.splitlines()


CTRL_C_INSIDE_A_COLLECTOR = """
import os, signal, sys
from traindoctor.collect.torch import Collector
fired = []

def tracer(frame, event, arg):  # Ctrl-C as the collector's _guarded starts one of its parts
    if not fired and event == "call" and frame.f_back is not None \
            and frame.f_back.f_code is Collector._guarded.__code__:
        fired.append(frame.f_code.co_name)
        sys.settrace(None)
        os.kill(os.getpid(), signal.SIGINT)
    return None

try:
    for epoch in range(3, 40):
        if epoch == 4:
            sys.settrace(tracer)
        for x, y in loader:
            opt.zero_grad(); loss = nn.functional.cross_entropy(model(x), y); loss.backward(); opt.step()
    print("not interrupted", fired)
except KeyboardInterrupt:
    print("interrupted in", fired)
"""


def test_ctrl_c_inside_a_collector_reaches_the_script(run_script):
    proc, run_dir = run_script(TRAIN.replace("range(2)", "range(3)") + CTRL_C_INSIDE_A_COLLECTOR)
    assert proc.returncode == 0
    assert "interrupted in ['" in proc.stdout, proc.stdout  # the old _guarded swallowed it as a collector failure
    run = TDRun(str(run_dir))
    assert run.events("internal_error") == [] and run.steps < 40 * 8


def test_a_crash_inside_a_loss_function_shows_no_traindoctor_frames(run_script):
    # the loss wrapper's frames sat between the script's line and torch's in the user's traceback
    proc, _ = run_script(TRAIN + "\nnn.functional.cross_entropy(model(X), Y[:10])\n")
    assert proc.returncode == 1
    tb = proc.stderr.split("Traceback")[1]
    assert "ValueError: Expected input batch_size (256) to match target batch_size (10)" in tb, proc.stderr
    assert "nn.functional.cross_entropy(model(X), Y[:10])" in tb and "torch/nn/functional.py" in tb
    assert "traindoctor" not in tb, tb
