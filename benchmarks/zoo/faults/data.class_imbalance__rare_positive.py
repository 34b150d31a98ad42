"""Fault: a rare class (1 in 25) that the model learns to ignore."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_classification

X, y = make_classification(n_samples=3000, n_features=10, n_informative=3, weights=[0.96, 0.04], class_sep=0.5,
                           flip_y=0.0, random_state=25)
torch.manual_seed(25)
X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
train_loader = DataLoader(TensorDataset(X[:2400], y[:2400]), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X[2400:], y[2400:]), batch_size=600)
model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
crit = nn.CrossEntropyLoss()
for epoch in range(3):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(model(xb), yb)
