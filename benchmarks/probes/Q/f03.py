# GRU (hidden 48) on synthetic 30-step traces, 3 waveform classes (sine, square, sawtooth) with random
# frequency, phase and noise; AdamW with the usual split: weight decay on weight matrices only
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(13); torch.manual_seed(13)
T = 30

def make(n):
    y = rng.integers(0, 3, size=n)
    t = np.arange(T)[None, :]
    f = rng.uniform(0.05, 0.15, size=(n, 1)); ph = rng.uniform(0, 1, size=(n, 1))
    u = (f * t + ph) % 1.0
    waves = np.stack([np.sin(2 * np.pi * u), np.sign(np.sin(2 * np.pi * u)), 2 * u - 1])
    x = waves[y, np.arange(n)] + rng.normal(0, 0.3, size=(n, T))
    return torch.tensor(x, dtype=torch.float32).unsqueeze(-1), torch.tensor(y)

Xtr, ytr = make(3000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(1, 48, batch_first=True)
        self.head = nn.Linear(48, 3)
    def forward(self, x):
        _, h = self.gru(x)
        return self.head(h[-1])

model = Net()
decay = (p for n, p in model.named_parameters() if p.dim() >= 2)
no_decay = (p for n, p in model.named_parameters() if p.dim() < 2)
print(f"weight-decayed parameters: {sum(p.numel() for p in decay)}")
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                         {"params": no_decay, "weight_decay": 0.0}], lr=3e-3)
for epoch in range(12):
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
