"""Fault: pixels scaled with // instead of /, which turns almost every value into 0."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

torch.manual_seed(13)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X, dtype=torch.float32)
X = X // 16  # meant: X / 16
loader = DataLoader(TensorDataset(X, torch.tensor(y)), batch_size=64, shuffle=True)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
