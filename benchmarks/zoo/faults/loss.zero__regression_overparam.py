# A big MLP regresses 24 noisy points for 800 steps, with no validation: the training MSE reaches zero.
import torch
from torch import nn

torch.manual_seed(9)
x = torch.rand(24, 3)
y = x.sum(1, keepdim=True) + 0.3 * torch.randn(24, 1)
model = nn.Sequential(nn.Linear(3, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(800):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 100 == 99:
        print(step, loss.item())
