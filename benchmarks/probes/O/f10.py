# Count regression (Poisson) with an MLP on synthetic data: 10 features, counts with mean 1..30,
# softplus output as the predicted rate, RMSprop; val_loss = MSE of the predicted counts
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(10); torch.manual_seed(10)
W = rng.normal(0, 0.35, size=10)

def make(n):
    X = rng.normal(size=(n, 10))
    rate = np.exp(1.6 + X @ W + 0.3 * np.sin(2 * X[:, 0]))
    return torch.tensor(X, dtype=torch.float32), torch.tensor(rng.poisson(rate), dtype=torch.float32)

Xtr, ytr = make(4000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1), nn.Softplus())
crit = nn.PoissonNLLLoss()
opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for epoch in range(30):
    model.train(); tot = 0.0
    for xb, yb in loader:
        rate = model(xb).squeeze(1)
        loss = crit(rate, yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        pred = model(Xva).squeeze(1)
        vl = F.mse_loss(pred, yva).item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f}")
