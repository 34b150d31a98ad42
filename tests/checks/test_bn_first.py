"""Raw tabular features on different scales are standardised by a BatchNorm that the model applies first:
data.not_normalized told such a model to standardise its inputs. Without the BatchNorm it still does."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine

torch.manual_seed(0)
X, y = load_wine(return_X_y=True)  # raw: proline ~750, hue ~1
loader = DataLoader(TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y)), batch_size=16,
                    shuffle=True)
first = [nn.BatchNorm1d(13)] if sys.argv[1] == "bn" else []
model = nn.Sequential(*first, nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(10):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
"""


@pytest.mark.parametrize("first", ["bn", "none"])
def test_a_batchnorm_first_standardises_the_inputs(diagnosed, first):
    _, report = diagnosed(SCRIPT, first)
    found = {f["id"]: f for f in report["findings"]}
    if first == "none":
        assert "data.not_normalized" in found
        return
    assert "data.not_normalized" not in found, found["data.not_normalized"]
    note = {c["id"]: c for c in report["checklist"]}["data.not_normalized"]["note"]
    assert "first layer 0 (BatchNorm1d) standardises them" in note, note


IN_FORWARD = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer

torch.manual_seed(0)
X, y = load_breast_cancer(return_X_y=True)  # raw: areas ~1000, smoothness ~0.1
X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
mu, sd = X[:450].mean(0), X[:450].std(0)
inside = sys.argv[1] == "inside"

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 2))
    def forward(self, x):
        return self.body((x - mu) / sd if inside else x * 1.0)

model = Net()
loader = DataLoader(TensorDataset(X[:450], y[:450]), batch_size=32, shuffle=True)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(5):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
"""


@pytest.mark.parametrize("where", ["inside", "nowhere"])
def test_standardised_in_the_forward(diagnosed, where):
    _, report = diagnosed(IN_FORWARD, where)
    found = {f["id"]: f for f in report["findings"]}
    if where == "nowhere":
        assert "data.not_normalized" in found
        return
    assert "data.not_normalized" not in found, found["data.not_normalized"]
    note = {c["id"]: c for c in report["checklist"]}["data.not_normalized"]["note"]
    assert "forward standardises them first (sub then div by vectors of 30" in note, note
