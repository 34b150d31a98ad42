# LSTM (hidden 48) on synthetic 48-step sensor traces: one short event of 4 shapes (spike, dip, double
# spike, step) at a random time over a noisy drifting baseline; class = the event's shape; Adam.
# Training augmentation (random gain, jitter, SpecAugment-style time masking) in the Dataset
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(9); torch.manual_seed(9)
T = 48

def make(n):
    c = rng.integers(0, 4, n)
    x = np.cumsum(0.05 * rng.normal(size=(n, T)), 1) + 0.15 * rng.normal(size=(n, T))
    t0 = rng.integers(4, T - 8, n)
    for i in range(n):
        s = t0[i]
        if c[i] == 0: x[i, s:s + 3] += [1.0, 2.0, 1.0]
        elif c[i] == 1: x[i, s:s + 3] -= [1.0, 2.0, 1.0]
        elif c[i] == 2: x[i, s:s + 5] += [1.5, 0.0, 0.0, 0.0, 1.5]
        else: x[i, s:] += 1.2
    return torch.tensor(x[..., None], dtype=torch.float32), torch.tensor(c)

class Traces(torch.utils.data.Dataset):
    def __init__(self, X, y, augment=True):
        self.X, self.y, self.augment = X, y, augment
    def __len__(self):
        return len(self.y)
    def __getitem__(self, i):
        x = self.X[i]
        if self.augment:
            x = x * (0.8 + 0.4 * torch.rand(1)) + 0.1 * torch.randn_like(x)
            w = int(torch.randint(8, 20, (1,)))
            s = int(torch.randint(0, T - w, (1,)))
            x = x.clone(); x[s:s + w] = 0.0
        return x, self.y[i]

Xtr, ytr = make(4000)
Xva, yva = make(1000)
train_ds = Traces(Xtr, ytr)
val_ds = Traces(Xva, yva)
loader = torch.utils.data.DataLoader(train_ds, batch_size=64, shuffle=True)
val_loader = torch.utils.data.DataLoader(val_ds, batch_size=250)

class Net(nn.Module):
    def __init__(self, h=48):
        super().__init__()
        self.lstm = nn.LSTM(1, h, batch_first=True)
        self.head = nn.Linear(h, 4)
    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out.max(1).values)

model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(15):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval(); vl = correct = 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            logits = model(xb)
            vl += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(1) == yb).sum().item()
    print(f"epoch {epoch+1} train_loss {tot/len(train_ds):.4f} val_loss {vl/len(val_ds):.4f} val_acc {correct/len(val_ds):.3f}")
