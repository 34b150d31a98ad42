"""graph.loss_function on two common slips: a regression output of shape (N, 1) against a target of shape (N,)
(MSE broadcasts them to (N, N) and the model learns the mean), and a 0/255 mask as the target of
BCEWithLogitsLoss (the loss has no minimum: it runs to -2000 and loss.zero called that memorisation). The same
scripts with the shapes matched, or the mask scaled, get no alarm."""
from __future__ import annotations

import pytest


REGRESSION = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler
torch.manual_seed(2)
X, y = load_diabetes(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32)
y = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32)
if sys.argv[1] == "matched":
    y = y.unsqueeze(1)
if sys.argv[1] == "dollars":  # the target in its raw units, times 1000
    y = torch.tensor(load_diabetes(return_X_y=True)[1] * 1000.0, dtype=torch.float32).unsqueeze(1)
if sys.argv[1] == "sigmoid":  # targets of 0.25..3.46 against a model that ends in a sigmoid
    y = torch.tensor(load_diabetes(return_X_y=True)[1] / 100.0, dtype=torch.float32).unsqueeze(1)
if sys.argv[1] == "raw":  # the target in its units (25..346): Adam copes with the large gradients
    y = torch.tensor(load_diabetes(return_X_y=True)[1], dtype=torch.float32).unsqueeze(1)
model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 1),
                      *([nn.Sigmoid()] if sys.argv[1] == "sigmoid" else []))
if sys.argv[1] == "raw":
    with torch.no_grad():
        model[2].bias.fill_(150.0)
opt = torch.optim.Adam(model.parameters(), lr=1e-2 if sys.argv[1] == "raw" else 3e-3)
for epoch in range(25):
    perm = torch.randperm(len(X))
    for i in range(0, len(X), 32):
        idx = perm[i:i + 32]
        opt.zero_grad(); nn.functional.mse_loss(model(X[idx]), y[idx]).backward(); opt.step()
"""

MASKS = """
import sys
import torch
from torch import nn
torch.manual_seed(0)
img = torch.rand(512, 1, 16, 16)
mask = (img > 0.5).float() * (255.0 if sys.argv[1] == "raw" else 1.0)
net = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1))
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
crit = nn.BCEWithLogitsLoss()
for epoch in range(6):
    for i in range(0, 512, 32):
        opt.zero_grad(); crit(net(img[i:i + 32]), mask[i:i + 32]).backward(); opt.step()
"""


def _alarms(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["severity"] in ("error", "warning")]


def test_a_regression_target_that_broadcasts_is_named(diagnosed):
    run_dir, report = diagnosed(REGRESSION, "broadcast")
    top = _alarms(report)[0]
    assert (top["id"], top["location"], top["step"]) == ("graph.loss_function", "mse_loss", 0)
    assert "(32, 1) and target (32,)" in top["title"] and top["evidence"]["broadcast_shape"] == [32, 32]


def test_regression_targets_far_from_the_outputs_scale_are_named(diagnosed):
    run_dir, report = diagnosed(REGRESSION, "dollars")
    top = _alarms(report)[0]
    assert (top["id"], top["location"], top["step"]) == ("data.not_normalized", "target", 0)
    assert top["evidence"]["target"]["max"] > 1e5 and top["evidence"]["loss_flat"] is True  # the first batch's
    assert "not scaled, while the network's outputs start near 0" in top["title"]


def test_regression_targets_outside_a_sigmoids_range_are_named(diagnosed):
    run_dir, report = diagnosed(REGRESSION, "sigmoid")
    top = _alarms(report)[0]
    assert (top["id"], top["location"], top["step"]) == ("graph.loss_function", "mse_loss", 0)
    assert "outside the range [0, 1] of the model's last activation (3 (Sigmoid))" in top["title"]
    # no DataLoader: the targets' variance comes from the recorded loss calls
    assert any(f["id"] == "fit.underfitting" for f in _alarms(report))


def test_a_mask_of_0_and_255_as_bce_target_is_named_not_called_memorisation(diagnosed):
    run_dir, report = diagnosed(MASKS, "raw")
    top = _alarms(report)[0]
    assert (top["id"], top["location"]) == ("graph.loss_function", "binary_cross_entropy_with_logits (in "
                                                                   "BCEWithLogitsLoss)")
    assert "[0, 255]" in top["title"]
    zero = next(c for c in report["checklist"] if c["id"] == "loss.zero")
    assert zero["status"] == "pass" and "below zero" in zero["note"]


@pytest.mark.parametrize("body, arg", [(REGRESSION, "matched"), (MASKS, "scaled"), (REGRESSION, "raw")])
def test_the_same_scripts_set_up_right_get_no_alarm(diagnosed, body, arg):
    run_dir, report = diagnosed(body, arg)
    assert _alarms(report) == [], [(f["id"], f["title"]) for f in _alarms(report)]


ONE_HOT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
onehot = nn.functional.one_hot(y, 10).float()
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(3):
    for i in range(0, 1600, 32):
        opt.zero_grad()
        out = model(X[i:i + 32])
        if sys.argv[1] == "softmax_mse":
            loss = nn.functional.mse_loss(out.softmax(1), onehot[i:i + 32])
        else:  # soft targets of a distillation: not one-hot
            loss = nn.functional.mse_loss(out.softmax(1), (onehot[i:i + 32] * 0.8 + 0.02))
        loss.backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["softmax_mse", "smoothed"])
def test_one_hot_targets_of_a_regression_loss(diagnosed, how):
    _, report = diagnosed(ONE_HOT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "smoothed":
        assert "graph.loss_function" not in found, found["graph.loss_function"]
        return
    f = found["graph.loss_function"]
    assert f["title"] == "One-hot class targets are regressed with mse_loss on softmax probabilities", f
    assert f["evidence"]["classes"] == 10 and f["step"] == 0


SOFTMAX_DIM = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
dim = int(sys.argv[1])
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10), nn.Softmax(dim=dim))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, 1600, 32):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 32]), y[i:i + 32]).backward()
        opt.step()
"""


@pytest.mark.parametrize("dim", ["0", "1"])
def test_a_softmax_over_the_batch_is_named(diagnosed, dim):
    _, report = diagnosed(SOFTMAX_DIM, dim)
    f = {f["id"]: f for f in report["findings"]}["graph.loss_function"]
    assert ("batch dimension (dim=0)" in f["title"]) == (dim == "0"), f["title"]
    assert f["severity"] == "error" and f["step"] == 0
