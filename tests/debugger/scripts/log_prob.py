"""A hand-written loss takes the log of a probability; from step BAD_STEP on the probability is 0.

The model is healthy; at step BAD_STEP the loss module is handed logits scaled so far
that softmax underflows to exactly 0 for the target class, and log(0) = -inf.
"""
import sys

import torch
from torch import nn

BAD_STEP = int(sys.argv[1]) if len(sys.argv) > 1 else 3
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 6


class ProbNLL(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 1.0

    def forward(self, logits, target):
        p = torch.softmax(logits * self.scale, dim=1)
        picked = p.gather(1, target[:, None]).squeeze(1)
        return -torch.log(picked).mean()


torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
loss_fn = ProbNLL()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(32, 8)
y = torch.arange(32) % 4
for step in range(STEPS):
    if step == BAD_STEP:
        loss_fn.scale = 1e4
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
print("done", float(loss))
