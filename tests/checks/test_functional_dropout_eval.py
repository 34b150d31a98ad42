"""F.dropout(h, self.p) in a model's forward, its training argument left out: it defaults to True, so the
dropout keeps dropping after model.eval(), and every evaluation is noisy (probe L f05: 0.65 against 0.70; nothing
was found). The collector notes a functional dropout called without its training argument inside a model in
eval mode; graph.node_mode names it. training=self.training passes, and so does Monte Carlo dropout, which
passes training=True on purpose."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(64, 128), nn.Linear(128, 10)
    def forward(self, x):
        h = F.relu(self.fc1(x))
        if how == "default":
            h = F.dropout(h, 0.5)
        elif how == "mode":
            h = F.dropout(h, 0.5, training=self.training)
        else:
            h = F.dropout(h, 0.5, training=True)
        return self.fc2(h)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    model.train()
    for i in range(0, 1500, 50):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 50]), y[i:i + 50]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        nn.functional.cross_entropy(model(X[1500:]), y[1500:])
"""


@pytest.mark.parametrize("how", ["default", "mode", "mc_dropout"])
def test_functional_dropout_left_on_at_evaluation(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "default":
        assert "graph.node_mode" not in found, found["graph.node_mode"]
        return
    f = found["graph.node_mode"]
    assert (f["severity"], f["location"]) == ("error", "Net"), f
    assert "F.dropout(p=0.5)" in f["title"], f["title"]
    assert report["findings"][0]["id"] == "graph.node_mode", [g["id"] for g in report["findings"]]
