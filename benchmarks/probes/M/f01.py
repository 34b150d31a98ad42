"""GRU classifier for noisy periodic signals (4 frequency bands)."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
rng = np.random.default_rng(0)

SEQ_LEN = 40
FREQS = np.array([0.05, 0.09, 0.14, 0.20])


def make_waves(n):
    t = np.arange(SEQ_LEN)
    y = rng.integers(0, len(FREQS), n)
    phase = rng.uniform(0, 2 * np.pi, n)
    amp = rng.uniform(0.6, 1.4, n)
    s = amp[:, None] * np.sin(2 * np.pi * FREQS[y][:, None] * t[None, :] + phase[:, None])
    x0 = s + rng.normal(0, 0.3, (n, SEQ_LEN))
    x1 = np.diff(x0, axis=1, prepend=x0[:, :1])
    X = np.stack([x0, x1], axis=-1).astype(np.float32)
    return torch.from_numpy(X), torch.from_numpy(y).long()


X_train, y_train = make_waves(3000)
X_val, y_val = make_waves(800)
train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=256)


class WaveGRU(nn.Module):
    def __init__(self, n_in=2, hidden=48, n_classes=4):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

    def forward(self, x):
        out, _ = self.gru(x)          # (batch, time, hidden)
        return self.head(out[:, 0])


model = WaveGRU()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(1, 13):
    model.train()
    total, correct, loss_sum = 0, 0, 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(yb)
        correct += (logits.argmax(1) == yb).sum().item()
        total += len(yb)
    model.eval()
    v_total, v_correct, v_loss = 0, 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            logits = model(xb)
            v_loss += criterion(logits, yb).item() * len(yb)
            v_correct += (logits.argmax(1) == yb).sum().item()
            v_total += len(yb)
    print(f"epoch {epoch} train_loss {loss_sum/total:.4f} train_acc {correct/total:.3f} "
          f"val_loss {v_loss/v_total:.4f} val_acc {v_correct/v_total:.3f}")
