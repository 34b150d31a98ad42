# Healthy: a nonlinear regression MLP with MSE, Adam and a cosine schedule, with noise augmentation.
import torch
from torch import nn

torch.manual_seed(103)
X = torch.randn(2000, 8)
y = (torch.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2 - X[:, 2] * X[:, 3]).unsqueeze(1)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:1600], y[:1600]), batch_size=64, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[1600:], y[1600:]), batch_size=200)
model = nn.Sequential(nn.Linear(8, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6 * len(loader))
for epoch in range(6):
    model.train()
    for xb, yb in loader:
        xb = xb + 0.05 * torch.randn_like(xb)
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    with torch.no_grad():
        vl = sum(nn.functional.mse_loss(model(xb), yb).item() for xb, yb in val_loader)
    print(epoch, loss.item(), vl)
