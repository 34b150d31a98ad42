"""LSTM on synthetic 3-channel sensor sequences (5 gesture classes), SGD with warm restarts per batch."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

N, T = 3000, 32
t = np.linspace(0, 1, T)
y = np.random.randint(0, 5, N)
amp = np.random.uniform(0.7, 1.3, (N, 1))
shift = np.random.randint(-4, 5, N)
curves = np.stack([np.sin(np.pi * t), np.sin(2 * np.pi * t), np.cos(np.pi * t), t * 2 - 1, np.abs(np.sin(3 * np.pi * t))])
X = np.zeros((N, T, 3), dtype=np.float32)
for c in range(3):
    X[:, :, c] = amp * curves[(y + c) % 5]
X = np.stack([np.roll(X[i], shift[i], axis=0) for i in range(N)]) + 1.3 * np.random.randn(N, T, 3)
X = X.astype(np.float32)
Xtr, ytr = torch.tensor(X[:2400]), torch.tensor(y[:2400])
Xva, yva = torch.tensor(X[2400:]), torch.tensor(y[2400:])
train_loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 64, batch_first=True)
        self.head = nn.Linear(64, 5)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out.mean(1))


model = LSTMNet()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=1e-4)
n_batches = len(train_loader)

for epoch in range(21):
    model.train()
    total = 0.0
    for i, (xb, yb) in enumerate(train_loader):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 2.0)
        opt.step()
        sched.step(epoch + (i + 1) / n_batches)
        total += loss.item() * len(yb)
    model.eval()
    with torch.no_grad():
        out = model(Xva)
        val_loss = F.cross_entropy(out, yva).item()
        val_acc = (out.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch + 1} lr {opt.param_groups[0]['lr']:.4f} train_loss {total / len(ytr):.4f} "
          f"val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
print(f"val_acc {val_acc:.3f}")
