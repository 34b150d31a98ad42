"""Fault: 8-bit images normalised with torch.div(..., rounding_mode='floor') before a CNN."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(15)
n = 600
raw = torch.randint(0, 256, (n, 1, 8, 8)).float()
y = (raw[:, 0, :4].mean((1, 2)) > raw[:, 0, 4:].mean((1, 2))).long()
images = torch.div(raw, 255, rounding_mode="floor")
loader = DataLoader(TensorDataset(images, y), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
