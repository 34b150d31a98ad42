"""Accuracy of a binary cross-entropy: counted on 0/1 targets only.

A BCE on soft targets (probabilities, label smoothing, a VAE's pixel intensities) has no right answer per
element; thresholded predictions never equal 0.3 and the collector recorded an accuracy near 0 at every step
and evaluation. With no accuracy and no class labels the report said "accuracy meets the expectation on
every stage recorded" although nothing was compared with anything."""
from __future__ import annotations

import numpy as np
import pytest

from traindoctor import open_run

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

soft = sys.argv[1] == "soft"
torch.manual_seed(0)
X, y = load_breast_cancer(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32)
y = torch.tensor(y, dtype=torch.float32)[:, None]
if soft:  # a teacher's probabilities
    y = torch.sigmoid(X[:, :1] - X[:, 1:2])
Xt, yt, Xv, yv = X[:450], y[:450], X[450:], y[450:]
model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
lossf = nn.BCEWithLogitsLoss()
for epoch in range(8):
    model.train()
    for i in range(0, 450, 50):
        opt.zero_grad()
        lossf(model(Xt[i:i + 50]), yt[i:i + 50]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        lossf(model(Xv), yv)
"""


@pytest.mark.parametrize("kind", ["hard", "soft"])
def test_bce_accuracy_only_on_binary_targets(diagnosed, kind):
    run_dir, report = diagnosed(SCRIPT, kind)
    run = open_run(run_dir)
    tr, ev = run.scalar("train/acc"), run.scalar("eval/acc")
    verdict = report.get("accuracy", {}).get("verdict", "")
    if kind == "hard":
        assert len(ev) == 8 and ev.value[-1] > 0.9, ev.value
        assert np.nanmean(tr.value[-9:]) > 0.9
        return
    assert not np.isfinite(tr.value).any() and not np.isfinite(ev.value).any(), (tr.value, ev.value)
    assert "meets the expectation" not in verdict, verdict
    assert "no target" in verdict or not report.get("accuracy"), report.get("accuracy")
