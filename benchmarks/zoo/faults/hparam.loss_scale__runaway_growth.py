"""Fault: GradScaler tuned with growth_factor=1e20 every step: the scale jumps into overflow again and again."""
import torch
from torch import nn

torch.manual_seed(44)
x = torch.randn(1000, 16)
y = (x[:, :4].sum(1) > 0).long()
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_factor=1e20, growth_interval=1)
for step in range(80):
    idx = torch.randint(0, 1000, (32,))
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
