"""A small tanh MLP fitted full-batch by L-BFGS: the loss falls from 0.97 to 0.03 and the gradients shrink
with it, to ‖g‖/‖w‖ below 1e-6 (probe L h02, a healthy run at its target, had a false grad.vanishing). Gradients
that start a hundred times higher while the loss ends below a tenth of its start vanished because the fit
converged; a deep sigmoid stack whose loss stays flat is still reported."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler
how = sys.argv[1]
torch.manual_seed(0)
X, y = load_wine(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32); y = torch.tensor(y)
if how == "lbfgs":
    model = nn.Sequential(nn.Linear(13, 16), nn.Tanh(), nn.Linear(16, 3))
    opt = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=20, history_size=10, line_search_fn="strong_wolfe")
    def closure():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        return loss
    for it in range(15):
        opt.step(closure)
else:
    layers = []
    for i in range(10):
        layers += [nn.Linear(13 if i == 0 else 32, 32), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(32, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    for step in range(150):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["lbfgs", "deep_sigmoid"])
def test_gradients_that_shrank_as_the_fit_converged(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "lbfgs":
        assert "grad.vanishing" not in found, found["grad.vanishing"]
    else:
        assert "grad.vanishing" in found, list(found)
