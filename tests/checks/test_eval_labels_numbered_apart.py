"""Validation labels numbered 1..10 while the training labels were shifted to 0..9 (the seed's 'labels wrong'),
with the accuracy counted by hand in a loop over a validation DataLoader. The collector dropped such a pass (a
label past the outputs read as 'not class ids'), so the run had no evaluation at all and the report said 'no
problem found' while the script printed a validation accuracy of 0.000."""

SCRIPT = """
import numpy as np, torch, torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader

X, y = load_digits(return_X_y=True)
X, y = X.astype(np.float32) / 16.0, y + 1          # exported with classes numbered 1..10
torch.manual_seed(1)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.2, random_state=1)
ytr = ytr - 1                                      # 0-based for CrossEntropyLoss: training only
train_loader = DataLoader(TensorDataset(torch.from_numpy(Xtr), torch.from_numpy(ytr)), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.from_numpy(Xva), torch.from_numpy(yva + SHIFT)), batch_size=128)
model = nn.Sequential(nn.Linear(64, 96), nn.ReLU(), nn.Linear(96, 10))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(6):
    model.train()
    for xb, yb in train_loader:
        loss = loss_fn(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval(); vc = vn = 0
    with torch.no_grad():
        for xb, yb in val_loader:
            vc += (model(xb).argmax(1) == yb).sum().item(); vn += len(yb)
    print(f"epoch {epoch} val_acc {vc/vn:.3f}")
"""


def test_validation_labels_numbered_from_one_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("SHIFT", "0"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["severity"]) == ("data.preprocess_mismatch", "evaluation labels", "error")
    assert "1→0, 2→1" in top["title"] and "label(s) 10 lie outside the model's 10 outputs" in top["title"], top
    assert top["evidence"]["labels_outside_outputs"] == [10]
    # the accuracy the script printed is recorded, at every evaluation
    assert report["accuracy"]["stages"][-1]["stage"] == "val" and report["accuracy"]["stages"][-1]["final"] < 0.05


def test_the_same_labels_numbered_alike_are_healthy(diagnosed):
    _, report = diagnosed(SCRIPT.replace("SHIFT", "-1"))
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
    val = next(s for s in report["accuracy"]["stages"] if s["stage"] == "val")
    assert val["final"] > 0.9 and val["met"] is True
