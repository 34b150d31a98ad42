"""BatchNorm trained on batches of 2 (probe H f03: a digits CNN, validation accuracy 0.62 against 0.996 at batch
32). Each feature of the BatchNorm1d becomes -1 or +1 whatever its value; the training is noisy and the report
blamed the learning rate (SGD 0.01) first, with gradient explosion and oscillation behind it."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
from torch.utils.data import TensorDataset, DataLoader
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X[:600] / 16.0, dtype=torch.float32).reshape(-1, 1, 8, 8); y = torch.tensor(y[:600])
loader = DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True, drop_last=True)
model = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(16 * 16, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))
DUMMY
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
for epoch in range(EPOCHS):
    model.train()
    FREEZE
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def _script(batch, epochs=1, dummy="", freeze=""):
    return SCRIPT.replace("BATCH", str(batch)).replace("EPOCHS", str(epochs)).replace("DUMMY", dummy) \
        .replace("FREEZE", freeze)


def test_batchnorm_on_batches_of_two_leads(diagnosed):
    _, report = diagnosed(_script(2))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.node_mode", "6", 0), top
    assert "trains on batches of 2" in top["title"] and "normalised over 2 values" in top["title"], top
    assert top["evidence"]["batchnorm_layers"]["1"]["values_per_channel"] == 2 * 8 * 8


def test_healthy_batches_and_frozen_batchnorm_pass(diagnosed):
    for body in (_script(32, epochs=3),
                 _script(2, freeze="[m.eval() for m in model.modules() if isinstance(m, nn.BatchNorm2d)]"
                                   "; model[6].eval()"),
                 _script(32, epochs=3, dummy="model(torch.zeros(2, 1, 8, 8))")):
        _, report = diagnosed(body)
        assert not [f for f in report["findings"] if f["id"] == "graph.node_mode"], report["findings"]
