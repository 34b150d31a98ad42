"""Every training step on the same batch (probe N f07: ``torch.manual_seed`` inside the step loop, so
``torch.randint`` draws the same 32 indices each step; 0.71 against 0.96, only fit.overfitting was found), or
``next(iter(loader))`` on an unshuffled loader. Seeding once, iterating the loader and full-batch training are
left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
Xtr, ytr, Xva, yva = X[:1200], y[:1200], X[1200:], y[1200:]
torch.manual_seed(5)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=False)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for step in range(40):
        BATCH
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        acc = (model(Xva).argmax(1) == yva).float().mean().item()
"""

RESEEDED = "torch.manual_seed(5); idx = torch.randint(0, len(Xtr), (32,)); xb, yb = Xtr[idx], ytr[idx]"
RESTARTED = "xb, yb = next(iter(loader))"
SEEDED_ONCE = "idx = torch.randint(0, len(Xtr), (32,)); xb, yb = Xtr[idx], ytr[idx]"
FULL_BATCH = "xb, yb = Xtr, ytr"


@pytest.mark.parametrize("batch", [RESEEDED, RESTARTED])
def test_same_batch_every_step_is_found(diagnosed, batch):
    _, report = diagnosed(SCRIPT.replace("BATCH", batch))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("data.too_few_samples", "training batches", 0), top
    assert "Every sampled training batch is the same one" in top["title"] and top["evidence"]["rows"] == 32, top


@pytest.mark.parametrize("batch", [SEEDED_ONCE, FULL_BATCH])
def test_varied_or_full_batches_pass(diagnosed, batch):
    _, report = diagnosed(SCRIPT.replace("BATCH", batch))
    assert not [f for f in report["findings"] if f["id"] == "data.too_few_samples"], report["findings"]
