"""Fault: evaluation runs without model.eval(): Dropout and BatchNorm stay in training mode."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(8)
n = 1200
x = torch.randn(n, 1, 10, 10)
y = (x[:, 0, :5].mean((1, 2)) > x[:, 0, 5:].mean((1, 2))).long()
train_loader = DataLoader(TensorDataset(x[:1000], y[:1000]), batch_size=50, shuffle=True)
val_loader = DataLoader(TensorDataset(x[1000:], y[1000:]), batch_size=100)

model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.Flatten(),
                      nn.Dropout(0.5), nn.Linear(8 * 64, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
for epoch in range(3):
    for xb, yb in train_loader:
        opt.zero_grad()
        criterion(model(xb), yb).backward()
        opt.step()
    with torch.no_grad():
        val_loss = sum(criterion(model(xb), yb).item() for xb, yb in val_loader)
    print(epoch, val_loss)
