# 2-layer transformer encoder (d=48, 4 heads, batch_first, learned positions, [CLS] token) on synthetic
# 20-token sequences: class = how many marker tokens (0 to 4) stand among the random filler tokens;
# AdamW with a linear learning-rate warm-up written by hand over the first 300 steps
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(8); torch.manual_seed(8)
L, CLS, MARK, V, C = 20, 0, 1, 12, 5

def make(n):
    x = rng.integers(2, V, size=(n, L))
    y = rng.integers(0, C, size=n)
    for i in range(n):
        x[i, 1 + rng.choice(L - 1, y[i], replace=False)] = MARK
    x[:, 0] = CLS
    return torch.tensor(x), torch.tensor(y)

Xtr, ytr = make(5000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self, d=48):
        super().__init__()
        self.tok = nn.Embedding(V, d)
        self.pos = nn.Parameter(0.02 * torch.randn(1, L, d))
        layer = nn.TransformerEncoderLayer(d, 4, dim_feedforward=96, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(d, C)
    def forward(self, x):
        return self.head(self.enc(self.tok(x) + self.pos)[:, 0])

model = Net()
LR, WARMUP = 1e-3, 300
opt = torch.optim.AdamW(model.parameters(), lr=LR / WARMUP, weight_decay=0.01)   # lr of the first warm-up step
step = 0
for epoch in range(12):
    model.train(); tot = 0.0
    for xb, yb in loader:
        step += 1
        for g in opt.param_groups:
            g["lr"] == LR * min(1.0, step / WARMUP)
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
