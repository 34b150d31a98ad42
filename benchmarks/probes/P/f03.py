# Ordinal regression (CORAL: one shared score, K-1 ordered thresholds) on synthetic 5-grade ratings
# from 12 numeric features; RMSprop; predicted grade = number of thresholds passed
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(23); torch.manual_seed(23)
K = 5

def make(n):
    X = rng.normal(0, 1, size=(n, 12))
    w = np.linspace(1.0, -0.6, 12)
    s = X @ w + 0.6 * np.sin(2 * X[:, 0]) + rng.normal(0, 0.35, size=n)
    y = np.digitize(s, [-2.4, -0.8, 0.8, 2.4])
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y)

Xtr, ytr = make(4000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

def to_levels(y):
    return (torch.arange(K - 1) <= y.unsqueeze(1)).float()

class Coral(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 1))
        self.thresholds = nn.Parameter(torch.linspace(-1, 1, K - 1))
    def forward(self, x):
        return self.body(x) - self.thresholds

model = Coral()
opt = torch.optim.RMSprop(model.parameters(), lr=5e-3)
for epoch in range(20):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.binary_cross_entropy_with_logits(model(xb), to_levels(yb))
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.binary_cross_entropy_with_logits(logits, to_levels(yva)).item()
        pred = (torch.sigmoid(logits) > 0.5).sum(1)
        acc = (pred == yva).float().mean().item()
        mae = (pred - yva).abs().float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f} val_mae {mae:.3f}")
