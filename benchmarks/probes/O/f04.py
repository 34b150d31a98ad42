# LSTM on synthetic 1-D sequences: which quarter of the 48-step window holds a faint bump (4 classes),
# RMSprop, early stopping with patience 4
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(4); torch.manual_seed(4)
T = 48

def make(n):
    y = rng.integers(0, 4, size=n)
    x = rng.normal(0, 1, size=(n, T))
    for i, c in enumerate(y):
        x[i, c * 12 + 2:c * 12 + 10] += 1.2
    return torch.tensor(x, dtype=torch.float32).unsqueeze(-1), torch.tensor(y)

Xtr, ytr = make(3000)
Xva, yva = make(600)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class EarlyStopping:
    def __init__(self, patience=3, min_delta=1e-4):
        self.patience, self.min_delta = patience, min_delta
        self.best, self.bad = float("inf"), 0
    def step(self, metric):
        if metric < self.best - self.min_delta:
            self.best, self.bad = metric, 0
        else:
            self.bad += 1
        return self.bad >= self.patience

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 32, batch_first=True)
        self.fc = nn.Linear(32, 4)
    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])

model = Net()
opt = torch.optim.RMSprop(model.parameters(), lr=5e-4)
stopper = EarlyStopping(patience=4)
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
    if stopper.step(acc):
        print(f"early stopping at epoch {epoch+1}")
        break
