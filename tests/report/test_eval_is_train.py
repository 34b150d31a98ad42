"""A validation loader built on the training set (DataLoader(train_ds) twice): its accuracy measures what the
model remembers. The report said the run 'meets the expectation' at a validation accuracy of 0.998; the
loaders' data fingerprints (the same tensors, the same Subset indices) now show it, in the verdict and in
fit.overfitting's status. random_split's two halves are different samples and pass."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
ds = TensorDataset(torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y))
train_ds, val_ds = random_split(ds, [1400, len(ds) - 1400], generator=torch.Generator().manual_seed(0))
if how == "leak":
    val_ds = train_ds
train = DataLoader(train_ds, batch_size=32, shuffle=True)
val = DataLoader(val_ds, batch_size=200)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(3):
    model.train()
    for xb, yb in train:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val:
            nn.functional.cross_entropy(model(xb), yb)
"""


@pytest.mark.parametrize("how", ["leak", "split"])
def test_an_evaluation_on_the_training_samples_is_named(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    verdict = report["accuracy"]["verdict"]
    overfit = {c["id"]: c for c in report["checklist"]}["fit.overfitting"]
    if how == "split":
        assert "training samples" not in verdict and overfit["status"] == "pass", (verdict, overfit)
        return
    assert verdict.startswith("the evaluation loader val reads the training samples of train"), verdict
    assert report["accuracy"]["evaluation_reads_training_data"]["samples"] == 1400
    assert overfit["status"] == "not_checked" and "cannot show overfitting" in overfit["note"], overfit
