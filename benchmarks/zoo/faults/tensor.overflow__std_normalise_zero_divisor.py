# A model that standardises its input inside forward by the batch std; one feature is constant: division by zero.
import torch
from torch import nn

torch.manual_seed(24)
X = torch.randn(600, 12)
X[:, 7] = 1.0
y = (X[:, 0] > 0).long()


class Standardise(nn.Module):
    def forward(self, x):
        return (x - x.mean(0)) / x.std(0)


model = nn.Sequential(Standardise(), nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(60):
    idx = torch.randint(0, 600, (64,))
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
