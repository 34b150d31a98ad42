"""A best checkpoint kept as ``best_state = model.state_dict()`` (references, which training goes on writing) and
restored at the end (probe P f06): the restore changes nothing, the model kept is the overtrained last one,
validation loss 2.48 against 0.90; data.too_few_samples led. A deep copy is left alone."""
import pytest

SCRIPT = """
import copy
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import make_classification
X, y = make_classification(n_samples=500, n_features=20, n_informative=6, n_classes=3, flip_y=0.15, random_state=0)
X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
Xtr, ytr, Xva, yva = X[:300], y[:300], X[300:], y[300:]
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 3))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
best, best_state = float("inf"), None
for epoch in range(60):
    model.train()
    for i in range(0, 300, 50):
        loss = F.cross_entropy(model(Xtr[i:i + 50]), ytr[i:i + 50])
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        val_loss = F.cross_entropy(model(Xva), yva).item()
    if val_loss < best:
        best, best_state = val_loss, KEEP
model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    val_loss = F.cross_entropy(model(Xva), yva).item()
"""


def test_restoring_references_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("KEEP", "model.state_dict()"))
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("hparam.epochs_too_many", "load_state_dict"), top
    assert top["evidence"]["own_tensors"] == top["evidence"]["restored_tensors"] == 6, top


def test_restoring_a_copy_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("KEEP", "copy.deepcopy(model.state_dict())"))
    found = [f for f in report["findings"] if f["id"] == "hparam.epochs_too_many"]
    assert not found or "is the model itself" not in found[0]["title"], found
