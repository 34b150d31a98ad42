"""Fault: batch size 512 on a 600-row table: two updates per epoch, 40 in the whole run."""
import torch
from torch import nn
from sklearn.datasets import make_classification

X, y = make_classification(n_samples=600, n_features=15, n_informative=8, n_classes=3, random_state=52)
torch.manual_seed(52)
ds = torch.utils.data.TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y))
train_loader = torch.utils.data.DataLoader(ds, batch_size=512, shuffle=True)
model = nn.Sequential(nn.Linear(15, 64), nn.ReLU(), nn.Linear(64, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(20):
    for xb, yb in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
