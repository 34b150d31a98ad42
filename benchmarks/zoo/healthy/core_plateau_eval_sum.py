"""Digits MLP with SGD+momentum, ReduceLROnPlateau stepped once per epoch on the
validation loss; train/val split done by hand, evaluation in a helper."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

torch.manual_seed(10)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X, dtype=torch.float32) / 16.0 - 0.5
y = torch.tensor(y, dtype=torch.long)
idx = torch.randperm(len(X))
tr, va = idx[:1400], idx[1400:]
train_loader = DataLoader(TensorDataset(X[tr], y[tr]), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(X[va], y[va]), batch_size=128, shuffle=False)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.bn1 = nn.BatchNorm1d(128)
        self.fc2 = nn.Linear(128, 64)
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.fc1(x)))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def evaluate(model, loader):
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(1) == yb).sum().item()
            n += len(yb)
    return loss_sum / n, correct / n


model = MLP()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=3, min_lr=1e-4)

for epoch in range(25):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    train_loss, train_acc = evaluate(model, train_loader)
    val_loss, val_acc = evaluate(model, val_loader)
    scheduler.step(val_loss)
    print(f"epoch {epoch+1:2d} lr {optimizer.param_groups[0]['lr']:.4f} "
          f"train {train_loss:.4f}/{train_acc:.4f} val {val_loss:.4f}/{val_acc:.4f}")

print(f"final train_acc={train_acc:.4f} val_acc={val_acc:.4f}")
