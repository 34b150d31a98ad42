"""Fault: 30% of the training labels were replaced by random classes (a broken annotation merge)."""
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

rng = np.random.default_rng(29)
torch.manual_seed(29)
X, y = load_digits(return_X_y=True)
X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.25, random_state=0)
sc = StandardScaler().fit(X_tr)
noisy = rng.random(len(y_tr)) < 0.3
y_tr = y_tr.copy()
y_tr[noisy] = (y_tr[noisy] + rng.integers(1, 10, noisy.sum())) % 10
train_loader = DataLoader(TensorDataset(torch.tensor(sc.transform(X_tr), dtype=torch.float32), torch.tensor(y_tr)),
                          batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.tensor(sc.transform(X_val), dtype=torch.float32), torch.tensor(y_val)),
                        batch_size=450)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-3)
crit = nn.CrossEntropyLoss()
for epoch in range(6):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(model(xb), yb)
