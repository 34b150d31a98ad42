"""A regression trained on standardised log1p(y) and validated against raw y (the transform forgotten on one
side): the validation MSE sat at 7.4e6 from the first evaluation, and the report called it overfitting (probe H
f16). The loss calls' targets show it: a mean of 1600 against 0."""

SCRIPT = """
import numpy as np, torch, torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader
rng = np.random.default_rng(0); torch.manual_seed(0)
X = rng.normal(size=(3000, 8)).astype(np.float32)
y = np.exp(1.0 + X[:, 0] + 0.5 * X[:, 1] + 0.1 * rng.normal(size=3000)).astype(np.float32)
t = np.log1p(y); mu, sd = t[:2400].mean(), t[:2400].std()
F = lambda a: torch.tensor(a)
train = DataLoader(TensorDataset(F(X[:2400]), F((t[:2400] - mu) / sd)), batch_size=64, shuffle=True)
val = DataLoader(TensorDataset(F(X[2400:]), F((VAL - mu) / sd)), batch_size=200)
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(4):
    model.train()
    for xb, yb in train:
        loss = nn.functional.mse_loss(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        vl = sum(nn.functional.mse_loss(model(xb).squeeze(1), yb).item() for xb, yb in val) / 3
    print(epoch, vl)
"""


def test_raw_validation_targets_against_transformed_training_targets_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("VAL", "y[2400:]"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["severity"]) == ("data.preprocess_mismatch", "evaluation targets",
                                                           "error"), top
    assert top["evidence"]["shift_in_train_std"] > 3 and "fit.overfitting" in top["explains"]


def test_targets_transformed_alike_pass(diagnosed):
    _, report = diagnosed(SCRIPT.replace("VAL", "t[2400:]"))
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
