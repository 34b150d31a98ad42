"""A bias the loss does not depend on is not a weight that fails to update.

A scorer trained with a ranking loss (the difference of two of its outputs) gives its last bias no gradient
at all, exactly: a shift of that layer's output cancels (a triplet loss's distances cancel it too, up to
rounding). weight.not_updating reported that bias as a trainable tensor nothing updates.
Biases left out of the optimizer, which do get a gradient, are still reported."""
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
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
params = [p for n, p in model.named_parameters() if how != "no_bias_in_opt" or n.endswith("weight")]
opt = torch.optim.SGD(params, lr=0.05)
g = torch.Generator().manual_seed(1)
for step in range(120):
    a = torch.randint(0, len(X), (64,), generator=g)
    b = torch.randint(0, len(X), (64,), generator=g)
    sign = torch.sign((y[a] - y[b]).float()) + (y[a] == y[b]).float()  # is the first digit the larger?
    loss = F.margin_ranking_loss(model(X[a]).squeeze(1), model(X[b]).squeeze(1), sign, margin=0.5)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""


@pytest.mark.parametrize("how", ["ranking", "no_bias_in_opt"])
def test_a_bias_without_effect_is_not_stuck(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    note = {c["id"]: c for c in report["checklist"]}["weight.not_updating"].get("note", "")
    if how == "no_bias_in_opt":
        f = found["weight.not_updating"]
        assert set(f["evidence"]["params"]) == {"0.bias", "2.bias"}, f
        return
    assert "weight.not_updating" not in found, found["weight.not_updating"]
    assert "2.bias" in note and "cancels" in note, note
