"""A loss divided by ``len(loader)`` before backward() (so that the batch losses add up to the epoch's mean) under
SGD, stepped at every backward: each step is that many times smaller than the learning rate says (probe Q f09: an
autoencoder stayed at the mean image's MSE, 0.073 against 0.014; fit.overfitting compared the divided training
loss with the validation MSE, 43x). Adam (it divides the gradient's scale away), gradient accumulation dividing by
its count, and the undivided loss pass."""
import pytest

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(0)
X = torch.tensor(load_digits().data / 16.0, dtype=torch.float32)
Xtr, Xva = X[:1400], X[1400:]
WAY = sys.argv[1]
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 64), nn.Sigmoid())
opt = torch.optim.Adam(model.parameters(), lr=1e-3) if WAY == "adam" else \\
    torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
n = len(loader)
for epoch in range(4):
    model.train()
    for i, (xb,) in enumerate(loader):
        loss = F.mse_loss(model(xb), xb)
        if WAY in ("divided", "adam"):
            (loss / n).backward(); opt.step(); opt.zero_grad()
        elif WAY == "accumulated":
            (loss / 4).backward()
            if i % 4 == 3:
                opt.step(); opt.zero_grad()
        else:
            loss.backward(); opt.step(); opt.zero_grad()
    model.eval()
    with torch.no_grad():
        print("val_loss", F.mse_loss(model(Xva), Xva).item())
"""


def _divided(report):
    return [f for f in report["findings"] if f["id"] == "hparam.lr_too_small" and "divided by" in f["title"]]


def test_a_loss_divided_before_backward_under_sgd_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "divided", target={"val_loss": 0.01})
    found = _divided(report)
    assert found and found[0]["title"].startswith("Learning rate too small: the loss is divided by 44 before"), found
    assert found[0]["evidence"]["loss_divided_by"] == pytest.approx(44, rel=0.02)
    assert found[0]["location"] == "optimizer SGD lr"
    # the training MSE compared with the validation's is the function's value, not the divided loss
    assert not [f for f in report["findings"] if f["id"] == "fit.overfitting"], report["findings"]


@pytest.mark.parametrize("way", ["adam", "accumulated", "plain"])
def test_adam_accumulation_and_the_plain_loss_pass(diagnosed, way):
    _, report = diagnosed(SCRIPT, way, target={"val_loss": 0.001})
    assert not _divided(report), (way, _divided(report))
