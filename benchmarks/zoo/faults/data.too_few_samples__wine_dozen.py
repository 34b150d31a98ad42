"""Fault: 12 wine samples for a 3-class network with thousands of weights."""
import torch
from torch import nn
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

torch.manual_seed(32)
X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)
idx = torch.randperm(len(y))
X, y = torch.tensor(X, dtype=torch.float32)[idx], torch.tensor(y)[idx]
train_ds = torch.utils.data.TensorDataset(X[:12], y[:12])
val_ds = torch.utils.data.TensorDataset(X[12:], y[12:])
train_loader = torch.utils.data.DataLoader(train_ds, batch_size=4, shuffle=True)
val_loader = torch.utils.data.DataLoader(val_ds, batch_size=200)
model = nn.Sequential(nn.Linear(13, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(30):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            nn.functional.cross_entropy(model(xb), yb)
