"""Fault: well-separated clusters, but a quarter of the labels were flipped to a neighbouring class."""
import torch
from torch import nn
from sklearn.datasets import make_blobs

X, y = make_blobs(n_samples=2000, centers=4, n_features=5, cluster_std=1.0, random_state=30)
X = (X - X.mean(0)) / X.std(0)
g = torch.Generator().manual_seed(30)
torch.manual_seed(30)
y = torch.tensor(y)
flip = torch.rand(len(y), generator=g) < 0.25
y[flip] = (y[flip] + 1) % 4
ds = torch.utils.data.TensorDataset(torch.tensor(X, dtype=torch.float32), y)
train_loader = torch.utils.data.DataLoader(ds, batch_size=50, shuffle=True)
model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 4))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(4):
    for xb, yb in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
