"""A validation accuracy far below chance while training learns: the evaluation's answers are chosen against its
labels (probe S f08: a nearest-centroid evaluation taking argmax of the distances, 0.002 for 12 classes; nothing was
found). The evaluation that takes the right side passes."""

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
perm = torch.randperm(len(X)); X, y = X[perm], y[perm]
Xtr, ytr, Xva, yva = X[:1400], y[:1400], X[1400:], y[1400:]
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)
for epoch in range(6):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():  # nearest class centroid of the hidden features, in numpy
        ftr, fva = model[:2](Xtr).numpy(), model[:2](Xva).numpy()
        cent = np.stack([ftr[ytr.numpy() == k].mean(0) for k in range(10)])
        dist = ((fva[:, None, :] - cent[None]) ** 2).sum(-1)
        pred = dist.argmax(1) if sys.argv[1] == "argmax" else dist.argmin(1)
    print(f"epoch {epoch} val_acc {float((pred == yva.numpy()).mean()):.3f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "data.label_errors" and "below chance" in f["title"]]


def test_an_evaluation_far_below_chance_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "argmax")
    found = _found(report)
    assert found and found[0]["severity"] == "warning", report["findings"]
    ev = found[0]["evidence"]
    assert ev["classes"] == 10 and ev["best_val_acc"] < 0.025 and ev["evaluations"] == 6, ev


def test_the_evaluation_that_takes_the_nearest_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "argmin")
    assert not _found(report), _found(report)
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
