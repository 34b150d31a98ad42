"""NaN in the features of a script that slices its batches from tensors: no batch is sampled, and
data.missing_values said "not checked" while the first module's non-finite record showed NaN in its input."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_diabetes(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32)
y = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32)[:, None]
if how == "nan":
    X[torch.rand(X.shape) < 0.02] = float("nan")  # 2% missing values
lr = 1e3 if how == "lr" else 1e-2
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.SGD(model.parameters(), lr=lr)
for epoch in range(4):
    for i in range(0, 400, 25):
        opt.zero_grad(); nn.functional.mse_loss(model(X[i:i + 25]), y[i:i + 25]).backward(); opt.step()
"""


@pytest.mark.parametrize("how, found", [("nan", True), ("lr", False)])
def test_nan_in_sliced_inputs_is_a_missing_value(diagnosed, how, found):
    _, report = diagnosed(SCRIPT, how)
    ids = [f["id"] for f in report["findings"]]
    assert (ids[:1] == ["data.missing_values"]) == found, [(f["id"], f["title"]) for f in report["findings"]]
    if not found:  # the weights went NaN first: the data are not to blame
        assert "data.missing_values" not in ids
