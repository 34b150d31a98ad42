"""Lazy modules (``nn.LazyLinear``) get their shapes at the first forward, and complex parameters are not
summarised: neither switches a collector off or reads as a disconnected layer."""
from __future__ import annotations

from traindoctor.record import TDRun

from ..conftest import doctor_json

SCRIPT = """
import torch
from torch import nn
torch.manual_seed(0)

class Spectral(nn.Module):  # a complex weight on the rfft of its input
    def __init__(self, n):
        super().__init__()
        self.w = nn.Parameter(torch.randn(n // 2 + 1, dtype=torch.cfloat) * 0.1 + 1)
    def forward(self, x):
        return torch.fft.irfft(torch.fft.rfft(x) * self.w, n=x.shape[-1])

model = nn.Sequential(nn.LazyLinear(32), nn.ReLU(), Spectral(32), nn.Linear(32, 2))
X = torch.randn(512, 10); Y = (X[:, 0] > 0).long()
opt = None
for i in range(0, 512, 32):
    out = model(X[i:i + 32])
    if opt is None:  # PyTorch's advice: build the optimizer after the lazy shapes are known
        opt = torch.optim.Adam(model.parameters(), 1e-2)
    loss = nn.functional.cross_entropy(out, Y[i:i + 32])
    opt.zero_grad(); loss.backward(); opt.step()
print("done")
"""


def test_a_lazy_model_is_registered_when_its_shapes_are_known(run_script):
    proc, run_dir = run_script(SCRIPT)
    assert proc.returncode == 0 and "done" in proc.stdout, proc.stderr[-2000:]
    assert "internal error" not in proc.stderr, proc.stderr[-2000:]
    run = TDRun(run_dir)
    assert [e["root"] for e in run.events("model")] == ["Sequential"]  # not a "(tensors)" stand-in
    g = run.table("grad")
    assert {"0.weight", "3.weight"} <= set(g.keys)
    assert 0 in set(g.step[g.key == g.keys.index("0.weight")].tolist())
    act = run.table("activation")
    assert {"0", "1", "2", "3"} <= set(act.keys)  # from the second forward on
    report = doctor_json(run_dir)
    loud = [(f["id"], f["title"]) for f in report["findings"] if f["severity"] in ("warning", "error")]
    assert loud == []
