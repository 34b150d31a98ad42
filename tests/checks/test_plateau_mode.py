"""ReduceLROnPlateau left at mode='min' and stepped with the validation accuracy (probe M f02): every improvement
counts as a bad epoch, the learning rate goes from 0.01 to 8e-05 by a third of the run and the loss stops there;
it had fallen 31% by then, so nothing was blamed (weight.change_too_small alone). hparam.lr_too_small names the
scheduler and its mode from the metric it was stepped with (the collector records it); mode='max' passes."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_classification
how = sys.argv[1]
torch.manual_seed(0)
X, y = make_classification(n_samples=4000, n_features=40, n_informative=20, n_classes=8, n_clusters_per_class=2,
                           class_sep=1.0, random_state=0)
X = torch.tensor(X, dtype=torch.float32); y = torch.tensor(y)
train = DataLoader(TensorDataset(X[:3200], y[:3200]), batch_size=64, shuffle=True)
Xva, yva = X[3200:], y[3200:]
model = nn.Sequential(nn.Linear(40, 128), nn.ReLU(), nn.Linear(128, 8))
opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.5)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max" if how == "max" else "min", factor=0.2,
                                                   patience=1)
for epoch in range(20):
    model.train()
    for xb, yb in train:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        out = model(Xva)
        acc = (out.argmax(1) == yva).float().mean().item()
    sched.step(acc)
    print(f"epoch {epoch} val_acc {acc:.3f}")
"""


@pytest.mark.parametrize("how", ["min", "max"])
def test_plateau_stepped_with_an_accuracy(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "max":
        assert "hparam.lr_too_small" not in found, found["hparam.lr_too_small"]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"]) == ("hparam.lr_too_small", "error",
                                                       "optimizer SGD lr schedule"), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["plateau_metric"]["mode"] == "min" and f["evidence"]["plateau_metric"]["wrong_mode"], f
    assert "mode='min') is stepped with a metric that rises" in f["title"], f["title"]
    assert f["step"] == f["evidence"]["below_from_step"] < 1400, f
