# MLP regression (8-64-64-1) on a synthetic nonlinear function of 8 features, Adam with
# ReduceLROnPlateau (factor 0.5, patience 5); val_loss = MSE on held-out rows
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(29); torch.manual_seed(29)

def make(n):
    X = rng.uniform(-2, 2, size=(n, 8))
    y = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] ** 2 - X[:, 4] + rng.normal(0, 0.1, size=n)
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)

Xtr, ytr = make(4000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=5)
for epoch in range(25):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.mse_loss(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        sched.step(loss.item())
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        vl = F.mse_loss(model(Xva).squeeze(1), yva).item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f}")
