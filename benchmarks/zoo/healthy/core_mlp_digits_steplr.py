# Healthy: digits MLP, SGD with momentum and a StepLR schedule, validation every epoch.
import torch
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(100)
X, y = load_digits(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
y = torch.tensor(y)
perm = torch.randperm(len(X))
X, y = X[perm], y[perm]
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:1400], y[:1400]), batch_size=32, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[1400:], y[1400:]), batch_size=128)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
for epoch in range(5):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    sched.step()
    model.eval()
    with torch.no_grad():
        acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / 397
        vloss = sum(nn.functional.cross_entropy(model(xb), yb).item() for xb, yb in val_loader)
    print(epoch, loss.item(), acc)
