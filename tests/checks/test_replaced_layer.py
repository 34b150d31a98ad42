"""A layer replaced after the optimizer was built (fine-tuning: the backbone frozen, the optimizer built, then
``model.head = nn.Linear(...)``). The optimizer steps the old head's tensors, which no longer get gradients, and
nothing steps the new head: the loss stays at ln 5. The report blamed the order of the calls ("Adam.step() finds
no gradients: it runs before loss.backward()"), which was right in every line of the script."""
from __future__ import annotations

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

when = sys.argv[1]
torch.manual_seed(3)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
Xa, ya, Xb, yb_ = X[y < 5], y[y < 5], X[y >= 5], y[y >= 5] - 5

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
        self.head = nn.Linear(64, 5)
    def forward(self, x):
        return self.head(self.backbone(x))

model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    for xb, yb in DataLoader(TensorDataset(Xa, ya), batch_size=64, shuffle=True):
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
for p in model.backbone.parameters():
    p.requires_grad = False
if when == "after":
    model.head = nn.Linear(64, 5)
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
if when == "before":
    model.head = nn.Linear(64, 5)  # the bug: the optimizer holds the old head
if when == "copy":
    import copy
    model = copy.deepcopy(model)  # the bug: the optimizer holds the original's tensors
for epoch in range(3):
    for xb, yb in DataLoader(TensorDataset(Xb, yb_), batch_size=32, shuffle=True):
        optimizer.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); optimizer.step()
"""


def test_a_layer_replaced_after_the_optimizer_was_built(diagnosed):
    _, report = diagnosed(SCRIPT, "before")
    top = report["findings"][0]
    assert top["id"] == "graph.frozen_weights" and top["location"] == "head", \
        [(f["id"], f["title"]) for f in report["findings"]]
    assert "head gets gradients but is in no optimizer" in top["title"]
    assert top["evidence"]["params_in_no_optimizer"] == ["head.weight", "head.bias"]
    assert "graph.optimizer" not in [f["id"] for f in report["findings"]]  # the calls' order was right


def test_a_layer_replaced_before_the_optimizer_is_fine(diagnosed):
    _, report = diagnosed(SCRIPT, "after")
    ids = [f["id"] for f in report["findings"] if f["severity"] in ("warning", "error")]
    assert "graph.frozen_weights" not in ids and "graph.optimizer" not in ids, ids


def test_a_model_copied_after_the_optimizer_was_built(diagnosed):
    # the whole model is another one: not "a layer replaced"
    _, report = diagnosed(SCRIPT, "copy")
    top = report["findings"][0]
    assert top["id"] == "graph.frozen_weights" and "head" in top["location"], top
    assert "replaced" not in top["title"]
    assert "graph.optimizer" not in [f["id"] for f in report["findings"]]
