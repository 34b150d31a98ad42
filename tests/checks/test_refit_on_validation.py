"""A transform fit again on the validation data, ``pca.fit_transform(X_val)`` where ``pca.transform(X_val)`` was meant
(probe M f13): the validation features have the training's means and spreads, but their components come in another
order with other signs; validation stays at chance (0.10 against 0.96) and data.label_errors blamed the training
labels. data.preprocess_mismatch names it from what the model learned: the first epoch's unseen training batches
were well above chance, and the validation predictions' classes are not the labels'. The right transform passes;
validation labels shuffled apart from their inputs stay data.label_errors' (tests/checks/test_script_slips.py)."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
rng = np.random.default_rng(0)
order = rng.permutation(len(X)); X, y = X[order], y[order]
Xtr, ytr, Xva, yva = X[:1300], y[:1300], X[1300:], y[1300:]
scaler = StandardScaler().fit(Xtr)
pca = PCA(20, random_state=0)
Ztr = pca.fit_transform(scaler.transform(Xtr))
Zva = pca.fit_transform(scaler.transform(Xva)) if how == "refit" else pca.transform(scaler.transform(Xva))
as_t = lambda a: torch.tensor(a, dtype=torch.float32)
train = DataLoader(TensorDataset(as_t(Ztr), torch.tensor(ytr)), batch_size=32, shuffle=True)
val = DataLoader(TensorDataset(as_t(Zva), torch.tensor(yva)), batch_size=256)
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(10):
    model.train()
    for xb, yb in train:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val:
            nn.functional.cross_entropy(model(xb), yb)
"""


@pytest.mark.parametrize("how", ["refit", "transform"])
def test_a_transform_fit_again_on_validation(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "transform":
        assert all(f["severity"] == "info" for f in report["findings"]), \
            [(f["id"], f["title"]) for f in report["findings"]]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"]) == ("data.preprocess_mismatch", "error", "evaluation inputs"), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["first_epoch_acc"] > 0.4 and f["evidence"]["predictions_apart"] >= 0.12, f["evidence"]
    assert "data.label_errors" not in found or found["data.label_errors"]["severity"] == "info", found
