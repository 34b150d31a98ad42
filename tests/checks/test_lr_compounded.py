"""A decay written by hand that compounds (probe O f05: ``g["lr"] *= 0.97 ** epoch``, the closed form applied to
the already decayed rate): the learning rate is 100x down at 57% of the run and 5e-8 of its start at the end, the
loss stops with it, 0.89 against 0.96. Nothing was found: the collapse came after the first half, where the
schedule rule looked. The closed form (``g["lr"] = LR * 0.97 ** epoch``) is left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
LR = 0.01
opt = torch.optim.SGD(model.parameters(), lr=LR)
for epoch in range(30):
    for g in opt.param_groups:
        DECAY
    perm = torch.randperm(len(X))
    for i in range(0, len(X), 64):
        idx = perm[i:i + 64]
        loss = F.cross_entropy(model(X[idx]), y[idx])
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_compounded_decay_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("DECAY", 'g["lr"] *= 0.97 ** epoch'))
    top = report["findings"][0]
    assert top["id"] == "hparam.lr_too_small" and top["location"] == "optimizer SGD lr schedule", top
    assert "then stopped with it" in top["title"], top
    assert top["evidence"]["lr_end"] < 1e-7 and top["step"] < 0.6 * 30 * 29, top


def test_closed_form_decay_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("DECAY", 'g["lr"] = LR * 0.97 ** epoch'))
    assert "hparam.lr_too_small" not in [f["id"] for f in report["findings"]], report["findings"]
