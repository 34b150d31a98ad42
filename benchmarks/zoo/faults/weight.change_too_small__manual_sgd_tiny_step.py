# A hand-written SGD loop (no torch.optim) with a step size of 1e-6.
import torch
from sklearn.datasets import load_wine
from torch import nn

torch.manual_seed(17)
X, y = load_wine(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)
y = torch.tensor(y)
model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
for step in range(150):
    idx = torch.randint(0, len(X), (32,))
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 1e-6 * p.grad
print(loss.item())
