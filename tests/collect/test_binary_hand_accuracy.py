"""A binary classifier's validation accuracy computed by hand, one score per row against 0/1 labels.

Probe D f09: breast cancer, BCEWithLogitsLoss on (N, 1) logits, the validation accuracy counted by hand on the
whole X_val tensor. The run had no validation accuracy at all, and the verdict said "no target and no
majority-class baseline to judge the accuracy against". The collector now thresholds the one score per row as
training's binary cross-entropy does (0 for logits, 0.5 for a sigmoid's probabilities), for a whole tensor
paired with its labels by name and for a loader's batches."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_breast_cancer(return_X_y=True)
X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
sc = StandardScaler().fit(X_tr)
X_tr = torch.tensor(sc.transform(X_tr), dtype=torch.float32)
X_val = torch.tensor(sc.transform(X_val), dtype=torch.float32)
y_tr = torch.tensor(y_tr, dtype=torch.float32).unsqueeze(1)
y_val = torch.tensor(y_val, dtype=torch.float32).unsqueeze(1)
layers = [nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1)]
if how == "sigmoid_loader":
    layers.append(nn.Sigmoid())
model = nn.Sequential(*layers)
loss_fn = nn.BCELoss() if how == "sigmoid_loader" else nn.BCEWithLogitsLoss()
thresh = 0.5 if how == "sigmoid_loader" else 0.0
opt = torch.optim.Adam(model.parameters(), lr=0.01)
train = DataLoader(TensorDataset(X_tr, y_tr), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=64)
for epoch in range(5):
    model.train()
    for xb, yb in train:
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        if how == "sigmoid_loader":
            right = sum(((model(xb) > thresh).float() == yb).sum().item() for xb, yb in val_loader)
            acc = right / len(X_val)
        else:
            acc = ((model(X_val) > thresh).float() == y_val).float().mean().item()
print("FINAL", acc)
"""


@pytest.mark.parametrize("how", ["logits_tensor", "sigmoid_loader"])
def test_binary_hand_accuracy(diagnosed, capsys, how):
    run_dir, report = diagnosed(SCRIPT, how)
    printed = float(capsys.readouterr().out.split("FINAL")[-1])
    from traindoctor.record import open_run

    acc = open_run(str(run_dir)).scalar("eval/acc")
    assert len(acc) == 5, acc
    assert float(acc.value[-1]) == pytest.approx(printed, abs=1e-6), (acc, printed)
    stages = {s["stage"]: s for s in report["accuracy"]["stages"]}
    assert stages["val"]["final"] == pytest.approx(float(acc.value[-1])) and stages["val"]["final"] > 0.9, stages
    base = report["accuracy"]["baseline"]
    assert base["classes"] == 2 and 0.55 < base["acc"] < 0.7, base  # benign is 63% of breast cancer
    assert "no majority-class baseline" not in report["accuracy"]["verdict"], report["accuracy"]
