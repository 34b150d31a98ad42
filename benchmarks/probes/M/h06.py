"""GRU over variable-length, zero-padded 1-D series (trend up / down / flat); masked mean over valid steps.

ReduceLROnPlateau watches validation accuracy (mode="max").
"""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

rng = np.random.default_rng(8)
torch.manual_seed(8)
MAX_LEN = 50


def make_series(n):
    X = np.zeros((n, MAX_LEN, 1), dtype=np.float32)
    lengths = rng.integers(10, MAX_LEN + 1, n)
    y = rng.integers(0, 3, n)
    slope = np.array([0.05, -0.05, 0.0])[y] * rng.uniform(0.6, 1.4, n)
    for i in range(n):
        t = np.arange(lengths[i])
        walk = np.cumsum(rng.normal(0, 0.05, lengths[i]))
        X[i, :lengths[i], 0] = slope[i] * t + walk + rng.normal(0, 0.3)
    return torch.from_numpy(X), torch.from_numpy(lengths), torch.from_numpy(y)


X_tr, L_tr, y_tr = make_series(3000)
X_va, L_va, y_va = make_series(800)
train_loader = DataLoader(TensorDataset(X_tr, L_tr, y_tr), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X_va, L_va, y_va), batch_size=400)


class TrendGRU(nn.Module):
    def __init__(self, hidden=48):
        super().__init__()
        self.inp = nn.Linear(2, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 3))

    def forward(self, x, lengths):
        steps = torch.arange(x.size(1)).unsqueeze(0)
        valid = (steps < lengths.unsqueeze(1)).unsqueeze(-1).float()       # 1 on real steps, 0 on padding
        dx = torch.diff(x, dim=1, prepend=x[:, :1]) * valid
        h, _ = self.gru(torch.relu(self.inp(torch.cat([x, dx], -1))))
        pooled = (h * valid).sum(1) / valid.sum(1)
        return self.out(pooled)


model = TrendGRU()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=2)
criterion = nn.CrossEntropyLoss()

for epoch in range(1, 16):
    model.train()
    tot, n = 0.0, 0
    for xb, lb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb, lb), yb)
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(yb)
        n += len(yb)
    model.eval()
    correct, vn, vl = 0, 0, 0.0
    with torch.no_grad():
        for xb, lb, yb in val_loader:
            out = model(xb, lb)
            vl += criterion(out, yb).item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            vn += len(yb)
    val_acc = correct / vn
    scheduler.step(val_acc)
    print(f"epoch {epoch} lr {optimizer.param_groups[0]['lr']:.1e} train_loss {tot/n:.4f} "
          f"val_loss {vl/vn:.4f} val_acc {val_acc:.3f}")
