"""Inputs and labels from two DataLoaders zipped together, each shuffled on its own: each draws its own order, and
the labels no longer belong to their inputs. The model stays near chance, and data.label_errors passed (confident
learning needs a model that learns)."""
from __future__ import annotations

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader
from sklearn.datasets import load_digits

shuffle = sys.argv[1] == "shuffled"
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
x_loader = DataLoader(X[:1400], batch_size=32, shuffle=shuffle)
y_loader = DataLoader(y[:1400], batch_size=32, shuffle=shuffle)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(4):
    for xb, yb in zip(x_loader, y_loader):
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    with torch.no_grad():
        nn.functional.cross_entropy(model(X[1400:]), y[1400:])
"""


def test_two_shuffled_loaders_zipped_are_found(diagnosed):
    _, report = diagnosed(SCRIPT, "shuffled")
    top = report["findings"][0]
    assert top["id"] == "data.label_errors" and top["location"] == "y_loader", \
        [(f["id"], f["title"]) for f in report["findings"]]
    assert "each shuffled on its own" in top["title"]


def test_two_loaders_in_order_zipped_are_fine(diagnosed):
    _, report = diagnosed(SCRIPT, "ordered")
    assert "data.label_errors" not in [f["id"] for f in report["findings"]], report["findings"]
