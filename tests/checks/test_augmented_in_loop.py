"""Noise added to the training inputs inside the loop (augmentation): the training accuracy falls below the
evaluation accuracy because the inputs are corrupted, not the labels. data.label_errors relaxed its
confidence for a training accuracy far below evaluation's and named 'likely label errors'. The collector
records what the model got of each sampled batch (model_input), and the relaxation does not apply to inputs
changed in the loop. Labels flipped for a third of the rows, with clean inputs, are still found."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
y = torch.tensor(y)
ytr = y[:1400].clone()
if how == "flipped":
    g = torch.Generator().manual_seed(1)
    flip = torch.rand(1400, generator=g) < 0.35
    ytr[flip] = torch.randint(0, 10, (int(flip.sum()),), generator=g)
tr = DataLoader(TensorDataset(X[:1400], ytr), batch_size=32, shuffle=True)
va = DataLoader(TensorDataset(X[1400:], y[1400:]), batch_size=100)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(15):
    model.train()
    for xb, yb in tr:
        if how == "noised":
            xb = xb + 2.0 * torch.randn_like(xb)
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in va:
            nn.functional.cross_entropy(model(xb), yb)
"""


@pytest.mark.parametrize("how", ["noised", "flipped"])
def test_noise_added_in_the_loop_is_not_label_errors(diagnosed, how):
    run_dir, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "flipped":
        assert found["data.label_errors"]["severity"] == "warning", found.get("data.label_errors")
        return
    assert "data.label_errors" not in found, found["data.label_errors"]
    note = {c["id"]: c for c in report["checklist"]}["data.label_errors"]["note"]
    assert "changed in the loop" in note, note
    assert "data.preprocess_mismatch" not in found, found["data.preprocess_mismatch"]
