"""A table standardised along the wrong axis, (X - X.mean(1)) / X.std(1): each sample gets mean 0 and std 1 across
its features, the large-valued features dominate every row, and the features barely vary from sample to sample
(wine: validation 0.69, against 0.98 standardised per column). Every scale check passed: the features' spreads
differ by 20x only, and the values are small."""

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader
torch.manual_seed(0)
X, y = load_wine(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
AXIS = int(sys.argv[1])
if AXIS == 1:
    Xtr = (Xtr - Xtr.mean(1, keepdims=True)) / Xtr.std(1, keepdims=True)
elif AXIS == 0:
    Xtr = (Xtr - Xtr.mean(0)) / Xtr.std(0)
else:  # features of another model, layer-normalised per sample: 48 dimensions that vary across samples
    Xtr = np.random.default_rng(0).normal(size=(len(Xtr), 48)) + Xtr[:, :1] / 10
    Xtr = (Xtr - Xtr.mean(1, keepdims=True)) / Xtr.std(1, keepdims=True)
t = lambda a: torch.tensor(a, dtype=torch.float32)
loader = DataLoader(TensorDataset(t(Xtr), torch.tensor(ytr)), batch_size=16, shuffle=True)
model = nn.Sequential(nn.Linear(Xtr.shape[1], 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(10):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def _rows(report):
    return [f for f in report["findings"] if f["id"] == "data.not_normalized"]


def test_rows_standardised_instead_of_features_are_found(diagnosed):
    _, report = diagnosed(SCRIPT, "1")
    found = _rows(report)
    assert found and found[0]["title"].startswith("Each input row is standardised across its 13 features"), found
    assert (found[0]["location"], found[0]["step"]) == ("input", 0)
    assert found[0]["evidence"]["rows_standardised"] == 1.0 and found[0]["evidence"]["feature_std_median"] < 0.05


def test_features_standardised_and_layer_normalised_embeddings_pass(diagnosed):
    for axis in ("0", "2"):
        _, report = diagnosed(SCRIPT, axis)
        assert not _rows(report), (axis, _rows(report))
