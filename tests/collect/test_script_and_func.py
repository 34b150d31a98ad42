"""TorchScript and torch.func under ``traindoctor run``: scripts that script their modules or take per-sample
gradients run as they do without traindoctor, and the rest of the training is recorded."""
from __future__ import annotations

import torch

import traindoctor
from traindoctor.record import TDRun

SCRIPTED = """
import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.functional import relu
torch.manual_seed(0)

class Block(nn.Module):
    def __init__(self):
        super().__init__(); self.l = nn.Linear(16, 16)
    def forward(self, x):
        return torch.tanh(self.l(x)) + relu(x) + F.relu(torch.relu(x)) * torch.sigmoid(x)

@torch.jit.script
def loss_fn(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits, y)

model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), torch.jit.script(Block()), nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
X = torch.randn(256, 8); y = (X[:, 0] > 0).long()
for i in range(0, 256, 32):
    loss = loss_fn(model(X[i:i + 32]), y[i:i + 32])
    opt.zero_grad(); loss.backward(); opt.step()
print("done", round(float(loss), 4))
"""


def test_torch_jit_script_compiles_the_torch_functions_not_our_wrappers(run_script):
    """torch.jit.script failed on any module that called torch.tanh, torch.relu or F.relu while the collector
    was installed (it tried to compile the wrapper and found no source for the builtin it wraps)."""
    proc, run_dir = run_script(SCRIPTED)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "done" in proc.stdout and "internal error" not in proc.stderr
    run = TDRun(run_dir)
    assert sorted(set(run.table("grad").step.tolist())) == list(range(8))
    act = run.table("activation")
    assert {"0", "1", "3"} <= set(act.keys)  # the eager modules around the scripted block


def test_scripting_after_watch_uses_the_originals(tmp_path):
    from torch.jit import _builtins

    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())
    with traindoctor.watch(model, logdir=str(tmp_path), name="w"):
        model(torch.randn(2, 4)).sum().backward()
        wrapper = torch.relu
        assert wrapper is not torch._C._VariableFunctions.relu and _builtins._find_builtin(wrapper) == "aten::relu"

    @torch.jit.script
    def f(x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x) + torch.nn.functional.relu(x)

    assert torch.equal(f(torch.tensor([-1.0, 2.0])), torch.tensor([0.0, 4.0]))
    assert _builtins._find_builtin(wrapper) is None  # gone with the collector: its id may be reused


PER_SAMPLE = """
import torch
from torch import nn
from torch.func import functional_call, vmap, grad
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1))
X = torch.randn(256, 10); Y = X[:, :1] * 2
opt = torch.optim.SGD(model.parameters(), lr=0.05)

def sample_loss(params, x, y):
    return ((functional_call(model, params, (x[None],)) - y[None]) ** 2).mean()

for i in range(0, 256, 32):
    params = {k: v.detach() for k, v in model.named_parameters()}
    per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, X[i:i + 32], Y[i:i + 32])
    loss = ((model(X[i:i + 32]) - Y[i:i + 32]) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
print("done", per_sample["0.weight"].shape[0])
"""


def test_per_sample_gradients_with_vmap_leave_the_recording_on(run_script):
    """Module hooks fire inside vmap(grad(functional_call(...))) on batched stand-ins with no storage: reading
    them failed and switched the activation recording and the debugger off for the rest of the run."""
    proc, run_dir = run_script(PER_SAMPLE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "done 32" in proc.stdout
    assert "internal error" not in proc.stderr and "failed" not in proc.stderr, proc.stderr[-2000:]
    act = TDRun(run_dir).table("activation")
    assert sorted(set(act.step.tolist()))[:2] == [0, 1] and {"0", "1", "2"} <= set(act.keys)
