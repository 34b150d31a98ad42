"""Fault: missing sensor readings encoded as -999 are fed to the model as numbers."""
import numpy as np
import torch
from torch import nn

rng = np.random.default_rng(24)
torch.manual_seed(24)
n = 1500
X = rng.normal(size=(n, 12)).astype(np.float32)
y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(np.int64)
X[rng.random(X.shape) < 0.02] = -999.0
X, y = torch.tensor(X), torch.tensor(y)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=50, shuffle=True)
model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
for epoch in range(2):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
