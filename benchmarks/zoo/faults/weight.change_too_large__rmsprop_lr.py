# RMSprop at lr=0.5 on a small MLP (10% noisy labels): each step rewrites the weights.
import torch
from torch import nn

torch.manual_seed(18)
X = torch.randn(800, 10)
y = (X @ torch.randn(10) > 0).long()
flip = torch.rand(800) < 0.1
y[flip] = 1 - y[flip]
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.RMSprop(model.parameters(), lr=0.5)
for step in range(100):
    idx = torch.randint(0, 800, (64,))
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
