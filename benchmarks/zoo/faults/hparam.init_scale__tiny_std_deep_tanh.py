"""Fault: a 6-layer tanh network initialised with std=1e-3: signals and gradients vanish."""
import torch
from torch import nn

torch.manual_seed(46)
x = torch.randn(1500, 20)
y = ((x[:, 0] * x[:, 1]) > 0).long()
layers = []
width = 20
for _ in range(5):
    lin = nn.Linear(width, 64)
    nn.init.normal_(lin.weight, std=1e-3)
    layers += [lin, nn.Tanh()]
    width = 64
layers.append(nn.Linear(64, 2))
model = nn.Sequential(*layers)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for step in range(80):
    idx = torch.randint(0, 1500, (64,))
    opt.zero_grad()
    nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
    opt.step()
