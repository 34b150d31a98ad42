"""A custom Dataset whose __len__ returns self.X.shape[1] (its 64 features) instead of its rows: the DataLoader
draws indices below 64 only, so training sees 64 digits of 1437 (probe L f03: 0.27 against 0.95; the tool said
'only 64 training samples' without seeing why). The collector records the shapes of the arrays a dataset holds;
data.too_few_samples names __len__. The right length, and a windowed series (len = rows - window + 1, shorter
than its arrays by design), pass."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import numpy as np
import torch
from torch import nn
from sklearn.datasets import load_digits
how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
class Digits(torch.utils.data.Dataset):
    def __init__(self, X, y):
        self.X = torch.tensor(X / 16.0, dtype=torch.float32)
        self.y = torch.tensor(y)
    def __len__(self):
        return self.X.shape[1] if how == "features" else self.X.shape[0]
    def __getitem__(self, i):
        return self.X[i], self.y[i]
class Windows(torch.utils.data.Dataset):
    def __init__(self, X, y, w=5):
        self.X = torch.tensor(X / 16.0, dtype=torch.float32)
        self.y = torch.tensor(y)
        self.w = w
    def __len__(self):
        return len(self.X) - self.w + 1
    def __getitem__(self, i):
        return self.X[i:i + self.w].mean(0), self.y[i + self.w - 1]
ds = Windows(X[:1400], y[:1400]) if how == "windows" else Digits(X[:1400], y[:1400])
loader = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["features", "rows", "windows"])
def test_a_dataset_length_that_is_not_its_rows(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    f = next((f for f in report["findings"] if f["id"] == "data.too_few_samples"), None)
    if how != "features":
        assert f is None or "__len__" not in f["location"], f
        return
    assert f is not None and (f["severity"], f["location"]) == ("error", "Digits.__len__"), f
    assert f["evidence"]["dataset_length"] == 64 and f["evidence"]["arrays"]["X"] == [1400, 64], f["evidence"]
    assert report["findings"][0]["id"] == "data.too_few_samples", [g["id"] for g in report["findings"]]
