"""An evaluated EMA copy whose decay is too slow for the run: 0.9999 over a few hundred steps keeps nearly all of
its random init, so the copy evaluated stays near chance while the trained model learns (probe R f05: 0.24 against
0.96 with 0.99; data.label_errors led). Its weights travel a few percent of the trained model's way; with 0.99 about
half, and that passes."""
import pytest

SCRIPT = """
import sys, copy, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
Xtr, ytr, Xva, yva = X[:1300], y[:1300], X[1300:], y[1300:]
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
ema = copy.deepcopy(model).requires_grad_(False)
DECAY = float(sys.argv[1])
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)
for epoch in range(8):
    model.train()
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(DECAY).add_(pm, alpha=1 - DECAY)
    ema.eval()
    with torch.no_grad():
        out = ema(Xva)
        print("val_loss", F.cross_entropy(out, yva).item(), "val_acc", (out.argmax(1) == yva).float().mean().item())
"""


def _lags(report):
    return [f for f in report["findings"] if f["id"] == "graph.optimizer" and "too slowly" in f["title"]]


def test_an_ema_too_slow_for_the_run_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "0.9999")
    found = _lags(report)
    assert found and report["findings"][0]["id"] == "graph.optimizer", report["findings"]
    assert found[0]["evidence"]["path_share"] < 0.1 and found[0]["location"] == "Sequential2", found[0]


def test_an_ema_that_follows_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "0.99")
    assert not _lags(report), _lags(report)
