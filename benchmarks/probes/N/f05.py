# Multi-label MLP: 8 synthetic tags, several active per sample
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(3); torch.manual_seed(3)
K, Din = 8, 24
W = rng.normal(size=(K, Din))
def make(n):
    Y = (rng.random((n, K)) < 0.4).astype(np.float32)
    X = Y @ W + 0.8 * rng.normal(size=(n, Din))
    return torch.tensor(X, dtype=torch.float32), torch.tensor(Y)
Xtr, Ytr = make(2000); Xva, Yva = make(600)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, Ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(Din, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.out = nn.Linear(64, K)
    def forward(self, x):
        return torch.softmax(self.out(self.body(x)), dim=1)

model = Net()
crit = nn.BCELoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(12):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        p = model(Xva)
        vl = crit(p, Yva).item()
        acc = ((p > 0.5).float() == Yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
