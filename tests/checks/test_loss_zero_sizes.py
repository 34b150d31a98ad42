"""loss.zero with no validation recorded: the training set's size against the model's decides.

A small net on 2000 well-separated samples learns the task and its loss goes to zero; with no evaluation
loss in the record (an evaluation computed by hand) it was told "the model memorises the training set". The
same loss on 20 samples of a model with thousands of parameters per sample is still a warning."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

n, width = int(sys.argv[1]), int(sys.argv[2])
torch.manual_seed(0)
y = torch.randint(0, 2, (n,))
X = torch.randn(n, 8) * 0.3 + (y[:, None] * 2.0 - 1.0) * 2.0  # two blobs far apart
loader = DataLoader(TensorDataset(X, y), batch_size=20, shuffle=True)
model = nn.Sequential(nn.Linear(8, width), nn.ReLU(), nn.Linear(width, 2))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(max(3, 6000 // n)):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
"""


@pytest.mark.parametrize("n, width, severity", [(2000, 16, "info"), (20, 512, "warning")])
def test_loss_zero_without_validation(diagnosed, n, width, severity):
    _, report = diagnosed(SCRIPT, str(n), str(width))
    f = {f["id"]: f for f in report["findings"]}["loss.zero"]
    assert f["severity"] == severity, f
    assert f["evidence"]["train_samples"] == n, f
    assert ("memorises" in f["title"]) == (severity == "warning"), f["title"]
