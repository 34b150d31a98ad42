"""Fault: a regression set where a few sensor glitches read 1e4 on one channel."""
import torch
from torch import nn

torch.manual_seed(28)
n = 2000
x = torch.randn(n, 6)
target = (x[:, 0] - 0.5 * x[:, 2] + 0.1 * torch.randn(n)).unsqueeze(1)
glitch = torch.rand(n) < 0.005
x[glitch, 3] = 1e4
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, target), batch_size=40, shuffle=True)
model = nn.Sequential(nn.Linear(6, 32), nn.Tanh(), nn.Linear(32, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
