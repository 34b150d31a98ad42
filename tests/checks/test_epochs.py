"""hparam.epochs_too_few/_too_many say how long the training was in the unit the script used: epochs of its
training DataLoader, or steps when it slices its batches from tensors (it said "1 epoch(s)" whatever it did)."""
from __future__ import annotations

from ..conftest import doctor_json

STOPPED_EARLY = """
import torch
from torch import nn
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
torch.manual_seed(47)
X, y = load_digits(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32); y = torch.tensor(y)
X_tr, y_tr, X_val, y_val = X[:1400], y[:1400], X[1400:], y[1400:]
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
crit = nn.CrossEntropyLoss()
for i in range(60):  # 60 steps of 32, sliced from the tensors: no DataLoader
    j = (i * 32) % 1400
    model.train(); opt.zero_grad(); crit(model(X_tr[j:j + 32]), y_tr[j:j + 32]).backward(); opt.step()
    if i % 5 == 4:
        model.eval()
        with torch.no_grad():
            crit(model(X_val), y_val)
"""


def test_epochs_too_few_without_a_dataloader_speaks_in_steps(run_script):
    proc, run_dir = run_script(STOPPED_EARLY)
    assert proc.returncode == 0, proc.stderr
    report = doctor_json(run_dir)
    f = next((f for f in report["findings"] if f["id"] == "hparam.epochs_too_few"), None)
    assert f is not None, [(f["id"], f["title"]) for f in report["findings"]]
    assert "after 60 steps" in f["title"] and "epoch" not in f["title"], f["title"]
    assert "at least 120 steps" in f["advice"] and f["evidence"]["epochs"] is None


EARLY_STOP_ABSOLUTE_DELTA = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

torch.manual_seed(14)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
perm = torch.randperm(len(X)); X, y = X[perm], y[perm]
train_loader = DataLoader(TensorDataset(X[:1400], y[:1400]), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X[1400:], y[1400:]), batch_size=397)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.5)
crit = nn.CrossEntropyLoss()
best, min_delta, bad = float("inf"), 0.05, 0
for epoch in range(100):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad(); crit(model(xb), yb).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        xb, yb = next(iter(val_loader))
        vloss = crit(model(xb), yb).item()
    if vloss < best - min_delta:  # the bug: an absolute min_delta, more than the loss still falls near the end
        best = vloss
    else:
        break
"""


def test_an_early_stop_while_the_loss_still_falls_steadily(diagnosed):
    # the loss fell 7-8% at each of the last evaluations, but its steep middle left the last third of the
    # evaluations only 22% of the whole decrease (the check wanted 25%)
    _, report = diagnosed(EARLY_STOP_ABSOLUTE_DELTA)
    top = report["findings"][0]
    assert top["id"] == "hparam.epochs_too_few", [(f["id"], f["title"]) for f in report["findings"]]
    assert "or more lower at each of the last three evaluations" in top["title"]
    assert min(top["evidence"]["eval_loss_last_gains"]) >= 0.03
