"""Which data an evaluation pass measures: the validation tensors after a training epoch over a DataLoader, or
the training loader's own batches.

The usual scikit-learn pattern loops over a training DataLoader and then evaluates ``model(Xv)`` on tensors.
The exhausted training loader stayed "current", so every such evaluation was filed as an evaluation of the
training data (train_eval/*): fit.overfitting and hparam.epochs_too_many had no validation curve to read, and a
validation loss that rose seventyfold went unreported."""
from __future__ import annotations

import pytest

from traindoctor import open_run

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)
Xt, yt = torch.tensor(X[:124], dtype=torch.float32), torch.tensor(y[:124])
Xv, yv = torch.tensor(X[124:], dtype=torch.float32), torch.tensor(y[124:])
loader = DataLoader(TensorDataset(Xt, yt), batch_size=16, shuffle=True)
model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
lossf = nn.CrossEntropyLoss()
for epoch in range(6):
    model.train()
    for i, (xb, yb) in enumerate(loader):
        opt.zero_grad()
        lossf(model(xb), yb).backward()
        opt.step()
        if how == "break" and i == 4:
            break  # a capped epoch: the loader is not exhausted
    model.eval()
    with torch.no_grad():
        if how == "train_loader":
            for xb, yb in loader:
                lossf(model(xb), yb)
        else:
            lossf(model(Xv), yv)
"""


@pytest.mark.parametrize("how, role", [("tensors", "eval"), ("break", "eval"), ("train_loader", "train_eval")])
def test_an_evaluation_is_filed_under_the_data_it_reads(diagnosed, how, role):
    run_dir, report = diagnosed(SCRIPT, how)
    run = open_run(run_dir)
    other = "train_eval" if role == "eval" else "eval"
    assert len(run.scalar(f"{role}/loss")) == 6 and len(run.scalar(f"{role}/acc")) == 6
    assert not len(run.scalar(f"{other}/loss"))
    overfit = {c["id"]: c for c in report["checklist"]}["fit.overfitting"]
    assert (overfit["status"] == "not_checked") == (role == "train_eval"), overfit
