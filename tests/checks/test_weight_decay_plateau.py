"""A weight decay that shrinks the weights by 5% per step (SGD, lr 0.05, momentum 0.9, weight_decay 0.1): the
digits MLP, 38 parameters per training sample, levels off at a training accuracy of 0.87 from the third epoch on.
It beat the majority-class baseline, so fit.underfitting passed, nothing else fired, and the report said 'no
problem found'. Without the decay the same model fits its training set."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=2)
sc = StandardScaler().fit(Xtr)
f = lambda a: torch.tensor(a, dtype=torch.float32)
train_loader = DataLoader(TensorDataset(f(sc.transform(Xtr)), torch.tensor(ytr)), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(f(sc.transform(Xva)), torch.tensor(yva)), batch_size=256)
model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=DECAY)
crit = nn.CrossEntropyLoss()
for epoch in range(10):
    model.train()
    for xb, yb in train_loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval(); vc = vn = 0
    with torch.no_grad():
        for xb, yb in val_loader:
            vc += (model(xb).argmax(1) == yb).sum().item(); vn += len(yb)
    print(f"epoch {epoch} loss {loss.item():.3f} val_acc {vc/vn:.3f}")
"""


def _alarms(report):
    return [f for f in report["findings"] if f["severity"] != "info"]


def test_a_strong_weight_decay_holding_training_back_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("DECAY", "0.1"))
    top = _alarms(report)[0]
    assert (top["id"], top["severity"]) == ("fit.underfitting", "warning"), top
    assert top["title"].startswith("train accuracy levels off at 0.8"), top["title"]
    assert top["evidence"]["weight_decay"]["weight_decay"] == 0.1 and top["evidence"]["params_per_sample"] > 30
    assert "weight_decay=0.1 with lr=0.05 (SGD) shrinks the weights by 5.0%" in top["advice"]
    assert "see fit.underfitting" in report["accuracy"]["verdict"]


def test_the_usual_weight_decay_is_healthy(diagnosed):
    _, report = diagnosed(SCRIPT.replace("DECAY", "5e-4"))
    assert not _alarms(report), _alarms(report)
