"""Multi-label tagging of synthetic records: 8 tags, each present in only 3-24% of records.

Rare positives are up-weighted with BCEWithLogitsLoss(pos_weight = n_negative / n_positive per tag).
"""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

rng = np.random.default_rng(5)
torch.manual_seed(5)
N_FEAT, N_TAGS = 24, 8
W = rng.normal(0, 1, (N_FEAT, N_TAGS))
W2 = rng.normal(0, 1, (N_FEAT, N_TAGS))
base_rate = np.linspace(0.04, 0.15, N_TAGS)
bias = np.log(base_rate / (1 - base_rate))


def make_records(n):
    X = rng.normal(0, 1, (n, N_FEAT))
    score = 1.5 * X @ W / np.sqrt(N_FEAT) + np.abs(X @ W2) / np.sqrt(N_FEAT) * 1.5 + bias - 0.8
    Y = (rng.random((n, N_TAGS)) < 1 / (1 + np.exp(-3 * score))).astype(np.float32)
    return torch.tensor(X, dtype=torch.float32), torch.from_numpy(Y)


X_tr, Y_tr = make_records(6000)
X_va, Y_va = make_records(1500)
pos = Y_tr.sum(0)
pos_weight = (len(Y_tr) - pos) / pos
print("positive rate per tag:", [round(v, 3) for v in (pos / len(Y_tr)).tolist()])

train_loader = DataLoader(TensorDataset(X_tr, Y_tr), batch_size=128, shuffle=True)
model = nn.Sequential(nn.Linear(N_FEAT, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, N_TAGS))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)

for epoch in range(1, 21):
    model.train()
    tot = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(X_va)
        val_loss = criterion(logits, Y_va).item()
        pred = (logits > 0).float()
        val_acc = (pred == Y_va).float().mean().item()
        tp = (pred * Y_va).sum(0)
        f1 = (2 * tp / (pred.sum(0) + Y_va.sum(0)).clamp(min=1)).mean().item()
    print(f"epoch {epoch} train_loss {tot/len(X_tr):.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f} "
          f"val_macro_f1 {f1:.3f}")
