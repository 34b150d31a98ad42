"""Fault: 40 epochs on noisy tabular data: validation loss bottoms out early and climbs for the rest."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import make_classification

X, y = make_classification(n_samples=1000, n_features=20, n_informative=6, flip_y=0.15, random_state=49)
torch.manual_seed(49)
X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
train_loader = DataLoader(TensorDataset(X[:600], y[:600]), batch_size=100, shuffle=True)
val_loader = DataLoader(TensorDataset(X[600:], y[600:]), batch_size=400)
model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
crit = nn.CrossEntropyLoss()
for epoch in range(40):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
    if epoch % 4 == 3:
        model.eval()
        with torch.no_grad():
            for xb, yb in val_loader:
                crit(model(xb), yb)
