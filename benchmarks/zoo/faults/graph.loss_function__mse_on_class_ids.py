"""Fault: a 3-class problem trained as regression on the class ids with MSELoss."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

torch.manual_seed(12)
X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)
loader = DataLoader(TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)),
                    batch_size=16, shuffle=True)
model = nn.Sequential(nn.Linear(13, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
mse = nn.MSELoss()
for epoch in range(10):
    for xb, yb in loader:
        opt.zero_grad()
        mse(model(xb).squeeze(1), yb).backward()
        opt.step()
