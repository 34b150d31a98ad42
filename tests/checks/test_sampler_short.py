"""A WeightedRandomSampler given the batch size as num_samples: each epoch is one batch (probe S f06: 12 updates in
all, fit.underfitting only). num_samples=len(weights) passes."""

SCRIPT = """
import sys, torch, torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
keep = (y >= 5) | (torch.arange(len(y)) % 3 == 0)  # classes 0-4 at a third: imbalanced
X, y = X[keep], y[keep]
w = (1.0 / torch.bincount(y).float())[y]
B = 32
sampler = WeightedRandomSampler(w, num_samples=B if sys.argv[1] == "batch" else len(w), replacement=True)
loader = DataLoader(TensorDataset(X, y), batch_size=B, sampler=sampler)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(12):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    print(f"epoch {epoch} loss {loss.item():.3f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "hparam.batch_size_too_large" and "num_samples" in f["title"]]


def test_a_sampler_drawing_one_batch_per_epoch_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "batch")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "hparam.batch_size_too_large", report["findings"]
    ev = found[0]["evidence"]
    assert ev["sampler_num_samples"] == 32 and ev["optimizer_steps"] == 12 and ev["batches_per_epoch"] == 1, ev


def test_a_sampler_drawing_the_whole_epoch_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "epoch")
    assert not [f for f in report["findings"] if f["id"] == "hparam.batch_size_too_large"], report["findings"]
