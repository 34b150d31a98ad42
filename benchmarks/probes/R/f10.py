# Human-activity recognition: 1-D CNN (2 conv + BatchNorm, global average pooling) on synthetic 3-axis
# accelerometer windows (N, 3, 50) of 24 subjects (each with their own sensor offset, gain and cadence),
# 5 activities; the split holds out whole subjects (GroupShuffleSplit) so that validation measures
# generalisation to new people; SGD with Nesterov momentum
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.model_selection import GroupShuffleSplit
rng = np.random.default_rng(20); torch.manual_seed(20)
T, S, A, PER = 50, 24, 5, 40    # steps, subjects, activities, windows per subject and activity
freq = np.array([0.5, 1.0, 1.8, 2.6, 0.0])   # cycles per second of each activity (4 = standing still)
amp = np.array([0.3, 0.8, 1.2, 1.6, 0.0])
X, y, subject = [], [], []
t = np.arange(T) / 25.0
for s in range(S):
    offset, gain, cadence = rng.normal(0, 0.15, (3, 1)), rng.uniform(0.85, 1.15), rng.uniform(0.9, 1.1)
    for a in range(A):
        ph = rng.uniform(0, 2 * np.pi, (PER, 3, 1))
        w = 2 * np.pi * freq[a] * cadence * t
        sig = amp[a] * np.sin(w + ph) * np.array([1.0, 0.6, 0.3])[:, None] + (a == 4) * np.array([0, 0, 1.0])[:, None]
        X.append(gain * sig + offset + 0.2 * rng.normal(size=(PER, 3, T)))
        y += [a] * PER; subject += [s] * PER
X, y, subject = np.concatenate(X).astype(np.float32), np.array(y), np.array(subject)
tr_idx, va_idx = next(GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=20).split(X, y, groups=y))
Xtr, Xva = torch.tensor(X[tr_idx]), torch.tensor(X[va_idx])
ytr, yva = torch.tensor(y[tr_idx]), torch.tensor(y[va_idx])
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Conv1d(3, 32, 7, padding=3), nn.BatchNorm1d(32), nn.ReLU(),
                      nn.Conv1d(32, 32, 7, padding=3), nn.BatchNorm1d(32), nn.ReLU(),
                      nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(32, A))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
for epoch in range(15):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
