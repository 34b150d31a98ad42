"""Forward finite, backward not: the distance of a point to itself, sqrt(0), has an infinite derivative.

From step BAD_STEP on, one pair of points is identical; a GradScaler skips the steps whose gradients
are not finite, so the weights stay finite and the fault repeats at every step.
"""
import sys

import torch
from torch import nn

BAD_STEP = int(sys.argv[1]) if len(sys.argv) > 1 else 2
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 5


class PairDistance(nn.Module):
    def forward(self, a, b):
        return torch.sqrt(((a - b) ** 2).sum(1))


torch.manual_seed(0)
enc = nn.Linear(4, 3)
dist = PairDistance()
opt = torch.optim.SGD(enc.parameters(), lr=0.01)
scaler = torch.amp.GradScaler("cpu")
x = torch.randn(8, 4)
for step in range(STEPS):
    y = x.clone()
    if step >= BAD_STEP:
        y[0] = x[0]
    else:
        y = y + 0.1
    opt.zero_grad()
    loss = dist(enc(x), enc(y)).mean()
    scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
print("done")
