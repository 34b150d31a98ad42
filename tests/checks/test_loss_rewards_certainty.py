"""A hand-written binary cross-entropy whose negatives' term is ``log(p)`` for ``log(1 - p)``: every sample is pushed to
positive, the training loss goes to zero while the evaluation's BCE stays high from the first epoch (probe S f05:
loss.zero led, graph.loss_function second). The different-losses finding explains the zero loss and leads; the
right term passes."""

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
from sklearn.datasets import make_classification
torch.manual_seed(0)
X, y = make_classification(n_samples=6000, n_features=16, n_informative=8, weights=[0.7, 0.3], random_state=0)
X = (X - X.mean(0)) / X.std(0)
Xtr, Xva, ytr, yva = (torch.tensor(a, dtype=torch.float32) for a in (X[:4800], X[4800:], y[:4800], y[4800:]))
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=128, shuffle=True)
model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
def bce(logits, t):
    p = torch.sigmoid(logits).clamp(1e-6, 1 - 1e-6)
    neg = torch.log(p) if sys.argv[1] == "wrong" else torch.log(1 - p)
    return -(t * torch.log(p) + (1 - t) * neg).mean()
for epoch in range(10):
    for xb, yb in loader:
        loss = bce(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        out = model(Xva).squeeze(1)
        vloss = nn.functional.binary_cross_entropy_with_logits(out, yva).item()
    print(f"epoch {epoch} val_loss {vloss:.4f} val_acc {((out > 0).float() == yva).float().mean().item():.3f}")
"""


def test_a_loss_driven_to_zero_against_the_evaluations_leads_with_the_loss(diagnosed):
    _, report = diagnosed(SCRIPT, "wrong")
    ids = [f["id"] for f in report["findings"] if f["severity"] != "info"]
    assert "loss.zero" in ids and ids[0] == "graph.loss_function", report["findings"]
    assert "different losses" in report["findings"][0]["title"]


def test_the_right_term_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "right")
    assert not [f for f in report["findings"] if f["id"] == "graph.loss_function"], report["findings"]
