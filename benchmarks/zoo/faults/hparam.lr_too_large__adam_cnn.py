"""Fault: Adam with lr=1.0 on a small CNN (at 0.3 it learned on some machines and diverged on others)."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(40)
n = 800
y = torch.randint(0, 4, (n,))
x = torch.randn(n, 1, 8, 8) * 0.5
for k in range(4):
    x[y == k, 0, 2 * k:2 * k + 2] += 1.0
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(8 * 16, 32), nn.ReLU(), nn.Linear(32, 4))
opt = torch.optim.Adam(model.parameters(), lr=1.0)
for epoch in range(2):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
