"""The op graph: traced once per model at its first training forward, without changing the training."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils._python_dispatch import _get_current_dispatch_mode

import traindoctor
from traindoctor.collect import opgraph


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        self.drop = nn.Dropout(0.2)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        return self.head(self.drop(self.body(x)))


def train(steps: int = 6, watch: str | None = None, first_forward=None, **watch_options):
    """Train MLP a few steps (optionally watched); returns (losses, final parameters, run or None)."""
    torch.manual_seed(0)
    model = MLP()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    X, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    td = traindoctor.watch(model, opt, logdir=watch, name="r", **watch_options) if watch else None
    losses = []
    try:
        if first_forward is not None:
            first_forward(model, X)
        for _ in range(steps):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(X), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    finally:
        if td is not None:
            td.close()
    run = traindoctor.open_run(td.path) if td is not None else None
    return losses, [p.detach().clone() for p in model.parameters()], run


def test_mlp_graph_has_its_ops_in_the_right_modules_with_edges(tmp_path):
    _, _, run = train(watch=str(tmp_path))
    graphs = run.events("opgraph")
    assert len(graphs) == 1  # once per run, not every step
    g = graphs[0]
    assert g["root"] == "MLP" and g["step"] == 0 and g["grad_enabled"] and not g["truncated"]
    ops = g["ops"]
    by_module = {}
    for i, op in enumerate(ops):
        by_module.setdefault(op["module"], []).append((i, op["op"]))
    first = next(i for i, name in by_module["body.0"] if name == "aten.addmm")
    relu = next(i for i, name in by_module["body.1"] if name == "aten.relu")
    head = next(i for i, name in by_module["head"] if name == "aten.addmm")
    assert any(name.startswith("aten.native_dropout") or name == "aten.bernoulli_" for _, name in by_module["drop"])
    # data edges: body.0's addmm reads the batch, its bias, and the transposed weight
    ins = ops[first]["in"]
    assert any(d.get("param") == "body.0.bias" for d in ins)
    assert any("from" not in d and "param" not in d and d["shape"] == [32, 8] for d in ins)
    t_op = next(d["from"][0] for d in ins if "from" in d)
    assert ops[t_op]["op"] == "aten.t" and ops[t_op]["in"][0]["param"] == "body.0.weight"
    assert [d.get("from") for d in ops[relu]["in"]] == [[first, 0]]
    # the head's addmm reads what the dropout made of the relu's output: follow the edges back to the relu
    seen, stack = set(), [d["from"][0] for d in ops[head]["in"] if "from" in d]
    while stack:
        j = stack.pop()
        if j not in seen:
            seen.add(j)
            stack.extend(d["from"][0] for d in ops[j]["in"] if "from" in d)
    assert relu in seen and first in seen
    assert ops[head]["out"][0] == {"shape": [32, 3], "dtype": "float32"}
    # the collector's own statistics, computed in its hooks during that forward, are not ops of the model
    assert not any(op["op"] in ("aten.aminmax", "aten.dot") for op in ops)
    assert g["collector_ops_left_out"] > 0
    assert "opgraph" in run.records()


def test_tracing_changes_nothing_in_the_training(tmp_path):
    plain_losses, plain_params, _ = train()
    losses, params, run = train(watch=str(tmp_path))
    assert run.event("opgraph") is not None
    assert losses == plain_losses  # bitwise, dropout's random draws included
    assert all(torch.equal(a, b) for a, b in zip(params, plain_params))
    assert _get_current_dispatch_mode() is None


def test_first_forward_under_no_grad_and_autocast_is_traced(tmp_path):
    def first(model, X):
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            model(X)

    _, _, run = train(watch=str(tmp_path), first_forward=first)
    g = run.event("opgraph")
    assert g["grad_enabled"] is False and g["autocast"] is True
    names = [op["op"] for op in g["ops"]]
    assert "aten.addmm" in names and "aten._to_copy" in names  # autocast's casts show
    addmm = next(op for op in g["ops"] if op["op"] == "aten.addmm")
    assert addmm["out"][0]["dtype"] == "bfloat16"
    assert not run.events("internal_error")
    assert run.steps == 6


def test_a_failure_inside_the_tracing_is_swallowed_and_reported_once(tmp_path, monkeypatch, capsys):
    calls = []

    def broken(self, func, args, kwargs, out):
        calls.append(func)
        raise RuntimeError("boom inside the op recorder")

    monkeypatch.setattr(opgraph.OpGraphRecorder, "_record", broken)
    plain_losses, plain_params, _ = train()
    losses, params, run = train(watch=str(tmp_path))
    assert len(calls) == 1  # the first op failed; the recorder stopped recording, the forward went on
    assert losses == plain_losses and all(torch.equal(a, b) for a, b in zip(params, plain_params))
    errors = [e for e in run.events("internal_error") if e["part"] == "opgraph"]
    assert len(errors) == 1 and "boom inside the op recorder" in errors[0]["error"]
    assert capsys.readouterr().err.count("internal error in the opgraph collector") == 1
    assert run.event("opgraph") is None and run.steps == 6
    assert "opgraph" in run.event("end")["disabled"]
    assert _get_current_dispatch_mode() is None


def test_an_error_in_the_traced_forward_reaches_the_script_and_the_mode_is_popped(tmp_path):
    torch.manual_seed(0)
    model = MLP()
    td = traindoctor.watch(model, logdir=str(tmp_path), name="r")
    try:
        try:
            model(torch.randn(4, 5))  # wrong width: the user's own error
        except RuntimeError as exc:
            assert "shapes cannot be multiplied" in str(exc)
        else:
            raise AssertionError("the forward should have raised")
        assert _get_current_dispatch_mode() is None
        assert model(torch.randn(4, 8)).shape == (4, 3)
    finally:
        td.close()
    assert not traindoctor.open_run(td.path).events("internal_error")


def test_a_long_forward_is_truncated_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(opgraph, "MAX_OPS", 3)
    _, _, run = train(watch=str(tmp_path), steps=2)
    g = run.event("opgraph")
    assert g["truncated"] and g["recorded_ops"] == 3 and len(g["ops"]) == 3 and g["total_ops"] > 3


@pytest.mark.filterwarnings("ignore:Using `torch.compile\\(module\\)` when there are global hooks")
def test_a_compiled_submodule_still_compiles(tmp_path):
    """Dynamo, finding a plain dispatch mode active, would skip the compiled code for good; the recorder
    declares ignore_compile_internals, so the compilation happens as it would without it."""
    graphs = []

    def counting_backend(gm, example_inputs):
        graphs.append(gm)
        return gm.forward

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(8, 16)
            self.b = torch.compile(nn.Sequential(nn.ReLU(), nn.Linear(16, 3)), backend=counting_backend)

        def forward(self, x):
            return self.b(self.a(x))

    torch.manual_seed(0)
    model = Model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    X, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="c"):
        for _ in range(3):
            opt.zero_grad()
            nn.functional.cross_entropy(model(X), y).backward()
            opt.step()
    assert len(graphs) >= 1  # compiled at the traced first forward, not skipped
    g = traindoctor.open_run(str(tmp_path / "c")).event("opgraph")
    assert g["compiled_modules"] == ["b"] and ("aten.addmm", "a") in {(o["op"], o["module"]) for o in g["ops"]}


def test_tracing_does_not_import_dynamo(tmp_path):
    """Importing torch._dynamo costs about a second. torch.optim's optimizers import it themselves; a script
    without them (here: a hand-written update) must not pay it for the tracing."""
    from ..conftest import td, write_script

    script = write_script(tmp_path, """
import sys, torch
from torch import nn
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
for _ in range(2):
    nn.functional.cross_entropy(model(torch.randn(8, 4)), torch.randint(0, 2, (8,))).backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
            p.grad = None
print("dynamo loaded:", "torch._dynamo" in sys.modules)
""")
    proc = td("run", "--logdir", str(tmp_path / "runs"), "--name", "r", "--no-summary", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "dynamo loaded: False" in proc.stdout
    assert traindoctor.open_run(str(tmp_path / "runs" / "r")).event("opgraph")["recorded_ops"] > 0
