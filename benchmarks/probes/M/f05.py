"""Digits MLP on an imbalanced subset (digits 5-9 are rare); a weighted sampler balances the batches."""
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader, WeightedRandomSampler

rng = np.random.default_rng(0)
torch.manual_seed(0)

X, y = load_digits(return_X_y=True)
keep = (y < 5) | (rng.random(len(y)) < 0.25)          # keep a quarter of the 5-9 images
X, y = X[keep] / 16.0, y[keep]
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
print("train class counts:", np.bincount(y_tr).tolist())

class_counts = np.bincount(y_tr, minlength=10)
class_weights = 1.0 / class_counts
sampler = WeightedRandomSampler(weights=torch.as_tensor(class_weights, dtype=torch.double),
                                num_samples=len(y_tr), replacement=True)

train_ds = TensorDataset(torch.tensor(X_tr, dtype=torch.float32), torch.tensor(y_tr))
train_loader = DataLoader(train_ds, batch_size=32, sampler=sampler)
X_va_t, y_va_t = torch.tensor(X_va, dtype=torch.float32), torch.tensor(y_va)

model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(1, 21):
    model.train()
    total, n = 0.0, 0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(yb)
        n += len(yb)
    model.eval()
    with torch.no_grad():
        out = model(X_va_t)
        val_loss = criterion(out, y_va_t).item()
        pred = out.argmax(1)
        val_acc = (pred == y_va_t).float().mean().item()
        recalls = [(pred[y_va_t == c] == c).float().mean().item() for c in range(10)]
    print(f"epoch {epoch} train_loss {total/n:.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f} "
          f"val_balanced_acc {np.mean(recalls):.3f}")
