"""Batches sliced by hand from tensors sorted by label, never shuffled: no DataLoader, and data.not_shuffled said
"not checked" while hparam.lr_too_large led (the shuffled twin trains at the same learning rate). The labels of
the last training rows, in the order the loss saw them, are now read."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits

shuffle = sys.argv[1] == "shuffled"
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
order = torch.argsort(y, stable=True); X, y = X[order], y[order]  # sorted by label
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(3):
    perm = torch.randperm(len(X)) if shuffle else torch.arange(len(X))
    for i in range(0, len(X), 32):
        idx = perm[i:i + 32]
        opt.zero_grad(); nn.functional.cross_entropy(model(X[idx]), y[idx]).backward(); opt.step()
"""


@pytest.mark.parametrize("how, found", [("sorted", True), ("shuffled", False)])
def test_batches_sliced_from_sorted_tensors(diagnosed, how, found):
    _, report = diagnosed(SCRIPT, how)
    hit = [f for f in report["findings"] if f["id"] == "data.not_shuffled"]
    assert bool(hit) == found, [(f["id"], f["title"]) for f in report["findings"]]
    status = {c["id"]: c for c in report["checklist"]}["data.not_shuffled"]["status"]
    assert status == ("fail" if found else "pass"), status
