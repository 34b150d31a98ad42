"""Fault: training capped at 30 steps, validated every 5: validation is still dropping fast when it stops."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

torch.manual_seed(47)
X, y = load_digits(return_X_y=True)
X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.2, random_state=0)
sc = StandardScaler().fit(X_tr)
train_loader = DataLoader(TensorDataset(torch.tensor(sc.transform(X_tr), dtype=torch.float32), torch.tensor(y_tr)),
                          batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.tensor(sc.transform(X_val), dtype=torch.float32), torch.tensor(y_val)),
                        batch_size=360)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
crit = nn.CrossEntropyLoss()
MAX_STEPS = 30
for epoch in range(1):
    for i, (xb, yb) in enumerate(train_loader):
        if i == MAX_STEPS:
            break
        model.train()
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
        if i % 5 == 4:
            model.eval()
            with torch.no_grad():
                for vx, vy in val_loader:
                    print(i, crit(model(vx), vy).item())
