"""Digits CNN with BatchNorm: micro-batches of 16 accumulated 4x, gradient clipping, and an EMA copy for evaluation."""
import copy
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(3)
d = load_digits()
X = torch.tensor(d.images / 16.0, dtype=torch.float32).unsqueeze(1)
y = torch.tensor(d.target)
i_tr, i_va = train_test_split(np.arange(len(y)), test_size=0.2, stratify=d.target, random_state=3)
train_loader = DataLoader(TensorDataset(X[i_tr], y[i_tr]), batch_size=16, shuffle=True, drop_last=True)
val_loader = DataLoader(TensorDataset(X[i_va], y[i_va]), batch_size=128)
ACCUM = 4

model = nn.Sequential(
    nn.Conv2d(1, 24, 3, padding=1, bias=False), nn.BatchNorm2d(24), nn.ReLU(),
    nn.Conv2d(24, 48, 3, padding=1, bias=False), nn.BatchNorm2d(48), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(48, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
)
ema = copy.deepcopy(model).requires_grad_(False)
DECAY = 0.98

optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=8, gamma=0.3)
criterion = nn.CrossEntropyLoss()


@torch.no_grad()
def ema_update():
    for e, p in zip(ema.parameters(), model.parameters()):
        e.lerp_(p, 1 - DECAY)
    for e, b in zip(ema.buffers(), model.buffers()):
        e.copy_(b)


for epoch in range(1, 21):
    model.train()
    optimizer.zero_grad()
    tot, n = 0.0, 0
    for i, (xb, yb) in enumerate(train_loader):
        loss = criterion(model(xb), yb)
        (loss / ACCUM).backward()
        if (i + 1) % ACCUM == 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
            optimizer.step()
            optimizer.zero_grad()
            ema_update()
        tot += loss.item() * len(yb)
        n += len(yb)
    scheduler.step()
    ema.eval()
    correct, vn = 0, 0
    with torch.no_grad():
        for xb, yb in val_loader:
            correct += (ema(xb).argmax(1) == yb).sum().item()
            vn += len(yb)
    print(f"epoch {epoch} lr {scheduler.get_last_lr()[0]:.4f} train_loss {tot/n:.4f} val_acc {correct/vn:.3f}")
