"""``x.reshape(N, C, T)`` where ``x.permute(0, 2, 1)`` was meant (probe M f10): a 1-D CNN on (batch, time, axes)
sensor windows gets each channel row filled with a run of time steps of all axes; 0.34 against 0.99, and only
loss.not_converging was found. graph.wrong_operator names the reshape from the op graph; permute passes, and so
does a reshape that changes the rank (flattening, splitting heads)."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
T, AXES = 32, 3
def make(n):
    X = torch.randn(n, T, AXES)
    y = torch.randint(0, AXES, (n,))
    t = torch.arange(T).float()
    X[torch.arange(n), :, y] += 1.5 * torch.sin(0.6 * t + torch.rand(n, 1) * 6)
    return X, y
X, y = make(1200)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(AXES, 16, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1))
        self.fc = nn.Linear(16, AXES)
    def forward(self, x):
        if how == "reshape":
            x = x.reshape(x.size(0), AXES, T)
        elif how == "permute":
            x = x.permute(0, 2, 1)
        else:
            x = x.reshape(x.size(0), T * AXES).reshape(x.size(0), T, AXES).transpose(1, 2)
        return self.fc(self.conv(x).flatten(1))
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(3):
    for i in range(0, 1200, 50):
        opt.zero_grad(); nn.functional.cross_entropy(model(X[i:i + 50]), y[i:i + 50]).backward(); opt.step()
"""


@pytest.mark.parametrize("how", ["reshape", "permute", "rank_change"])
def test_reshape_that_means_a_transpose(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "reshape":
        assert "graph.wrong_operator" not in found, found["graph.wrong_operator"]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"], f["step"]) == ("graph.wrong_operator", "error", "Net", 0), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["input_shape"] == [50, 32, 3] and f["evidence"]["output_shape"] == [50, 3, 32], f
    assert "permute(0, 2, 1)" in f["advice"], f["advice"]
