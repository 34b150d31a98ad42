"""Fault: a hand-written cross-entropy takes torch.log of softmax probabilities that underflow to zero."""
import torch
from torch import nn

torch.manual_seed(21)
x = torch.randn(800, 10) * 4
y = (x[:, :3].sum(1) > 0).long() + (x[:, 3] > 2).long()
model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.5)
for step in range(60):
    idx = torch.randint(0, 800, (64,))
    probs = torch.softmax(model(x[idx]), dim=1)
    loss = -torch.log(probs[torch.arange(64), y[idx]]).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
