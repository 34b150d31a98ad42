"""Healthy: an imbalanced problem (1 in 12) answered with a class-weighted loss."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_classification

X, y = make_classification(n_samples=3000, n_features=10, n_informative=4, weights=[0.92, 0.08], class_sep=1.0,
                           random_state=103)
torch.manual_seed(103)
X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
train_loader = DataLoader(TensorDataset(X[:2400], y[:2400]), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X[2400:], y[2400:]), batch_size=600)
counts = torch.bincount(y[:2400]).float()
crit = nn.CrossEntropyLoss(weight=counts.sum() / (2 * counts))
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(6):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(model(xb), yb)
