# Heteroscedastic regression: an MLP predicts a mean and a variance, trained with GaussianNLLLoss.
# The noise is small over most of the range, so the NLL goes below zero (a density > 1): that is
# expected. val_loss = MSE of the predicted mean.
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(11); torch.manual_seed(11)

def make(n):
    x = rng.uniform(-3, 3, size=(n, 1))
    sd = 0.03 + 0.12 * (x[:, 0] > 1.5)
    y = np.sin(1.5 * x[:, 0]) + 0.3 * x[:, 0] + sd * rng.normal(size=n)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)

Xtr, ytr = make(3000)
Xva, yva = make(600)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class MeanVar(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(1, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh())
        self.mean = nn.Linear(64, 1)
        self.var = nn.Linear(64, 1)
    def forward(self, x):
        h = self.body(x)
        return self.mean(h).squeeze(1), F.softplus(self.var(h)).squeeze(1) + 1e-6

model = MeanVar()
crit = nn.GaussianNLLLoss()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(40):
    model.train(); tot = 0.0
    for xb, yb in loader:
        mu, var = model(xb)
        loss = crit(mu, yb, var)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        mu, var = model(Xva)
        vl = F.mse_loss(mu, yva).item()
        vnll = crit(mu, yva, var).item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_nll {vnll:.4f} val_loss {vl:.5f}")
