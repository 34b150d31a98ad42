# 1-D CNN on synthetic 3-channel sensor windows stored (N, C, T): barometric pressure (~1000 hPa,
# drifting), acceleration (~9.8 m/s^2, noisy) and a gyroscope (~0.05 rad/s) whose oscillation frequency
# gives the class (3 activities); standardised with training statistics; RMSprop
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(14); torch.manual_seed(14)
C, T = 3, 64

def make(n):
    y = rng.integers(0, 3, size=n)
    t = np.arange(T)[None, :]
    pressure = 1000 + np.cumsum(rng.normal(0, 0.5, size=(n, T)), axis=1) + rng.normal(0, 5, size=(n, 1))
    accel = 9.81 + rng.normal(0, 0.3, size=(n, T))
    freq = np.array([0.04, 0.09, 0.16])[y][:, None]
    gyro = 0.05 * np.sin(2 * np.pi * freq * t + rng.uniform(0, 6.3, size=(n, 1))) + rng.normal(0, 0.02, size=(n, T))
    return np.stack([pressure, accel, gyro], axis=1).astype(np.float32), y

Xtr, ytr = make(2400)
Xva, yva = make(800)
mu, sd = Xtr.mean(axis=(0, 1), keepdims=True), Xtr.std(axis=(0, 1), keepdims=True)
Xtr, Xva = torch.tensor((Xtr - mu) / sd), torch.tensor((Xva - mu) / sd)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

model = nn.Sequential(
    nn.Conv1d(C, 16, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
    nn.Conv1d(16, 32, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1),
    nn.Flatten(), nn.Linear(32, 3))
opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for epoch in range(12):
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
