"""Fault: Dropout(0.9) written from a framework whose argument is the keep probability."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

torch.manual_seed(22)
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
train_loader = DataLoader(TensorDataset(torch.tensor(X[:1500], dtype=torch.float32), torch.tensor(y[:1500])),
                          batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.tensor(X[1500:], dtype=torch.float32), torch.tensor(y[1500:])),
                        batch_size=300)
keep_prob = 0.9
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(keep_prob), nn.Linear(128, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
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
