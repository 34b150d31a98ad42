"""Fault: GradScaler started at 2**100 and told to grow 2**40x per step: a scale no precision can hold."""
import torch
from torch import nn

torch.manual_seed(44)
x = torch.randn(1000, 16)
y = (x[:, :4].sum(1) > 0).long()
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
scaler = torch.amp.GradScaler("cpu", init_scale=2.0 ** 100, growth_factor=2.0 ** 40, growth_interval=1)
for step in range(80):
    idx = torch.randint(0, 1000, (32,))
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
