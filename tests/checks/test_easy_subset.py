"""Hard-example mining written ``per.topk(k, largest=False)``: the loss keeps the easiest quarter of each batch,
falls to nearly zero, and the rest never trains (probe R f07: 0.45 against 0.95; data.label_errors led). The
hardest quarter (largest=True) passes."""
import pytest

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import make_classification
torch.manual_seed(0)
X, y = make_classification(n_samples=2000, n_features=20, n_informative=12, n_classes=6, n_clusters_per_class=1,
                           class_sep=1.0, random_state=0)
X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 6))
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)
LARGEST = sys.argv[1] == "hardest"
for epoch in range(8):
    for xb, yb in loader:
        per = F.cross_entropy(model(xb), yb, reduction="none")
        loss = per.topk(len(per) // 4, largest=LARGEST).values.mean()
        opt.zero_grad(); loss.backward(); opt.step()
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.loss_function" and "keeps part" in f["title"]]


def test_the_easiest_quarter_kept_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "easiest")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "graph.loss_function", report["findings"]
    assert "TopkBackward0" in found[0]["evidence"]["loss_graph"] and found[0]["evidence"]["train_acc_whole_batch"] < 0.7


def test_the_hardest_quarter_kept_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "hardest")
    assert not _found(report), _found(report)
