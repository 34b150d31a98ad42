"""Functional activations and activation checkpointing: each activation of a forward pass is recorded once."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

import traindoctor
from traindoctor.record import TDRun


class _Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + torch.sigmoid(F.relu(self.fc(x)))  # F.relu calls torch.relu, which is wrapped


class _Net(nn.Module):
    def __init__(self, checkpointed: bool) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([_Block(16) for _ in range(2)])
        self.out = nn.Linear(16, 3)
        self.checkpointed = checkpointed

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for b in self.blocks:
            x = checkpoint(b, x, use_reentrant=False) if self.checkpointed else b(x)
        return self.out(x)


def _train(tmp_path, checkpointed: bool, steps: int = 12) -> TDRun:
    torch.manual_seed(0)
    model = _Net(checkpointed)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = torch.randn(32, 16), torch.randint(0, 3, (32,))
    name = f"ck{int(checkpointed)}"
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name=name, full_steps=steps):
        for _ in range(steps):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
    return TDRun(str(tmp_path / name))


def test_a_functional_relu_is_one_activation(tmp_path):
    act = _train(tmp_path, checkpointed=False).table("activation")
    fn = sorted(k for k in act.keys if "[" in k)
    # not blocks.0.relu[0] and blocks.0.relu[1]: torch.relu inside F.relu was a second activation
    assert fn == ["blocks.0.relu[0]", "blocks.0.sigmoid[0]", "blocks.1.relu[0]", "blocks.1.sigmoid[0]"]


def test_checkpointed_segments_recomputed_in_the_backward_are_not_recorded_again(tmp_path):
    plain = _train(tmp_path, checkpointed=False).table("activation")
    ck = _train(tmp_path, checkpointed=True).table("activation")
    assert sorted(ck.keys) == sorted(plain.keys)
    for key in ck.keys:
        s = ck.series(key, "mean")
        if not len(s.step):
            continue
        assert s.step.tolist() == list(range(12)), key  # one row per step (the recompute doubled them)
        np.testing.assert_allclose(s.value, plain.series(key, "mean").value, rtol=1e-5, atol=1e-7)


def test_f_relu_keeps_its_identity_and_in_place_relu_is_recorded(run_script):
    """torch compares F.relu by identity: TransformerEncoderLayer(activation=F.relu) takes its fast path (and
    TransformerEncoder its nested tensors) only when `activation is F.relu`. With F.relu wrapped, a model built
    under traindoctor ran the slow path. F.relu is no longer wrapped; torch.relu and torch.relu_, which it
    calls, are, so a functional ReLU, in place or not, is still recorded once."""
    proc, run_dir = run_script("""
import torch
from torch import nn
import torch.nn.functional as F
layer = nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)
enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=True)
print("fast", bool(layer.activation_relu_or_gelu), enc.use_nested_tensor)

class Net(nn.Module):
    def __init__(self):
        super().__init__(); self.a = nn.Linear(8, 8); self.b = nn.Linear(8, 2)
    def forward(self, x):
        return self.b(F.relu(self.a(x), inplace=True))

torch.manual_seed(0)
model = Net(); opt = torch.optim.SGD(model.parameters(), lr=0.1)
X = torch.randn(64, 8); y = (X[:, 0] > 0).long()
for i in range(0, 64, 16):
    loss = F.cross_entropy(model(X[i:i + 16]), y[i:i + 16]); opt.zero_grad(); loss.backward(); opt.step()
""")
    assert proc.returncode == 0, proc.stderr
    assert "fast True True" in proc.stdout
    act = TDRun(run_dir).table("activation")
    rows = np.nonzero(act.key == act.keys.index("Net.relu[0]"))[0]
    steps = act.step[rows].tolist()
    assert steps and len(steps) == len(set(steps))  # the in-place ReLU, once per recorded step
    assert "Net.relu[1]" not in act.keys
