"""A validation accuracy only printed, where the collector counted none (no loss at evaluation: greedy decoding, a
nearest-centroid score): fit.overfitting was not checked at all ("no eval record"; probe S f09, training 1.000 and
validation 0.231 printed, nothing found). It now compares the printed one; an evaluation that agrees passes."""

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
perm = torch.randperm(len(X)); X, y = X[perm], y[perm]
Xtr, ytr, Xva, yva = X[:1400], y[:1400], X[1400:], y[1400:]
if sys.argv[1] == "apart":
    yva = yva[torch.randperm(len(yva))]  # labels no longer the inputs'
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)
for epoch in range(10):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        # nearest class centroid of the hidden features, in numpy: nothing the collector can count
        ftr, fva = model[:2](Xtr).numpy(), model[:2](Xva).numpy()
        cent = np.stack([ftr[ytr.numpy() == k].mean(0) for k in range(10)])
        pred = ((fva[:, None, :] - cent[None]) ** 2).sum(-1).argmin(1)
        acc = float((pred == yva.numpy()).mean())
    print(f"epoch {epoch} val_acc {acc:.3f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "fit.overfitting"]


def test_a_printed_validation_accuracy_far_below_training_is_overfitting(diagnosed):
    _, report = diagnosed(SCRIPT, "apart")
    found = _found(report)
    assert found, report["findings"]
    ev = found[0]["evidence"]
    assert ev["train_acc"] > 0.95 and ev["val_acc"] < 0.3, ev


def test_a_printed_validation_accuracy_that_agrees_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "same")
    assert not _found(report), _found(report)
    assert next(c for c in report["checklist"] if c["id"] == "fit.overfitting")["status"] == "pass"
