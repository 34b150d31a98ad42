"""A weight decay that dominates the updates (SGD lr 0.05, momentum 0.9, weight_decay 0.5: the weights shrink
by 25% a step) shows first as weight.change_too_large: the steps are huge against weights shrunk to almost
nothing. Its advice said 'lower the learning rate'; it now leads with the weight decay and carries it as
evidence, like the flat-loss findings of the same run."""
from __future__ import annotations

SCRIPT = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
loader = DataLoader(TensorDataset(X[:1400], y[:1400]), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.5)
for epoch in range(4):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
"""


def test_weight_decay_leads_the_advice(diagnosed):
    _, report = diagnosed(SCRIPT)
    found = {f["id"]: f for f in report["findings"]}
    f = found["weight.change_too_large"]
    assert f["advice"].startswith("The weight decay") and "weight_decay=0.5" in f["advice"], f["advice"]
    assert f["evidence"]["weight_decay"]["weight_decay"] == 0.5, f["evidence"]
    assert report["findings"][0]["id"] == "weight.change_too_large", [x["id"] for x in report["findings"]]
