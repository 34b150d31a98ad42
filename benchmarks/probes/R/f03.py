# MLP (2-64-64-64-3, ReLU, hidden layers built in a loop) on a synthetic 3-arm spiral, SGD momentum
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(3); torch.manual_seed(3)

def spiral(n_per, k=3, noise=0.15):
    xs, ys = [], []
    for c in range(k):
        r = rng.uniform(0.1, 1.0, n_per)
        t = 8.0 * r + 2 * np.pi * c / k + noise * rng.normal(size=n_per)
        xs.append(np.stack([r * np.cos(t), r * np.sin(t)], 1)); ys.append(np.full(n_per, c))
    return torch.tensor(np.concatenate(xs) * 2, dtype=torch.float32), torch.tensor(np.concatenate(ys))

Xtr, ytr = spiral(1000)
Xva, yva = spiral(300)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)

class MLP(nn.Module):
    def __init__(self, d_in=2, h=64, depth=3, n_cls=3):
        super().__init__()
        dims = [d_in] + [h] * depth
        self.hidden = [nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:])]
        self.head = nn.Linear(h, n_cls)
    def forward(self, x):
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.head(x)

model = MLP()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(40):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
