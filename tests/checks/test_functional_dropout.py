"""A keep-probability passed to the functional dropout (``F.dropout(h, p=0.9, training=self.training)``): 90% of
the units dropped, validation 0.57 where p=0.1 gives 0.95. The check read nn.Dropout modules only ("dropout
rates plausible"); the op graph now keeps the scalar arguments of each op, bernoulli_'s keep probability among
them."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits

p = float(sys.argv[1])
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(64, 64), nn.Linear(64, 10)
    def forward(self, x):
        return self.fc2(nn.functional.dropout(torch.relu(self.fc1(x)), p=p, training=self.training))

model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    model.train()
    for i in range(0, 1400, 50):
        opt.zero_grad(); nn.functional.cross_entropy(model(X[i:i + 50]), y[i:i + 50]).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        nn.functional.cross_entropy(model(X[1400:]), y[1400:])
"""


@pytest.mark.parametrize("p, found", [("0.9", True), ("0.3", False)])
def test_a_functional_dropout_dropping_most_units_is_found(diagnosed, p, found):
    _, report = diagnosed(SCRIPT, p)
    hit = [f for f in report["findings"] if f["id"] == "api.constraint_violation"]
    assert bool(hit) == found, [(f["id"], f["title"]) for f in report["findings"]]
    if found:
        assert hit[0]["location"] == "Net: F.dropout" and "drops 90% of its inputs" in hit[0]["title"]
