"""A recurrent layer built with batch_first=False (PyTorch's default) and fed (batch, sequence, features): it
reads the 32 samples as 32 time steps and the 12 time steps as its batch. With out[:, -1] the shapes line up
with the labels again, nothing crashes, and the loss barely moves. graph.wrong_operator names the layer
from the op graph; the same model with batch_first=True, or fed (sequence, batch, features), passes."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
N, S, F = 1024, 12, 4
X = torch.randn(N, S, F)
y = (X[:, :, 0].sum(1) > 0).long()
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(F, 32, batch_first=how == "batch_first")
        self.head = nn.Linear(32, 2)
    def forward(self, x):
        if how == "transposed":
            out, _ = self.rnn(x.transpose(0, 1))
            return self.head(out[-1])
        out, _ = self.rnn(x)
        return self.head(out[:, -1])
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(3):
    for i in range(0, N, 32):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 32]), y[i:i + 32]).backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["default_layout", "batch_first", "transposed"])
def test_a_recurrent_layer_reading_the_batch_as_time(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "default_layout":
        assert "graph.wrong_operator" not in found, found["graph.wrong_operator"]
        return
    f = found["graph.wrong_operator"]
    assert (f["location"], f["step"], f["evidence"]["input_shape"]) == ("rnn", 0, [32, 12, 4]), f
    assert report["findings"][0]["id"] == "graph.wrong_operator"
