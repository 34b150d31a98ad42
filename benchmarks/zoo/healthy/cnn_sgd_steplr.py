"""Healthy: CNN on synthetic stripes, SGD with momentum and a StepLR schedule, eval each epoch."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(100)
n = 1200
y = torch.randint(0, 4, (n,))
x = torch.randn(n, 1, 12, 12) * 0.5
for k in range(4):
    x[y == k, 0, 3 * k:3 * k + 3, :] += 1.0
train_loader = DataLoader(TensorDataset(x[:1000], y[:1000]), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(x[1000:], y[1000:]), batch_size=200)
model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                      nn.Linear(64, 4))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.3)
crit = nn.CrossEntropyLoss()
for epoch in range(6):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
    sched.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(model(xb), yb)
