# MLP regression (10-128-128-1) on a synthetic table with heavy-tailed noise (Student-t, 2 degrees of
# freedom: a few targets hundreds of units off), targets left in their raw units (mean ~120, so the
# loss starts very high), inputs standardised; Huber loss (delta 5) so the outliers cannot dominate;
# Adam with a step decay; val_loss = Huber loss on the validation set (also MAE printed)
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(103); torch.manual_seed(103)
N, D = 8000, 10
X = rng.normal(size=(N, D))
f = 120 + 25 * np.sin(X[:, 0]) + 15 * X[:, 1] * X[:, 2] + 10 * X[:, 3] + 8 * np.abs(X[:, 4])
yv = f + 3.0 * rng.standard_t(2, size=N)
Xtr, Xva, ytr, yva = X[:6400], X[6400:], yv[:6400], yv[6400:]
mu, sd = Xtr.mean(0), Xtr.std(0)
Xtr, Xva = torch.tensor((Xtr - mu) / sd, dtype=torch.float32), torch.tensor((Xva - mu) / sd, dtype=torch.float32)
ytr, yva = torch.tensor(ytr, dtype=torch.float32), torch.tensor(yva, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(D, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 1))
crit = nn.HuberLoss(delta=5.0)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.3)
for epoch in range(30):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = crit(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    sched.step()
    model.eval()
    with torch.no_grad():
        pv = model(Xva).squeeze(1)
        vl = crit(pv, yva).item()
        mae = (pv - yva).abs().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_mae {mae:.3f}")
