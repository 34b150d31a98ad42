# Small transformer (2 pre-norm blocks, single-head attention written by hand, d=64, learned positions)
# on synthetic token sequences: does the first token occur again among the next 11? Adam
import math
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(24); torch.manual_seed(24)
V, L, D = 20, 12, 64

def make(n):
    x = rng.integers(0, V, size=(n, L))
    y = (x[:, 1:] == x[:, :1]).any(1).astype(np.int64)
    return torch.tensor(x), torch.tensor(y)

Xtr, ytr = make(5000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class SelfAttention(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.d = d
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        scores = q @ k.transpose(-2, -1) / self.d ** -0.5
        return self.out(torch.softmax(scores, dim=-1) @ v)

class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))
    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(V, D)
        self.pos = nn.Parameter(torch.randn(1, L, D) * 0.1)
        self.blocks = nn.Sequential(Block(D), Block(D))
        self.ln = nn.LayerNorm(D)
        self.head = nn.Linear(D, 2)
    def forward(self, x):
        h = self.blocks(self.tok(x) + self.pos)
        return self.head(self.ln(h[:, 0]))

model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(14):
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
