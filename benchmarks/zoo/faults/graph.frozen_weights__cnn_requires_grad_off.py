"""Fault: a CNN whose convolution stack was frozen (requires_grad=False) though it was never trained."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(2)
n = 1024
labels = torch.randint(0, 4, (n,))
images = torch.randn(n, 1, 12, 12) * 0.5
for k in range(4):
    images[labels == k, 0, 3 * k:3 * k + 3, :] += 1.5
train_loader = DataLoader(TensorDataset(images[:800], labels[:800]), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(images[800:], labels[800:]), batch_size=128)

model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(16 * 9, 4))
for layer in (model[0], model[3]):
    for p in layer.parameters():
        p.requires_grad = False
optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
criterion = nn.CrossEntropyLoss()
for epoch in range(4):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        criterion(model(xb), yb).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / 224
        for xb, yb in val_loader:
            criterion(model(xb), yb)
    print(epoch, acc)
