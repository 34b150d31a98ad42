"""A regression whose validation inputs are standardised with their own statistics (scaler.fit_transform on the
validation split of a drifting series): the validation MSE sits at 3-4x the targets' variance from the first
evaluation on while the training MSE ends near 2% of it. The validation loss never rises above its best, so the
rising-loss rule saw nothing, and the inputs' statistics agree (each split is standardised): doctor said "No
problem found". The same script scaled with the training statistics gets no alarm."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import numpy as np
import torch
from torch import nn
from sklearn.preprocessing import StandardScaler

torch.manual_seed(0)
rng = np.random.default_rng(5)
n = 2000
t = np.arange(n)
temp = 15 + 10 * t / n + 2 * np.sin(t / 50) + rng.normal(0, 0.5, n)  # drifts over time
humid = 60 - 15 * t / n + 5 * np.cos(t / 80) + rng.normal(0, 1.0, n)
press = 1013 + 3 * np.sin(t / 200) + rng.normal(0, 0.8, n)
X = np.stack([temp, humid, press], 1)
y = 0.8 * temp - 0.3 * humid + 0.1 * (press - 1013) ** 2 + rng.normal(0, 0.5, n)
split = int(0.75 * n)  # train on the past, validate on the future
scaler = StandardScaler()
X_train = scaler.fit_transform(X[:split])
X_val = scaler.fit_transform(X[split:]) if sys.argv[1] == "own" else scaler.transform(X[split:])
mu, sd = y[:split].mean(), y[:split].std()
Xt, yt = torch.tensor(X_train, dtype=torch.float32), torch.tensor((y[:split] - mu) / sd, dtype=torch.float32)[:, None]
Xv, yv = torch.tensor(X_val, dtype=torch.float32), torch.tensor((y[split:] - mu) / sd, dtype=torch.float32)[:, None]
model = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(15):
    model.train()
    perm = torch.randperm(len(Xt))
    for i in range(0, len(Xt), 64):
        idx = perm[i:i + 64]
        opt.zero_grad()
        nn.functional.mse_loss(model(Xt[idx]), yt[idx]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        nn.functional.mse_loss(model(Xv), yv)
"""


@pytest.mark.parametrize("scaling", ["own", "train"])
def test_a_validation_mse_far_above_training_from_the_start_is_named(diagnosed, scaling):
    _, report = diagnosed(SCRIPT, scaling)
    alarms = [f for f in report["findings"] if f["severity"] in ("warning", "error")]
    if scaling == "train":
        assert alarms == [], [(f["id"], f["title"]) for f in alarms]
        return
    assert alarms and alarms[0]["id"] == "fit.overfitting", [(f["id"], f["title"]) for f in alarms]
    f = alarms[0]
    assert f["evidence"]["ratio"] > 20 and f["evidence"]["final_val_mse"] > f["evidence"]["target_variance"]
    assert "statistics" in f["advice"] and f["step"] == 15 * 24  # the evaluation after the last of 24 steps an epoch
