"""A multi-task model trained on the sum of two losses (cross-entropy on a class head, MSE on a regression
head) and evaluated with both: the evaluation loss is their sum, as the training loss is. It was their mean
(each call counted its samples), half the scale of the training loss it is compared with."""
from __future__ import annotations

import json

import numpy as np

from traindoctor import open_run

SCRIPT = """
import json, sys
import torch
from torch import nn
from sklearn.datasets import load_digits

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
ink = X.mean(1, keepdim=True) * 4  # a second target: how much ink
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(64, 64), nn.ReLU())
        self.cls, self.reg = nn.Linear(64, 10), nn.Linear(64, 1)
    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.reg(h)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
expected = []
for epoch in range(4):
    model.train()
    for i in range(0, 1400, 50):
        logits, amount = model(X[i:i + 50])
        loss = nn.functional.cross_entropy(logits, y[i:i + 50]) + nn.functional.mse_loss(amount, ink[i:i + 50])
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        logits, amount = model(X[1400:])
        ce = nn.functional.cross_entropy(logits, y[1400:])
        mse = nn.functional.mse_loss(amount, ink[1400:])
        expected.append(float(ce + mse))
json.dump(expected, open(sys.argv[1], "w"))
"""


def test_the_evaluation_loss_of_two_heads_is_their_sum(diagnosed, tmp_path):
    out = tmp_path / "expected.json"
    run_dir, _ = diagnosed(SCRIPT, str(out))
    expected = json.loads(out.read_text())
    got = open_run(run_dir).scalar("eval/loss").value
    np.testing.assert_allclose(got, expected, rtol=1e-5)
