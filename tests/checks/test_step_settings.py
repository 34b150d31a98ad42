"""Settings other than the learning rate that scale the steps by orders of magnitude are named first in the
learning-rate findings' advice: SGD momentum 0.99 (steps of lr / (1 - m)), Adam eps=1 (steps of about
lr * grad), a loss summed over the batch (gradients batch-size times the mean's). A loss that spikes and
comes back is titled as a spike ('grew from 7560 to 6160' read as a fall)."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
if how == "momentum":
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.995)
elif how == "eps":
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1.0)
else:
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
red = "sum" if how == "sum" else "mean"
for epoch in range(8):
    for i in range(0, 1600, 64):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 64]), y[i:i + 64], reduction=red).backward()
        opt.step()
"""


@pytest.mark.parametrize("how, cause, words", [
    ("momentum", "hparam.lr_too_large", "momentum=0.995 in SGD"),
    ("eps", "hparam.lr_too_small", "eps=1 in Adam"),
    ("sum", "hparam.lr_too_large", "cross_entropy(reduction='sum') adds up the batch's 64 losses"),
])
def test_step_scaling_settings_lead_the_advice(diagnosed, how, cause, words):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    assert cause in found, [(f["id"], f["title"]) for f in report["findings"]]
    advice = found[cause]["advice"]
    assert advice.startswith("First check the settings that scale the steps") and words in advice, advice
    assert words.split(" adds")[0] in found[cause]["title"], found[cause]["title"]


SPIKE = """
import torch
from torch import nn
torch.manual_seed(0)
w = nn.Parameter(torch.zeros(4))
opt = torch.optim.SGD([w], lr=1e-9)
x = torch.randn(256, 4)
for step in range(60):
    loss = ((x @ w - 1.0) ** 2).mean() * (5000.0 if step == 30 else 1.0)
    opt.zero_grad(); loss.backward(); opt.step()
"""


def test_a_spike_that_comes_back_is_titled_a_spike(diagnosed):
    _, report = diagnosed(SPIKE)
    f = {f["id"]: f for f in report["findings"]}["loss.blowup"]
    assert f["title"] == "training loss spiked to 5000.0 at step 30, 5e+03x its start 1.0 (it ended at 1.0)", f["title"]
