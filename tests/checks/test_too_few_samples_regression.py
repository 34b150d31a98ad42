"""A regression on 15 training rows with a 69k-parameter MLP: the training MSE goes to 0 and the validation MSE
stays at the targets' variance. data.too_few_samples read accuracy gaps only and passed."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

n = int(sys.argv[1])
torch.manual_seed(0)
X, y = load_diabetes(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32)
y = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32)[:, None]
loader = DataLoader(TensorDataset(X[:n], y[:n]), batch_size=min(n, 32), shuffle=True)
model = nn.Sequential(nn.Linear(10, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(300 if n < 100 else 15):
    for xb, yb in loader:
        opt.zero_grad(); nn.functional.mse_loss(model(xb), yb).backward(); opt.step()
    if epoch % (30 if n < 100 else 3) == 0:
        with torch.no_grad():
            nn.functional.mse_loss(model(X[350:]), y[350:])
"""


@pytest.mark.parametrize("n, found", [("15", True), ("340", False)])
def test_a_regression_on_a_handful_of_rows(diagnosed, n, found):
    _, report = diagnosed(SCRIPT, n)
    hit = [f for f in report["findings"] if f["id"] == "data.too_few_samples"]
    assert bool(hit) == found, [(f["id"], f["title"]) for f in report["findings"]]
    if found:
        assert hit[0]["title"].startswith("Only 15 training samples") and "training MSE" in hit[0]["title"]
