"""Batches sliced by hand with the batch's number as the start row: ``X[i:i + B]`` for ``i in range(N // B)`` slides a
window by one row per step over the first rows (probe S f07: rows 0-73 of 1,347, loss.zero only). Tiles
(``range(0, N, B)``) pass."""

SCRIPT = """
import sys, torch, torch.nn as nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
perm = torch.randperm(len(X)); X, y = X[perm], y[perm]
Xtr, ytr, Xva, yva = X[:1400], y[:1400], X[1400:], y[1400:]
N, B = len(Xtr), 32
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
starts = range(N // B) if sys.argv[1] == "slide" else range(0, N - B + 1, B)
for epoch in range(6):
    for i in starts:
        loss = nn.functional.cross_entropy(model(Xtr[i:i + B]), ytr[i:i + B])
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        print(f"epoch {epoch} val_acc {(model(Xva).argmax(1) == yva).float().mean().item():.3f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "data.too_few_samples" and "sliding" in f["title"]]


def test_windows_sliding_by_one_row_are_found(diagnosed):
    _, report = diagnosed(SCRIPT, "slide")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "data.too_few_samples", report["findings"]
    ev = found[0]["evidence"]
    assert ev["starts_of_first_batches"][:3] == [0, 1, 2] and ev["tensor_rows"] == 1797, ev
    assert ev["rows_covered"][1] < 100, ev


def test_tiled_batches_pass(diagnosed):
    _, report = diagnosed(SCRIPT, "tiles")
    assert not _found(report), _found(report)
