"""Digits CNN trained with Adam; an exponential moving average of the weights is kept and evaluated."""
import copy
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
d = load_digits()
X = torch.tensor(d.images / 16.0, dtype=torch.float32).unsqueeze(1)
y = torch.tensor(d.target)
idx_tr, idx_va = train_test_split(np.arange(len(y)), test_size=0.2, stratify=d.target, random_state=5)
train_loader = DataLoader(TensorDataset(X[idx_tr], y[idx_tr]), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(X[idx_va], y[idx_va]), batch_size=128)

model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
    nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 16, 128), nn.ReLU(), nn.Linear(128, 10),
)
ema_model = copy.deepcopy(model)
for p in ema_model.parameters():
    p.requires_grad_(False)
EMA_DECAY = 0.99

optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()


@torch.no_grad()
def update_ema():
    for p_ema, p in zip(model.parameters(), ema_model.parameters()):
        p_ema.mul_(EMA_DECAY).add_(p, alpha=1 - EMA_DECAY)


for epoch in range(1, 16):
    model.train()
    total, n = 0.0, 0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        update_ema()
        total += loss.item() * len(yb)
        n += len(yb)
    ema_model.eval()
    correct, vn, vl = 0, 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            out = ema_model(xb)
            vl += criterion(out, yb).item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            vn += len(yb)
    print(f"epoch {epoch} train_loss {total/n:.4f} ema_val_loss {vl/vn:.4f} val_acc {correct/vn:.3f}")
