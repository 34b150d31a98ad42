"""A training loss that falls without bound: a term that rewards growing (a VAE's KL without its minus: probe S f10,
-1.4e23 by epoch 15, led by grad.exploding; here an L2 penalty subtracted). The penalty added passes, and so does a
Gaussian NLL whose healthy values go below zero."""
import pytest

SCRIPT = """
import sys, torch, torch.nn as nn
torch.manual_seed(0)
X = torch.randn(2048, 8); y = X[:, :1] * 2 + 0.05 * torch.randn(2048, 1)
model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
WAY = sys.argv[1]
for epoch in range(12):
    for i in range(0, 2048, 64):
        out = model(X[i:i + 64]); t = y[i:i + 64]
        if WAY == "gnll":
            loss = nn.functional.gaussian_nll_loss(out[:, :1], t, nn.functional.softplus(out[:, 1:]) + 1e-3)
        else:
            penalty = sum((p ** 2).sum() for p in model.parameters())
            loss = nn.functional.mse_loss(out[:, :1], t) + (1e-3 if WAY == "plus" else -0.5) * penalty
        opt.zero_grad(); loss.backward(); opt.step()
    print(f"epoch {epoch} loss {loss.item():.4g}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.loss_function" and "without bound" in f["title"]]


def test_a_loss_that_falls_without_bound_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "minus")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "graph.loss_function", report["findings"]
    assert found[0]["evidence"]["lowest_loss"] < -1e6 < 1e3 * found[0]["evidence"]["first_loss"], found[0]


@pytest.mark.parametrize("way", ["plus", "gnll"])
def test_bounded_losses_pass(diagnosed, way):
    _, report = diagnosed(SCRIPT, way)
    assert not _found(report), _found(report)
