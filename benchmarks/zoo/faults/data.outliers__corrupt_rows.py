"""Fault: 1% of the rows were recorded in the wrong unit (x5000) and left in the training set."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(27)
torch.manual_seed(27)
X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)
X = np.repeat(X, 6, axis=0) + rng.normal(scale=0.1, size=(len(X) * 6, X.shape[1]))
y = np.repeat(y, 6)
bad = rng.random(len(X)) < 0.01
X[bad, 4] *= 5000
loader = DataLoader(TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y)), batch_size=32,
                    shuffle=True)
model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
for epoch in range(2):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
