# 1-D CNN on synthetic sensor traces: rising / falling / flat trend
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(1); torch.manual_seed(1)
T = 48
def make(n):
    y = rng.integers(0, 3, size=n)
    t = np.linspace(-1, 1, T)
    slope = np.array([1.0, -1.0, 0.0])[y] * rng.uniform(0.4, 1.0, size=n)
    X = slope[:, None] * t[None, :] + 0.6 * rng.normal(size=(n, T)) + rng.normal(size=(n, 1))
    return torch.tensor(X[:, None, :], dtype=torch.float32), torch.tensor(y)
Xtr, ytr = make(1500); Xva, yva = make(500)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

def augment(x):
    # random amplitude jitter and random time reversal
    x = x * (1 + 0.1 * torch.randn(x.size(0), 1, 1))
    flip = torch.rand(x.size(0)) < 0.5
    x[flip] = x[flip].flip(-1)
    return x

model = nn.Sequential(
    nn.Conv1d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
    nn.Conv1d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
    nn.Flatten(), nn.Linear(32 * 12, 64), nn.ReLU(), nn.Linear(64, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(12):
    model.train(); tot = 0.0
    for xb, yb in loader:
        xb = augment(xb.clone())
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
