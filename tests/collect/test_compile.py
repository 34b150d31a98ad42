"""Scripts that use ``torch.compile`` run under ``traindoctor run`` as they do without it, and are recorded.

TorchDynamo traces the global module hooks into compiled code and compiles any Python frame called from a
compiled function's graph breaks: the collector's hooks step aside inside compiled code, and its optimizer
hooks and ``backward`` wrapper run outside TorchDynamo. ``backend="eager"`` keeps the tests fast: the
tracing, which is what broke, is the same as with the default backend.
"""
from __future__ import annotations

from traindoctor.record import TDRun

from ..conftest import doctor_json

DATA = """
import torch
from torch import nn
import torch.nn.functional as F
torch.manual_seed(0)
X = torch.randn(512, 16); Y = (X[:, 0] + X[:, 1] > 0).long()
"""

COMPILED_MODEL = DATA + """
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
cmodel = torch.compile(model, backend="aot_eager")  # the graph calls ATen ops, not F.relu
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(2):
    for i in range(0, 512, 32):
        loss = F.cross_entropy(cmodel(X[i:i + 32]), Y[i:i + 32])
        opt.zero_grad(); loss.backward(); opt.step()
print("done", float(loss))
"""

COMPILED_STEP = DATA + """
model = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)

@torch.compile(backend="eager")
def train_step(x, y):
    loss = F.cross_entropy(model(x), y)
    loss.backward()   # a graph break: the collector's backward wrapper is called from compiled code
    return loss

@torch.compile(backend="eager")
def opt_step():
    opt.step()

for i in range(0, 512, 32):
    loss = train_step(X[i:i + 32], Y[i:i + 32])
    opt_step(); opt.zero_grad()
print("done", float(loss))
"""


def test_a_compiled_model_trains_and_is_recorded_under_its_own_names(run_script):
    proc, run_dir = run_script(COMPILED_MODEL)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "done" in proc.stdout
    assert "internal error" not in proc.stderr and "global hooks" not in proc.stderr  # nothing of ours shown
    run = TDRun(str(run_dir))
    assert run.status == "finished" and len(run.scalar("train/loss").value) == 32
    assert run.table("grad").keys == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [e["root"] for e in run.events("compiled")] == ["Sequential"]
    act = run.table("activation")
    assert len(act.series("Sequential", "mean").step) == 32  # the compiled model's output, every step
    report = {c["id"]: c for c in doctor_json(run_dir)["checklist"]}
    # the ReLU inside the compiled model is not seen: not checked, rather than passed
    assert report["activation.dead_relu"]["status"] == "not_checked"
    assert "torch.compile" in report["activation.dead_relu"]["note"]


def test_a_compiled_train_step_and_optimizer_step_are_recorded_every_step(run_script):
    proc, run_dir = run_script(COMPILED_STEP)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "done" in proc.stdout and "internal error" not in proc.stderr
    run = TDRun(str(run_dir))
    loss = run.scalar("train/loss")
    assert loss.step.tolist() == list(range(16))  # the backward wrapper ran (it was compiled to nothing)
    grads = run.table("grad")
    assert len(grads.keys) == 4 and sorted(set(grads.step.tolist())) == list(range(16))


def test_replaying_a_non_finite_forward_keeps_the_buffers_the_backward_needs(run_script):
    """A divisor buffer that reaches zero: the collector replays the non-finite forward module by module and
    then restores the buffers. Restoring them with a plain in-place copy bumped their version counters,
    and the training's own backward then failed ("modified by an inplace operation"): the script crashed
    under traindoctor where it ran to the end without it."""
    body = DATA + """
class Scale(nn.Module):
    def __init__(self):
        super().__init__(); self.register_buffer("scale", torch.ones(()))
    def forward(self, x):
        return x / self.scale
model = nn.Sequential(nn.Linear(16, 32), Scale(), nn.Tanh(), nn.Linear(32, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(40):
    if step == 30:
        model[1].scale.zero_()
    i = (step * 32) % 512
    loss = F.cross_entropy(model(X[i:i + 32]), Y[i:i + 32])
    opt.zero_grad(); loss.backward(); opt.step()
print("done")
"""
    proc, run_dir = run_script(body)
    assert proc.returncode == 0 and "done" in proc.stdout, proc.stderr[-3000:]
    findings = {f["id"]: f for f in doctor_json(run_dir)["findings"]}
    f = findings["tensor.overflow"]
    assert f["location"] == "1" and f["step"] == 30


def test_a_non_finite_output_of_a_compiled_model_is_traced_to_its_own_module(run_script):
    """The compiled model's inner outputs are not seen; its non-finite output is replayed on the model's own
    modules (eagerly), which names the module that went non-finite first, as for an eager model."""
    body = DATA + """
class Scale(nn.Module):
    def __init__(self):
        super().__init__(); self.register_buffer("scale", torch.ones(()))
    def forward(self, x):
        return x / self.scale
model = nn.Sequential(nn.Linear(16, 32), Scale(), nn.Linear(32, 2))
cmodel = torch.compile(model, backend="aot_eager")
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(40):
    if step == 30:
        model[1].scale.zero_()
    i = (step * 32) % 512
    loss = F.cross_entropy(cmodel(X[i:i + 32]), Y[i:i + 32])
    opt.zero_grad(); loss.backward(); opt.step()
print("done")
"""
    proc, run_dir = run_script(body)
    assert proc.returncode == 0 and "done" in proc.stdout, proc.stderr[-3000:]
    findings = {f["id"]: f for f in doctor_json(run_dir)["findings"]}
    f = findings["tensor.overflow"]
    assert f["location"] == "1" and f["step"] == 30


def test_dynamo_sees_torch_functions_not_our_wrappers_after_init_process_group(tmp_path):
    """init_process_group clears TorchDynamo's table of in-graph torch functions, which is rebuilt by name at the
    next compile: built while the collector was installed, it held the wrappers of F.relu and torch.relu, so
    their graphs called the wrapper and, once the collector was gone, every compile broke its graph at each
    relu (a DDP script under watch(), then any compile in that process)."""
    import tempfile

    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch import nn
    from torch._dynamo.utils import counters

    import traindoctor

    graphs = []

    def backend(gm, example_inputs):
        graphs.append(gm)
        return gm.forward

    torch.manual_seed(0)
    X, Y = torch.randn(64, 16), torch.randint(0, 2, (64,))
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="ddp"):
        dist.init_process_group("gloo", init_method="file://" + tempfile.mktemp(dir=tmp_path), rank=0, world_size=1)
        try:
            ddp = nn.parallel.DistributedDataParallel(model)
            for i in range(0, 64, 16):
                loss = F.cross_entropy(ddp(X[i:i + 16]), Y[i:i + 16])
                opt.zero_grad(); loss.backward(); opt.step()
        finally:
            dist.destroy_process_group()
        torch.compile(model, backend=backend)(X)
    called = [n.target for n in graphs[0].graph.nodes if n.op == "call_function"]
    assert F.relu in called  # the original, not the collector's wrapper
    graphs.clear(); counters.clear()
    torch.compile(nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 2)), backend=backend)(X)
    assert len(graphs) == 1 and sum(counters["graph_break"].values()) == 0
