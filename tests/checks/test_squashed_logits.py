"""A sigmoid at the end of a classifier trained with CrossEntropyLoss: its softmax sees values in (0, 1), and the
loss cannot go below ln(1 + 9/e) = 1.46 for 10 classes. The digits CNN still reached 0.95 (it ranks the squashed
scores), the loss sat at 1.50, and nothing was found."""
import math

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8)
loader = DataLoader(TensorDataset(X[:1400], torch.tensor(y[:1400])), batch_size=32, shuffle=True)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 16, 64), nn.ReLU(),
    nn.Linear(64, 10), LAST)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
crit = nn.CrossEntropyLoss()
for epoch in range(3):
    for xb, yb in loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    print(epoch, loss.item())
"""


def test_a_sigmoid_before_cross_entropy_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LAST", "nn.Sigmoid()"))
    top = report["findings"][0]
    assert (top["id"], top["severity"], top["step"]) == ("graph.loss_function", "error", 0), top
    assert "last activation, 7 (Sigmoid)" in top["title"] and "above 1.46 for 10 classes" in top["title"], top
    assert abs(top["evidence"]["loss_floor"] - math.log1p(9 / math.e)) < 1e-3


def test_the_same_model_with_raw_logits_is_healthy(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LAST", "nn.Identity()"))
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
