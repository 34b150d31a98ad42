"""A forward LSTM read at its first time step: the rest of the sequence never reaches the loss.

Probe K f12: a classifier head on ``out[:, 0]`` of a batch_first LSTM, 0.24 against 1.00 with ``out[:, -1]``.
The report led with data.label_errors ("the inputs tell the model nothing"); the clue was lstm.weight_hh_l0's
gradient, exactly zero at every step. A bidirectional LSTM read at the first step (its backward half has seen
the whole sequence) and the last step of a forward one are not reported."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn

how = sys.argv[1]
torch.manual_seed(0)
n, T = 1200, 12
X = torch.randn(n, T, 3)
y = (X[:, T // 2:, 0].sum(1) > 0).long()  # the label depends on the second half of the sequence


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 24, batch_first=True, bidirectional=how == "bidirectional_first")
        self.head = nn.Linear(48 if how == "bidirectional_first" else 24, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1] if how == "last" else out[:, 0])


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(4):
    for i in range(0, 1000, 50):
        loss = nn.functional.cross_entropy(model(X[i:i + 50]), y[i:i + 50])
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["first", "last", "bidirectional_first"])
def test_first_step_only(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = [f for f in report["findings"] if f["id"] == "graph.node_connection"]
    if how == "first":
        assert found and found[0]["location"] == "lstm" and found[0]["severity"] == "error", found
        assert report["findings"][0]["id"] == "graph.node_connection", [f["id"] for f in report["findings"]]
    else:
        assert not found, found
