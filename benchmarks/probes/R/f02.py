# Quantile regression: MLP 8-64-64-1 predicting the 90th percentile of a heteroscedastic synthetic
# target (noise grows with |x0|), hand-written pinball loss, AdamW; val_loss = pinball loss at q=0.9
# (and the share of validation targets under the predicted quantile, which should be near 0.9)
import numpy as np, torch, torch.nn as nn
rng = np.random.default_rng(42); torch.manual_seed(42)
N, D, Q = 6000, 8, 0.9
X = rng.normal(size=(N, D)).astype(np.float32)
mean = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] + 0.3 * X[:, 3]
y = (mean + (0.2 + 0.8 * np.abs(X[:, 0])) * rng.normal(size=N)).astype(np.float32)
Xtr, Xva, ytr, yva = map(torch.tensor, (X[:4800], X[4800:], y[:4800], y[4800:]))
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

def pinball(pred, target, q=Q):
    err = pred - target
    return torch.maximum(q * err, (q - 1) * err).mean()

model = nn.Sequential(nn.Linear(D, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
for epoch in range(30):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = pinball(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        pv = model(Xva).squeeze(1)
        err = yva - pv
        vl = torch.maximum(Q * err, (Q - 1) * err).mean().item()
        cover = (yva <= pv).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} coverage {cover:.3f}")
