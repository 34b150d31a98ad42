"""Standardised regression targets passed through torch.LongTensor for training only: every value is truncated to
a whole number (-2..2) while evaluation keeps its floats (probe L f13: R² 0.78 against 0.97; nothing was found).
data.preprocess_mismatch compares the recorded training and evaluation targets of the loss; float targets on
both sides, and whole-number targets on both sides (counts), pass."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import numpy as np
import torch
from torch import nn
from sklearn.datasets import make_friedman1
from sklearn.preprocessing import StandardScaler
how = sys.argv[1]
X, y = make_friedman1(n_samples=2500, noise=0.3, random_state=0)
if how == "counts":
    y = np.round(y)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32)
if how == "counts":
    y_all = torch.tensor(y[:, None], dtype=torch.float32)
else:
    y_all = torch.tensor(StandardScaler().fit_transform(y[:, None]), dtype=torch.float32)
y_tr = torch.LongTensor(y_all[:2000].numpy()).float() if how == "long" else y_all[:2000]
y_va = y_all[2000:]
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(4):
    for i in range(0, 2000, 32):
        opt.zero_grad()
        nn.functional.mse_loss(model(X[:2000][i:i + 32]), y_tr[i:i + 32]).backward()
        opt.step()
    with torch.no_grad():
        nn.functional.mse_loss(model(X[2000:]), y_va)
"""


@pytest.mark.parametrize("how", ["long", "float", "counts"])
def test_regression_targets_truncated_for_training(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "long":
        assert "data.preprocess_mismatch" not in found, found["data.preprocess_mismatch"]
        return
    f = found["data.preprocess_mismatch"]
    assert (f["severity"], f["location"], f["step"]) == ("error", "training targets", 0), f
    assert report["findings"][0]["id"] == "data.preprocess_mismatch", [g["id"] for g in report["findings"]]
