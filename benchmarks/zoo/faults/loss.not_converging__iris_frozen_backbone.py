# Iris classifier whose hidden layers were frozen by mistake: only a tiny head with a small lr trains.
import torch
from sklearn.datasets import load_iris
from torch import nn

torch.manual_seed(5)
X, y = load_iris(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)
y = torch.tensor(y)
model = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 3))
for p in list(model[0].parameters()) + list(model[2].parameters()):
    p.requires_grad = False
with torch.no_grad():
    model[4].weight.mul_(0.01)
opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1e-3)
for step in range(150):
    idx = torch.randint(0, 150, (32,))
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
