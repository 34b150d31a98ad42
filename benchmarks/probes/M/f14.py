"""Digits with a skewed training set (digits 5-9 rare); class-weighted cross-entropy; balanced validation set."""
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader

rng = np.random.default_rng(1)
torch.manual_seed(1)
X, y = load_digits(return_X_y=True)
X = X / 16.0
X_pool, X_val, y_pool, y_val = train_test_split(X, y, test_size=0.3, stratify=y, random_state=1)
keep = (y_pool < 5) | (rng.random(len(y_pool)) < 0.06)    # field data: few examples of 5-9
X_tr, y_tr = X_pool[keep], y_pool[keep]
counts = np.bincount(y_tr, minlength=10)
print("train class counts:", counts.tolist())

class_weight = torch.tensor(counts / counts.sum() * len(counts), dtype=torch.float32)
criterion = nn.CrossEntropyLoss(weight=class_weight)

loader = DataLoader(TensorDataset(torch.tensor(X_tr, dtype=torch.float32), torch.tensor(y_tr)),
                    batch_size=32, shuffle=True)
X_val_t, y_val_t = torch.tensor(X_val, dtype=torch.float32), torch.tensor(y_val)

model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
plain_ce = nn.CrossEntropyLoss()

for epoch in range(1, 31):
    model.train()
    tot = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        out = model(X_val_t)
        pred = out.argmax(1)
        val_loss = plain_ce(out, y_val_t).item()
        val_acc = (pred == y_val_t).float().mean().item()
        rare_recall = (pred[y_val_t >= 5] == y_val_t[y_val_t >= 5]).float().mean().item()
    print(f"epoch {epoch} train_loss {tot/len(y_tr):.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f} "
          f"rare_recall {rare_recall:.3f}")
