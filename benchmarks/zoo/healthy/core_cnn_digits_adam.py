# Healthy: a small CNN with BatchNorm on 8x8 digit images, Adam, validation each epoch.
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(101)
X, y = load_digits(return_X_y=True)
X = torch.tensor((X / 16.0 - 0.3) / 0.4, dtype=torch.float32).reshape(-1, 1, 8, 8)
y = torch.tensor(y)
perm = torch.randperm(len(X))
X, y = X[perm], y[perm]
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:1500], y[:1500]), batch_size=64, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[1500:], y[1500:]), batch_size=100)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * 4 * 4, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


model = CNN()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(4):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / 297
    print(epoch, loss.item(), acc)
