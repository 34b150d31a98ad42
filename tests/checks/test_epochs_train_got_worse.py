"""Validation that fell after its best because training blew up is no case for fewer epochs.

Probe H f04: SGD with momentum 0.999 at lr 0.05 on breast cancer. Validation accuracy reached 0.97 early, then
the loss spiked to 1e7 and both accuracies ended near 0.63. Once the collector counted the hand-computed binary
accuracy, hparam.epochs_too_many warned "best at evaluation 9 of 60 ... stop around epoch 9" and the verdict
named it as a likely cause. Its rule asks for the training loss to keep falling after validation's best (its
docstring always said so); here the training loss got worse too."""
from __future__ import annotations

SCRIPT = """
import numpy as np, torch, torch.nn as nn
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

torch.manual_seed(0)
X, y = load_breast_cancer(return_X_y=True)
X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=2, stratify=y)
sc = StandardScaler().fit(X_tr)
X_tr = torch.tensor(sc.transform(X_tr), dtype=torch.float32); X_val = torch.tensor(sc.transform(X_val), dtype=torch.float32)
y_tr = torch.tensor(y_tr, dtype=torch.float32); y_val = torch.tensor(y_val, dtype=torch.float32)

model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.999)
crit = nn.BCEWithLogitsLoss()
for epoch in range(60):
    model.train()
    perm = torch.randperm(len(X_tr))
    for i in range(0, len(X_tr), 32):
        idx = perm[i:i + 32]
        opt.zero_grad()
        loss = crit(model(X_tr[idx]).squeeze(1), y_tr[idx])
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        tr = ((model(X_tr).squeeze(1) > 0).float() == y_tr).float().mean().item()
        va = ((model(X_val).squeeze(1) > 0).float() == y_val).float().mean().item()
    if epoch % 10 == 0:
        print(f"epoch {epoch} loss={loss.item():.4f} train_acc={tr:.3f} val_acc={va:.3f}")
print(f"FINAL train_acc={tr:.3f} val_acc={va:.3f}")
"""


def test_training_got_worse_is_not_too_many_epochs(diagnosed):
    _, report = diagnosed(SCRIPT)
    ids = [f["id"] for f in report["findings"] if f["severity"] != "info"]
    assert ids[0] == "hparam.lr_too_large", ids
    assert "hparam.epochs_too_many" not in ids, ids
    note = {c["id"]: c for c in report["checklist"]}["hparam.epochs_too_many"]["note"]
    assert "training loss did not fall after it" in note, note
    assert "epochs_too_many" not in report["accuracy"]["verdict"], report["accuracy"]["verdict"]
