# MLP regression on a synthetic nonlinear function, Adam + one-cycle schedule
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(6); torch.manual_seed(6)
def make(n):
    X = rng.uniform(-2, 2, size=(n, 6))
    y = np.sin(3 * X[:, 0]) * np.cos(2 * X[:, 1]) + 0.5 * X[:, 2] ** 2 - X[:, 3] * X[:, 4] + 0.1 * rng.normal(size=n)
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
Xtr, ytr = make(4000); Xva, yva = make(600)
mu, sd = ytr.mean(), ytr.std()
ytr, yva = (ytr - mu) / sd, (yva - mu) / sd
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)
model = nn.Sequential(nn.Linear(6, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 1))
EPOCHS = 12
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, epochs=EPOCHS, steps_per_epoch=len(loader))
for epoch in range(EPOCHS):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.mse_loss(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    sched.step()
    model.eval()
    with torch.no_grad():
        vl = F.mse_loss(model(Xva).squeeze(1), yva).item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} lr {opt.param_groups[0]['lr']:.5f}")
