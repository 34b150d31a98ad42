"""Fault: logits divided by a temperature with floor division: outputs become whole numbers, no gradient."""
import torch
from torch import nn

torch.manual_seed(14)
n = 1024
x = torch.randn(n, 20)
w = torch.randn(20, 5)
y = (x @ w).argmax(1)


class TempClassifier(nn.Module):
    def __init__(self, temperature=0.5):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64), nn.Tanh(), nn.Linear(64, 5))
        self.temperature = temperature

    def forward(self, x):
        return torch.div(self.body(x), self.temperature, rounding_mode="floor")


model = TempClassifier()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(60):
    idx = torch.randint(0, n, (64,))
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
    loss.backward()
    opt.step()
print(loss.item())
