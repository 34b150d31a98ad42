# 100 training digits, a wide MLP and 60 epochs: train accuracy reaches 1.0 while validation lags far behind.
import torch
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(26)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32)
y = torch.tensor(y)
X = X + 0.0
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:100], y[:100]), batch_size=25, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[1200:], y[1200:]), batch_size=200)
model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(60):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    if epoch % 10 == 9:
        model.eval()
        with torch.no_grad():
            correct = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader)
            val_loss = sum(nn.functional.cross_entropy(model(xb), yb).item() for xb, yb in val_loader)
        print(epoch, loss.item(), correct / len(val_loader.dataset))
