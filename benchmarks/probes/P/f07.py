# 1-D CNN on synthetic sensor traces (96 steps): normal (85%), fault A (10%, a faint 8-cycle burst),
# fault B (5%, a faint step); imbalance handled by oversampling the rare classes; Adam
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(27); torch.manual_seed(27)
T = 96

def make(n):
    y = rng.choice(3, size=n, p=[0.85, 0.10, 0.05])
    x = rng.normal(0, 1, size=(n, T))
    t = np.arange(T)
    for i, c in enumerate(y):
        s = rng.integers(0, T - 24)
        if c == 1:
            x[i, s:s + 24] += 1.3 * np.sin(2 * np.pi * t[:24] / 3)
        elif c == 2:
            x[i, s:s + 24] += 1.0
    return torch.tensor(x, dtype=torch.float32).unsqueeze(1), torch.tensor(y)

Xtr, ytr = make(5000)
Xva, yva = make(2000)
counts = torch.bincount(ytr, minlength=3).float()
class_w = counts.sum() / (3 * counts)
sampler = torch.utils.data.WeightedRandomSampler(class_w[ytr], num_samples=len(ytr), replacement=True)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, sampler=sampler)

model = nn.Sequential(
    nn.Conv1d(1, 16, 7, padding=3), nn.ReLU(), nn.MaxPool1d(2),
    nn.Conv1d(16, 32, 5, padding=2), nn.ReLU(), nn.AdaptiveMaxPool1d(1),
    nn.Flatten(), nn.Linear(32, 3))
crit = nn.CrossEntropyLoss(weight=class_w)
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(12):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        pred = logits.argmax(1)
        acc = (pred == yva).float().mean().item()
        rec = [((pred == c) & (yva == c)).sum().item() / max(1, (yva == c).sum().item()) for c in range(3)]
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f} "
          f"recall {rec[0]:.2f}/{rec[1]:.2f}/{rec[2]:.2f}")
