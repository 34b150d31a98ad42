"""Healthy: pretrain a backbone, then freeze it and train a new head (a deliberate fine-tuning setup)."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

torch.manual_seed(107)
X, y = load_digits(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32)
y = torch.tensor(y)
backbone = nn.Sequential(nn.Linear(64, 64), nn.ReLU())
with torch.no_grad():  # "pretrained" weights: a PCA-like projection from the data itself
    u, s, v = torch.linalg.svd(X[:1000] - X[:1000].mean(0), full_matrices=False)
    backbone[0].weight.copy_(v[:64] * 0.5)
    backbone[0].bias.zero_()
for p in backbone.parameters():
    p.requires_grad = False
head = nn.Linear(64, 10)
model = nn.Sequential(backbone, head)
train_loader = DataLoader(TensorDataset(X[:1400], y[:1400]), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X[1400:], y[1400:]), batch_size=400)
opt = torch.optim.Adam(head.parameters(), lr=3e-3)
crit = nn.CrossEntropyLoss()
for epoch in range(8):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(model(xb), yb)
