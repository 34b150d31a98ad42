"""Two slips of probe N (blind, 2026-12-07), each missed without a word:

- a softmax over the labels before ``BCELoss`` in a multi-label model (f05: 0.63 against 0.99): the labels share one
  unit of probability, so at most one passes 0.5. graph.loss_function names it; a sigmoid passes.
- ``OneCycleLR(total_steps=epochs * len(loader))`` stepped once per epoch (f08: MSE 0.139 against 0.069): its
  learning rate stays at the start of a warm-up the whole run. hparam.lr_too_small names the scheduler; stepped per
  batch it passes.
- ``NLLLoss`` on raw scores (f06): the loss falls without bound and its gradients grow step after step; that is no
  gradient accumulation (graph.optimizer led with "zero_grad"), graph.loss_function leads.
- the training loss on an auxiliary head while the evaluation reads the main one (f01): validation at chance is
  graph.node_connection's (the main head never gets a gradient), not data.preprocess_mismatch's, though the
  first epoch's training batches were well above chance.
"""
from __future__ import annotations

import pytest

MULTI_LABEL = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
X = torch.randn(2000, 20)
W = torch.randn(20, 6)
Y = (X @ W > 0.3).float()
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 6),
                      nn.Softmax(dim=1) if how == "softmax" else nn.Sigmoid())
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(3):
    for i in range(0, 2000, 50):
        opt.zero_grad(); nn.functional.binary_cross_entropy(model(X[i:i + 50]), Y[i:i + 50]).backward(); opt.step()
"""

ONE_CYCLE = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
how = sys.argv[1]
torch.manual_seed(0)
X = torch.rand(2000, 4) * 4 - 2
y = (torch.sin(X[:, :1] * 2) + X[:, 1:2] * X[:, 2:3]) * 0.5
loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
EPOCHS = 8
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=EPOCHS * len(loader))
for epoch in range(EPOCHS):
    for xb, yb in loader:
        opt.zero_grad(); nn.functional.mse_loss(model(xb), yb).backward(); opt.step()
        if how == "per_batch":
            sched.step()
    if how == "per_epoch":
        sched.step()
"""


@pytest.mark.parametrize("how", ["softmax", "sigmoid"])
def test_softmax_before_a_multi_label_bce(diagnosed, how):
    _, report = diagnosed(MULTI_LABEL, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "sigmoid":
        assert "graph.loss_function" not in found, found["graph.loss_function"]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["step"]) == ("graph.loss_function", "error", 0), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["labels_per_sample"] > 1.2 and "sum to one" in f["title"], f


@pytest.mark.parametrize("how", ["per_epoch", "per_batch"])
def test_one_cycle_stepped_per_epoch(diagnosed, how):
    _, report = diagnosed(ONE_CYCLE, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "per_batch":
        assert "hparam.lr_too_small" not in found, found["hparam.lr_too_small"]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"]) == ("hparam.lr_too_small", "error", "scheduler OneCycleLR"), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["total_steps"] == 504 and f["evidence"]["scheduler_steps"] <= 8, f["evidence"]
    assert "once per epoch" in f["title"], f["title"]


TWO_HEADS = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
train = DataLoader(TensorDataset(X[:1400], y[:1400]), batch_size=32, shuffle=True)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 64), nn.ReLU())
        self.main = nn.Linear(64, 10)
        self.aux = nn.Linear(64, 10)
        with torch.no_grad():
            self.main.bias[3] = 10.0  # the untrained head answers 3
    def forward(self, x):
        h = self.body(x)
        return self.main(h), self.aux(h)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(6):
    model.train()
    for xb, yb in train:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb)[1], yb).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        nn.functional.cross_entropy(model(X[1400:])[0], y[1400:])
"""


def test_an_untrained_head_evaluated_is_not_a_preprocessing_mismatch(diagnosed):
    _, report = diagnosed(TWO_HEADS)
    found = {f["id"]: f for f in report["findings"]}
    assert report["findings"][0]["id"] == "graph.node_connection", [(g["id"], g["title"]) for g in report["findings"]]
    assert "data.preprocess_mismatch" not in found, found["data.preprocess_mismatch"]


NLL_RAW = """
import torch
from torch import nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
for epoch in range(4):
    for i in range(0, 1500, 50):
        opt.zero_grad(); nn.functional.nll_loss(model(X[i:i + 50]), y[i:i + 50]).backward(); opt.step()
"""


def test_nll_on_raw_scores_is_not_gradient_accumulation(diagnosed):
    _, report = diagnosed(NLL_RAW)
    found = {f["id"]: f for f in report["findings"]}
    assert report["findings"][0]["id"] == "graph.loss_function", [(g["id"], g["title"]) for g in report["findings"]]
    assert "graph.optimizer" not in found, found["graph.optimizer"]
