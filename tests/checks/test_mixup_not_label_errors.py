"""Mixup: each mixed input is scored against two label sets, lam * ce(out, y) + (1 - lam) * ce(out, y[perm]). The
collector kept the output's predictions against the first set, and data.label_errors warned that 26% of a healthy
run's training rows were 'likely label errors' (probe H h01, validation 0.99)."""

SCRIPT = """
import numpy as np, torch, torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader
from sklearn.datasets import load_digits
torch.manual_seed(0); rng = np.random.default_rng(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
train = DataLoader(TensorDataset(X[:1400], y[:1400]), batch_size=64, shuffle=True)
val = DataLoader(TensorDataset(X[1400:], y[1400:]), batch_size=256)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
crit = nn.CrossEntropyLoss()
for epoch in range(8):
    model.train()
    for xb, yb in train:
        lam = float(rng.beta(0.2, 0.2)); perm = torch.randperm(len(xb))
        out = model(lam * xb + (1 - lam) * xb[perm])
        loss = lam * crit(out, yb) + (1 - lam) * crit(out, YB2)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val) / 397
    print(epoch, acc)
"""


def test_mixup_is_not_read_as_label_errors(diagnosed):
    run_dir, report = diagnosed(SCRIPT.replace("YB2", "yb[perm]"))
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
    note = next(c for c in report["checklist"] if c["id"] == "data.label_errors")
    assert note["status"] == "not_checked" and "mixup" in note["note"], note
    val = next(s for s in report["accuracy"]["stages"] if s["stage"] == "val")
    assert val["final"] > 0.85  # as without mixup (0.89 at 8 epochs)


def test_one_label_set_scored_twice_is_no_mixup(diagnosed):
    # the same labels twice (a loss weighted in two parts): predictions are kept, the check runs
    _, report = diagnosed(SCRIPT.replace("YB2", "yb"))
    note = next(c for c in report["checklist"] if c["id"] == "data.label_errors")
    assert note["status"] == "pass", note
