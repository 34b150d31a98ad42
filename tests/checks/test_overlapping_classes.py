"""Classes that overlap are not wrong labels. A label drawn as a coin with a logistic bias on the inputs: a model
that learns that bias is wrong on 5% of the training rows with 80%+ confidence, and data.label_errors warned
'likely label errors' (a healthy transformer of probe G, h04, too). The same inputs with clean labels of which 15%
are flipped show what wrong labels do: the model's surest predictions stay wrong at the flip rate."""

SCRIPT = """
import torch, torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader
torch.manual_seed(0)
n = 4000
X = torch.randn(n, 8)
p1 = torch.sigmoid(2.5 * X[:, 0] - 1.5 * X[:, 1])
LABELS
tr = DataLoader(TensorDataset(X[:3200], y[:3200]), batch_size=64, shuffle=True)
va = DataLoader(TensorDataset(X[3200:], y[3200:]), batch_size=400)
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(EPOCHS):
    for xb, yb in tr:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        vl = sum(nn.functional.cross_entropy(model(xb), yb, reduction="sum").item() for xb, yb in va) / 800
    print(epoch, round(vl, 3))
"""


def test_overlapping_classes_are_not_label_errors(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LABELS", "y = (torch.rand(n) < p1).long()").replace("EPOCHS", "8"))
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
    note = next(c for c in report["checklist"] if c["id"] == "data.label_errors")
    assert note["status"] == "pass" and "classes that overlap, not wrong labels" in note["note"], note


def test_flipped_labels_are_still_found(diagnosed):
    flip = "y = (p1 > 0.5).long(); flip = torch.rand(n) < 0.15; y[flip] = 1 - y[flip]"
    _, report = diagnosed(SCRIPT.replace("LABELS", flip).replace("EPOCHS", "8"))
    found = next(f for f in report["findings"] if f["id"] == "data.label_errors")
    ev = found["evidence"]
    assert ev["wrong_when_sure"] > 1.5 * ev["expected_wrong_when_sure"] and ev["sure_rows"] >= 50, ev
