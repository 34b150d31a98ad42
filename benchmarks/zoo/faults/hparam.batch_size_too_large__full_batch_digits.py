"""Fault: the whole digits training set in one batch for 15 epochs: 15 updates in all."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

torch.manual_seed(51)
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
ds = TensorDataset(torch.tensor(X[:1500], dtype=torch.float32), torch.tensor(y[:1500]))
train_loader = DataLoader(ds, batch_size=1500, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.tensor(X[1500:], dtype=torch.float32), torch.tensor(y[1500:])),
                        batch_size=300)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
crit = nn.CrossEntropyLoss()
for epoch in range(15):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(model(xb), yb)
