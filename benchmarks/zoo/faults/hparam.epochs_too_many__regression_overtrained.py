"""Fault: a wide MLP regressor trained 50 epochs on 150 noisy rows; validation error climbs after epoch ~10."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(53)
x = torch.rand(500, 5) * 2 - 1
y = (torch.sin(3 * x[:, 0]) + x[:, 1] ** 2 + torch.randn(500)).unsqueeze(1)
train_loader = DataLoader(TensorDataset(x[:150], y[:150]), batch_size=50, shuffle=True)
val_loader = DataLoader(TensorDataset(x[300:], y[300:]), batch_size=200)
model = nn.Sequential(nn.Linear(5, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.MSELoss()
for epoch in range(50):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
    if epoch % 5 == 4:
        model.eval()
        with torch.no_grad():
            for xb, yb in val_loader:
                print(epoch, loss_fn(model(xb), yb).item())
