# 1-D CNN on synthetic noisy traces of 96 steps holding one bump at a random place; class = the bump's
# shape (gaussian, box, one sine period). Heavy regularisation on purpose: AdamW weight_decay 0.3, dropout 0.3
# (one ReLU and one Dropout module reused at every place), and CosineAnnealingWarmRestarts (T_0=2,
# T_mult=2) stepped per batch with the fractional epoch, so the learning rate jumps back up at epochs
# 2, 6 and 14
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(24); torch.manual_seed(24)
T = 96

def make(n):
    y = rng.integers(0, 3, size=n)
    t = np.arange(T)
    x = rng.normal(0, 0.4, size=(n, T))
    for i in range(n):
        c, w = rng.integers(15, T - 15), rng.uniform(6, 10)
        d = np.abs(t - c) / w
        shape = [np.exp(-2 * d ** 2), (d <= 1).astype(float), np.sin(2 * np.pi * (t - c) / w) * (d <= 1)][y[i]]
        x[i] += rng.uniform(0.8, 1.2) * shape
    return torch.tensor(x, dtype=torch.float32).unsqueeze(1), torch.tensor(y)

Xtr, ytr = make(3000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(1, 32, 5, padding=2)
        self.c2 = nn.Conv1d(32, 64, 5, padding=2)
        self.c3 = nn.Conv1d(64, 64, 3, padding=1)
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 3)
        self.act = nn.ReLU()
        self.drop = nn.Dropout(0.3)
    def forward(self, x):
        x = F.max_pool1d(self.act(self.c1(x)), 2)
        x = F.max_pool1d(self.act(self.c2(x)), 2)
        x = self.act(self.c3(x)).amax(2)
        x = self.drop(self.act(self.fc1(self.drop(x))))
        return self.fc2(x)

model = Net()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.3)
sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
n = len(loader)
for epoch in range(14):
    model.train(); tot = 0.0
    for i, (xb, yb) in enumerate(loader):
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        sched.step(epoch + (i + 1) / n)
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} lr {opt.param_groups[0]['lr']:.2e} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
