"""Diabetes progression regression (442 patients): small MLP, standardised inputs and targets, weight decay."""
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
X, y = load_diabetes(return_X_y=True, scaled=False)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=4)
x_scaler = StandardScaler().fit(X_tr)
y_mean, y_std = y_tr.mean(), y_tr.std()

to_t = lambda a: torch.tensor(a, dtype=torch.float32)
X_tr, X_va = to_t(x_scaler.transform(X_tr)), to_t(x_scaler.transform(X_va))
t_tr, t_va = to_t((y_tr - y_mean) / y_std), to_t((y_va - y_mean) / y_std)
loader = DataLoader(TensorDataset(X_tr, t_tr), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-2)
criterion = nn.MSELoss()

for epoch in range(1, 41):
    model.train()
    tot = 0.0
    for xb, tb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb).squeeze(-1), tb)
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        pred = model(X_va).squeeze(-1)
        val_loss = criterion(pred, t_va).item()
        r2 = 1 - ((pred - t_va) ** 2).sum().item() / ((t_va - t_va.mean()) ** 2).sum().item()
        mae = ((pred - t_va).abs().mean() * y_std).item()
    print(f"epoch {epoch} train_loss {tot/len(X_tr):.4f} val_loss {val_loss:.4f} val_r2 {r2:.3f} val_mae {mae:.1f}")
