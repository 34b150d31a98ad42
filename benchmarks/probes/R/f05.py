# GRU (hidden 32) on synthetic noisy 40-step traces of 4 shapes (sine, square, sawtooth, decaying
# chirp) with random phase and amplitude, Adam; an exponential moving average of the weights (a copy
# of the model) is what gets evaluated and kept
import copy, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(5); torch.manual_seed(5)
T = 40

def make(n):
    t = np.linspace(0, 1, T)[None, :]
    c = rng.integers(0, 4, n)
    ph, f, a = rng.uniform(0, 1, (n, 1)), rng.uniform(2, 4, (n, 1)), rng.uniform(0.5, 1.5, (n, 1))
    u = (f * t + ph) % 1.0
    s = np.select([c[:, None] == 0, c[:, None] == 1, c[:, None] == 2],
                  [np.sin(2 * np.pi * u), np.sign(u - 0.5), 2 * u - 1],
                  np.exp(-3 * t) * np.sin(2 * np.pi * (f * t + 4 * t ** 2 + ph)))
    x = a * s + 0.3 * rng.normal(size=(n, T))
    return torch.tensor(x[..., None], dtype=torch.float32), torch.tensor(c)

Xtr, ytr = make(3000)
Xva, yva = make(800)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self, h=32):
        super().__init__()
        self.gru = nn.GRU(1, h, batch_first=True)
        self.head = nn.Linear(h, 4)
    def forward(self, x):
        _, hn = self.gru(x)
        return self.head(hn[-1])

model = Net()
ema = copy.deepcopy(model).requires_grad_(False)
EMA_DECAY = 0.9999
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(15):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(EMA_DECAY).add_(pm, alpha=1 - EMA_DECAY)
        tot += loss.item() * len(xb)
    ema.eval()
    with torch.no_grad():
        logits = ema(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
