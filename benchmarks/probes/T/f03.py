"""MLP on the breast-cancer table, binary cross-entropy with logits, SGD with Nesterov momentum."""
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

X, y = load_breast_cancer(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
scaler = StandardScaler().fit(Xtr)
Xtr = torch.tensor(scaler.transform(Xtr), dtype=torch.float32)
Xva = torch.tensor(scaler.transform(Xva), dtype=torch.float32)
ytr = torch.tensor(ytr, dtype=torch.float32).unsqueeze(1)
yva = torch.tensor(yva, dtype=torch.float32).unsqueeze(1)

train_loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)

model = nn.Sequential(
    nn.Linear(30, 64), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(64, 32), nn.ReLU(),
    nn.Linear(32, 1),
)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)
loss_fn = nn.BCEWithLogitsLoss()


def evaluate():
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        loss = loss_fn(logits, yva).item()
        pred = (logits > 0).float().squeeze(1)
        acc = (pred == yva).float().mean().item()
    return loss, acc


for epoch in range(1, 31):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(yb)
    val_loss, val_acc = evaluate()
    print(f"epoch {epoch} train_loss {total / len(Xtr):.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
print(f"val_acc {val_acc:.3f}")
