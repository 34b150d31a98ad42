"""A WeightedRandomSampler given one weight per class (``1 / class_counts``) where one per sample is meant (probe M
f05): it draws only the indices below its number of weights, 10 of 792 digits, and data.preprocess_mismatch led.
data.too_few_samples names the sampler; per-sample weights pass."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler
from sklearn.datasets import load_digits
how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
keep = (y < 5) | (np.arange(len(y)) % 4 == 0)
X, y = X[keep] / 16.0, y[keep]
Xtr, ytr, Xva, yva = X[:900], y[:900], X[900:], y[900:]
class_weights = 1.0 / np.bincount(ytr, minlength=10)
weights = class_weights if how == "per_class" else class_weights[ytr]
sampler = WeightedRandomSampler(torch.as_tensor(weights, dtype=torch.double), num_samples=len(ytr))
train = DataLoader(TensorDataset(torch.tensor(Xtr, dtype=torch.float32), torch.tensor(ytr)), batch_size=32,
                   sampler=sampler)
val = DataLoader(TensorDataset(torch.tensor(Xva, dtype=torch.float32), torch.tensor(yva)), batch_size=256)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(6):
    model.train()
    for xb, yb in train:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val:
            nn.functional.cross_entropy(model(xb), yb)
"""


@pytest.mark.parametrize("how", ["per_class", "per_sample"])
def test_sampler_weights(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "per_sample":
        assert "data.too_few_samples" not in found or found["data.too_few_samples"]["severity"] == "info", \
            found["data.too_few_samples"]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"], f["step"]) == \
        ("data.too_few_samples", "error", "train.sampler", 0), [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["sampler_weights"] == 10 and f["evidence"]["dataset_length"] == 900, f["evidence"]
    assert f["evidence"]["one_per_class"] is True, f["evidence"]
