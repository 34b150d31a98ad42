"""Fault: `[layer] * 3` builds one Linear reused three times instead of three layers."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

torch.manual_seed(3)
X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)
perm = torch.randperm(len(y))
X, y = torch.tensor(X, dtype=torch.float32)[perm], torch.tensor(y)[perm]
train_loader = DataLoader(TensorDataset(X[:140], y[:140]), batch_size=16, shuffle=True)

hidden = nn.Linear(32, 32)
model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), *([hidden, nn.ReLU()] * 3), nn.Linear(32, 3))
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(15):
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
print(loss.item())
