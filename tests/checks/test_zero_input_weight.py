"""A weight fed an input of zeros gets an exactly-zero gradient: not a weight the optimizer fails to update.

Probe E h12, a seq2seq decoder LSTM fed zeros at every step (R² 0.95): its weight_ih never moves, and
weight.not_updating warned, with advice to look at the optimizer's param groups. It is now an info finding
that says the input is all zeros. A layer left out of the optimizer, fed real data, is still a warning."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 32)
        self.side = nn.Linear(8, 32)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        extra = torch.zeros(len(x), 8) if how == "zeros" else x[:, :8]
        return self.head(torch.relu(self.fc(x) + self.side(extra)))


model = Net()
params = [p for n, p in model.named_parameters() if how == "zeros" or not n.startswith("side")]
opt = torch.optim.Adam(params, lr=0.01)
for epoch in range(3):
    for i in range(0, 1500, 50):
        loss = nn.functional.cross_entropy(model(X[i:i + 50]), y[i:i + 50])
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["zeros", "not_in_optimizer"])
def test_zero_input_weight(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    f = next(f for f in report["findings"] if f["id"] == "weight.not_updating")
    if how == "zeros":
        assert f["severity"] == "info", f
        assert f["location"] == "side.weight" and f["evidence"]["params"] == ["side.weight"], f
        assert "all zeros" in f["title"], f
    else:
        assert f["severity"] == "warning", f
        assert set(f["evidence"]["params"]) == {"side.weight", "side.bias"}, f
