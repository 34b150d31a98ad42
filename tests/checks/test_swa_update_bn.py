"""Stochastic weight averaging on a BatchNorm CNN (probe J h03, validation accuracy 0.987): SGD 0.05 with momentum,
cosine, then SWALR, and torch.optim.swa_utils.update_bn to recompute the averaged model's BatchNorm statistics.
Two errors: graph.node_mode read update_bn's pass (the averaged model in train mode under no_grad) as an evaluation
with BatchNorm in training mode, and hparam.lr_too_large read a spike to 6x the first loss at the first steps, after
which the loss fell to 0.4% of its start, as a learning rate too large."""

SCRIPT = """
import torch, torch.nn as nn
from torch.optim.swa_utils import AveragedModel, SWALR, update_bn
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor((X.reshape(-1, 1, 8, 8) / 16.0 - 0.3) / 0.4, dtype=torch.float32); y = torch.tensor(y)
train_loader = DataLoader(TensorDataset(X[:1300], y[:1300]), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(X[1300:], y[1300:]), batch_size=256)
model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 16, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
EPOCHS, SWA_START = 10, 6
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=SWA_START)
swa_model = AveragedModel(model)
swa_sched = SWALR(opt, swa_lr=0.02, anneal_epochs=2)
crit = nn.CrossEntropyLoss()

def evaluate(m):
    m.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(m(xb), yb)

for epoch in range(EPOCHS):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad(); loss = crit(model(xb), yb); loss.backward(); opt.step()
    if epoch >= SWA_START:
        swa_model.update_parameters(model); swa_sched.step()
    else:
        sched.step()
    evaluate(model)
update_bn(train_loader, swa_model)
evaluate(swa_model)
"""


def test_swa_with_update_bn_is_healthy(diagnosed):
    _, report = diagnosed(SCRIPT)
    # (activation.dead_relu may warn: on 2 threads the first steps' spike leaves 70% of the second block's units
    # dead, a fact, which on 1 thread stays below the bar; the two errors are what this is about)
    ids = [f["id"] for f in report["findings"] if f["severity"] != "info"]
    assert "graph.node_mode" not in ids and "hparam.lr_too_large" not in ids, report["findings"]
    checks = {c["id"]: c for c in report["checklist"]}
    assert checks["graph.node_mode"]["status"] == "pass", checks["graph.node_mode"]
    loss = next(c for c in report["checklist"] if c["id"] == "loss.blowup")
    assert "peak" in loss["note"], loss  # the spike this is about happened
