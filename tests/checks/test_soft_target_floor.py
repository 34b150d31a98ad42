"""A binary cross-entropy on soft targets bottoms out at the targets' entropy, not at zero. A model fitting
probabilities near 0.5 (a teacher's calibrated, unsure predictions) takes its loss from 0.70 to its floor
near 0.68, a fall of 2-3%: loss.not_converging called that flat. Measured towards the floor it converges; a
model that cannot learn (its learning rate 1e-6) is still flat."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

lr = float(sys.argv[1])
torch.manual_seed(0)
X, _ = load_diabetes(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32)
p = torch.sigmoid(0.6 * X[:, :1] - 0.4 * X[:, 2:3])  # the teacher's probabilities: unsure, 0.2-0.8
model = nn.Sequential(nn.Linear(10, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=lr)
lossf = nn.BCEWithLogitsLoss()
for epoch in range(30):
    for i in range(0, 442, 64):
        opt.zero_grad()
        lossf(model(X[i:i + 64]), p[i:i + 64]).backward()
        opt.step()
"""


@pytest.mark.parametrize("lr, flat", [(0.01, False), (1e-6, True)])
def test_soft_targets_converge_to_their_entropy(diagnosed, lr, flat):
    _, report = diagnosed(SCRIPT, str(lr))
    found = {f["id"]: f for f in report["findings"]}
    note = {c["id"]: c for c in report["checklist"]}["loss.not_converging"].get("note", "")
    if flat:
        assert "loss.not_converging" in found, note
        return
    assert "loss.not_converging" not in found, found["loss.not_converging"]
    assert "entropy" in note, note
