"""Training and evaluation compute different losses: a pinball loss whose residual is reversed in training
(``pred - target``) but right in the evaluation fits the 10th percentile for the 90th (probe R f02: the training loss
falls to 0.15, the validation loss stays near 1.0, 5x from the first epoch; nothing was found). The same loss on
both sides passes."""
import pytest

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
rng = np.random.default_rng(0); torch.manual_seed(0)
N, D, Q = 3000, 6, 0.9
X = rng.normal(size=(N, D)).astype(np.float32)
y = (np.sin(X[:, 0]) + 0.5 * X[:, 1] + (0.2 + 0.8 * np.abs(X[:, 0])) * rng.normal(size=N)).astype(np.float32)
Xtr, Xva, ytr, yva = map(torch.tensor, (X[:2400], X[2400:], y[:2400], y[2400:]))
WAY = sys.argv[1]
def pinball(pred, target, q=Q, reversed=False):
    err = pred - target if reversed else target - pred
    return torch.maximum(q * err, (q - 1) * err).mean()
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)
model = nn.Sequential(nn.Linear(D, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(8):
    for xb, yb in loader:
        loss = pinball(model(xb).squeeze(1), yb, reversed=WAY == "reversed")
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        print(f"epoch {epoch} val_loss {pinball(model(Xva).squeeze(1), yva).item():.4f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.loss_function" and "different losses" in f["title"]]


def test_a_training_loss_other_than_the_evaluations_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "reversed")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "graph.loss_function", report["findings"]
    ev = found[0]["evidence"]
    assert ev["val_tag"] == "printed/val_loss" and ev["first_val_loss"] >= 3 * ev["train_loss_first_epoch"], ev


def test_the_same_loss_on_both_sides_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "right")
    assert not _found(report), _found(report)
