"""Batches sliced by hand with the batch's number as the start row: ``X[i:i + B]`` for ``i in range(N // B)`` slides a
window by one row per step over the first rows (probe S f07: rows 0-73 of 1,347, loss.zero only). Tiles
(``range(0, N, B)``) pass, and so do time chunks of parallel streams (``data[:, i:i + T]``, truncated BPTT: probe R
h04 was a false alarm)."""

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


STREAMS = """
import torch, torch.nn as nn
torch.manual_seed(0)
t = torch.arange(16 * 400, dtype=torch.float32) * 0.05
data = (torch.sin(t) + 0.1 * torch.randn_like(t)).view(16, 400)  # 16 streams read in order
rnn, head = nn.GRU(1, 16, batch_first=True), nn.Linear(16, 1)
opt = torch.optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=1e-2)
for epoch in range(3):
    h = None
    for i in range(0, 399 - 20, 20):
        x, y = data[:, i:i + 20], data[:, i + 1:i + 21]
        out, h = rnn(x.unsqueeze(-1), h)
        h = h.detach()
        loss = nn.functional.mse_loss(head(out).squeeze(-1), y)
        opt.zero_grad(); loss.backward(); opt.step()
    print(f"epoch {epoch} loss {loss.item():.4f}")
"""


def test_time_chunks_of_parallel_streams_pass(diagnosed):
    _, report = diagnosed(STREAMS)
    assert not _found(report), _found(report)
