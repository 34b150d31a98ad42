"""A hand-written cosine that returns the learning rate itself, given to LambdaLR, which multiplies the base lr by
it (probe P f05: lr at most 4e-4 where 0.02 was meant, 0.15 against 0.98): found as a small learning rate without
naming LambdaLR. The lambda returning a factor is left alone."""
import pytest

SCRIPT = """
import math
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))
LR, EPOCHS = 0.02, 6
opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
def lr_at(epoch):
    return 0.5 * LR * (1 + math.cos(math.pi * epoch / EPOCHS))
sched = torch.optim.lr_scheduler.LambdaLR(opt, LAMBDA)
for epoch in range(EPOCHS):
    for i in range(0, len(X), 64):
        loss = F.cross_entropy(model(X[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
    sched.step()
"""


def test_lambda_returning_a_rate_is_named(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LAMBDA", "lr_at"))
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("hparam.lr_too_small", "LambdaLR lr_lambda"), top
    assert "LambdaLR's lambda returns 0.02 at most, a learning rate rather than a factor" in top["title"], top


def test_lambda_returning_a_factor_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LAMBDA", "lambda e: lr_at(e) / LR"))
    assert not [f for f in report["findings"] if "LambdaLR" in f["title"]], report["findings"]
