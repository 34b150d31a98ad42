# 2-layer transformer encoder (d=32, 4 heads, batch_first, mean pooling) on synthetic sequences of 16
# tokens: one marker among random tokens, class = the quarter that holds it (4 classes). Positions come
# from a fixed sinusoidal table loaded with nn.Embedding.from_pretrained (frozen on purpose);
# cross-entropy with label smoothing 0.1; AdamW
import math
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(23); torch.manual_seed(23)
L, V, MARK, D = 16, 10, 1, 32

def make(n):
    x = rng.integers(2, V, size=(n, L))
    pos = rng.integers(0, L, size=n)
    x[np.arange(n), pos] = MARK
    return torch.tensor(x), torch.tensor(pos // 4)

def sinusoids(n, d):
    pe = torch.zeros(n, d)
    p = torch.arange(n, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe[:, 0::2], pe[:, 1::2] = torch.sin(p * div), torch.cos(p * div)
    return pe

Xtr, ytr = make(4000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, D)
        self.pos = nn.Embedding.from_pretrained(sinusoids(L, D))
        layer = nn.TransformerEncoderLayer(D, 4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(D, 4)
    def forward(self, x):
        h = self.tok(x) + self.pos(torch.arange(x.size(1)))
        return self.head(self.enc(h).mean(1))

model = Net()
crit = nn.CrossEntropyLoss(label_smoothing=0.1)
opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
for epoch in range(15):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = crit(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
