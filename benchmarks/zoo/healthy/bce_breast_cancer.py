"""Healthy: logistic-style MLP with BCEWithLogitsLoss on standardised breast-cancer data."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

torch.manual_seed(106)
X, y = load_breast_cancer(return_X_y=True)
X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=3, stratify=y)
sc = StandardScaler().fit(X_tr)
train_loader = DataLoader(TensorDataset(torch.tensor(sc.transform(X_tr), dtype=torch.float32),
                                        torch.tensor(y_tr, dtype=torch.float32)), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.tensor(sc.transform(X_val), dtype=torch.float32),
                                      torch.tensor(y_val, dtype=torch.float32)), batch_size=200)
model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
crit = nn.BCEWithLogitsLoss()
for epoch in range(10):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb).squeeze(1), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(model(xb).squeeze(1), yb)
