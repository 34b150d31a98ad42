"""1-D CNN on 3-axis sensor windows stored as (samples, time, axes): which axis carries the vibration?"""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

rng = np.random.default_rng(7)
torch.manual_seed(7)
T, AXES = 64, 3


def make_windows(n):
    t = np.arange(T)
    X = rng.normal(0, 1.0, (n, T, AXES))                      # background noise on every axis
    y = rng.integers(0, AXES, n)
    freq = rng.uniform(0.08, 0.25, n)
    phase = rng.uniform(0, 2 * np.pi, n)
    X[np.arange(n), :, y] += 1.2 * np.sin(2 * np.pi * freq[:, None] * t + phase[:, None])
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y)


X_tr, y_tr = make_windows(4000)
X_va, y_va = make_windows(1000)
train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X_va, y_va), batch_size=250)


class SensorCNN(nn.Module):
    def __init__(self, n_classes=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(AXES, 32, 7, padding=3), nn.BatchNorm1d(32), nn.ReLU(),
            nn.Conv1d(32, 32, 5, padding=2), nn.BatchNorm1d(32), nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
        )
        self.fc = nn.Linear(32, n_classes)

    def forward(self, x):                        # x: (batch, time, axes)
        x = x.reshape(x.size(0), AXES, T)        # Conv1d wants (batch, channels, time)
        return self.fc(self.features(x).squeeze(-1))


model = SensorCNN()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(1, 13):
    model.train()
    tot, n = 0.0, 0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(yb)
        n += len(yb)
    model.eval()
    correct, vn, vl = 0, 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            out = model(xb)
            vl += criterion(out, yb).item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            vn += len(yb)
    print(f"epoch {epoch} train_loss {tot/n:.4f} val_loss {vl/vn:.4f} val_acc {correct/vn:.3f}")
