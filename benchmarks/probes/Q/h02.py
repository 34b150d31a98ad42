# MLP regression (10-64-64-1) on make_friedman1 (3,000 samples, noise 0.5), inputs and targets
# standardised with training statistics; Adam at a deliberately small learning rate (1.5e-4) for many
# small steps (batch 16, 60 epochs): the loss falls slowly but steadily; val_loss = MSE (standardised)
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import make_friedman1
from sklearn.model_selection import train_test_split
torch.manual_seed(22)
X, y = make_friedman1(n_samples=3000, n_features=10, noise=0.5, random_state=22)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=22)
mx, sx, my, sy = Xtr.mean(0), Xtr.std(0), ytr.mean(), ytr.std()
Xtr, Xva = torch.tensor((Xtr - mx) / sx, dtype=torch.float32), torch.tensor((Xva - mx) / sx, dtype=torch.float32)
ytr, yva = torch.tensor((ytr - my) / sy, dtype=torch.float32), torch.tensor((yva - my) / sy, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=16, shuffle=True)

model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=1.5e-4)
for epoch in range(60):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.mse_loss(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        vl = F.mse_loss(model(Xva).squeeze(1), yva).item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f}")
