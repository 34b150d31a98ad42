"""A script's own accuracy that broadcasts (N,) predictions against a BCE's (N, 1) targets to an N x N comparison:
0.53 printed while the model is right on 0.95 (probe T f03; no finding, since a target of two dimensions was taken
for a per-token count). The right comparison passes."""
import pytest

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
from sklearn.datasets import load_breast_cancer
torch.manual_seed(0)
X, y = load_breast_cancer(return_X_y=True)
X = (X - X.mean(0)) / X.std(0)
perm = np.random.default_rng(0).permutation(len(X)); X, y = X[perm], y[perm]
Xtr, Xva = torch.tensor(X[:450], dtype=torch.float32), torch.tensor(X[450:], dtype=torch.float32)
ytr, yva = (torch.tensor(a, dtype=torch.float32).unsqueeze(1) for a in (y[:450], y[450:]))
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
crit = nn.BCEWithLogitsLoss()
for epoch in range(15):
    model.train()
    for xb, yb in loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vloss = crit(logits, yva).item()
        pred = (logits > 0).float()
        pred = pred.squeeze(1) if sys.argv[1] == "broadcast" else pred
        print(f"epoch {epoch} val_loss {vloss:.4f} val_acc {(pred == yva).float().mean().item():.3f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.wrong_operator" and "not the model's" in f["title"]]


def test_a_printed_accuracy_broadcast_to_n_by_n_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "broadcast")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "graph.wrong_operator", report["findings"]
    ev = found[0]["evidence"]
    assert ev["printed"] < 0.7 and ev["counted"] > 0.9, ev


def test_the_same_shapes_pass(diagnosed):
    _, report = diagnosed(SCRIPT, "same")
    assert not _found(report), _found(report)
