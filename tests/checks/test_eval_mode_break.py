"""model.train() called once before the loop and model.eval() at every validation (probe J f03): from the second
epoch the BatchNorms normalise with running statistics, and at SGD lr 0.2 the loss breaks at that very step (0.4 ->
5e12, NaN three steps later). graph.node_mode was found, but ranked fourth behind hparam.lr_too_large, although the
same learning rate had trained well until the modes went wrong."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X.reshape(-1, 1, 8, 8) / 16.0, dtype=torch.float32); y = torch.tensor(y)
train_loader = DataLoader(TensorDataset(X[:1300], y[:1300]), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(X[1300:], y[1300:]), batch_size=128)
model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9, weight_decay=5e-4)
crit = nn.CrossEntropyLoss()
model.train()
for epoch in range(4):
    for xb, yb in train_loader:
        opt.zero_grad(); crit(model(xb), yb).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(model(xb), yb)
"""


def test_the_mode_that_broke_the_loss_leads(diagnosed):
    _, report = diagnosed(SCRIPT)
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.node_mode", "1", 41), top
    assert "where the loss broke" in top["title"] and "hparam.lr_too_large" in top["explains"], top
