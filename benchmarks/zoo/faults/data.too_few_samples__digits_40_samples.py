"""Fault: a wide MLP trained on 40 digit images (4 per class)."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

torch.manual_seed(31)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32)
y = torch.tensor(y)
train_loader = DataLoader(TensorDataset(X[:40], y[:40]), batch_size=8, shuffle=True)
val_loader = DataLoader(TensorDataset(X[1000:], y[1000:]), batch_size=400)
model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
crit = nn.CrossEntropyLoss()
for epoch in range(25):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
    if epoch % 5 == 4:
        model.eval()
        with torch.no_grad():
            for xb, yb in val_loader:
                crit(model(xb), yb)
