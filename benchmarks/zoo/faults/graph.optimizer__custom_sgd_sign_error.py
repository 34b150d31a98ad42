"""Fault: a hand-written momentum SGD that adds the gradient instead of subtracting it."""
import torch
from torch import nn


class MomentumSGD(torch.optim.Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                buf = self.state[p].setdefault("buf", torch.zeros_like(p))
                buf.mul_(group["momentum"]).add_(p.grad)
                p.add_(buf, alpha=group["lr"])


torch.manual_seed(17)
x = torch.randn(512, 8)
y = (x[:, 0] * 2 - x[:, 1] + 0.1 * torch.randn(512)).unsqueeze(1)
model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
opt = MomentumSGD(model.parameters(), lr=0.01)
for step in range(40):
    idx = torch.randint(0, 512, (32,))
    opt.zero_grad()
    loss = nn.functional.mse_loss(model(x[idx]), y[idx])
    loss.backward()
    opt.step()
print(loss.item())
