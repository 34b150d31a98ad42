"""model.to(torch.bfloat16) with plain SGD at 1e-3: the weights themselves are bfloat16, and a step smaller than
1/256 of a weight rounds away (probe L f02: 0.74 against 0.91 in float32; hparam.lr_too_small led without
naming bfloat16). The learning-rate finding now names the 16-bit weights first in its advice; a float32 model
gets no such note."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler
dtype = getattr(torch, sys.argv[1])
torch.manual_seed(0)
X, y = load_breast_cancer(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=dtype); y = torch.tensor(y)
model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Linear(32, 2)).to(dtype)
opt = torch.optim.SGD(model.parameters(), lr=1e-4)
for epoch in range(6):
    for i in range(0, 500, 25):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 25]).float(), y[i:i + 25]).backward()
        opt.step()
"""


@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
def test_sixteen_bit_weights_are_named_in_the_small_lr_finding(diagnosed, dtype):
    _, report = diagnosed(SCRIPT, dtype)
    f = next((f for f in report["findings"] if f["id"] == "hparam.lr_too_small"), None)
    assert f is not None, [g["id"] for g in report["findings"]]
    if dtype == "float32":
        assert "bfloat16" not in f["advice"], f["advice"]
        return
    assert "with weights in bfloat16" in f["title"], f["title"]
    assert f["advice"].startswith("First check the settings that scale the steps: weights in bfloat16"), f["advice"]
