# 2-layer transformer encoder (d=32, 4 heads, batch_first, learned position embeddings, mean pooling)
# on synthetic sequences of 16 tokens: one marker token among random tokens; class = the quarter of
# the sequence that holds the marker (4 classes); AdamW
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(12); torch.manual_seed(12)
L, V, MARK = 16, 10, 1

def make(n):
    x = rng.integers(2, V, size=(n, L))
    pos = rng.integers(0, L, size=n)
    x[np.arange(n), pos] = MARK
    return torch.tensor(x), torch.tensor(pos // 4)

Xtr, ytr = make(4000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.tok = nn.Embedding(V, d)
        self.pos = nn.Embedding(L, d)
        layer = nn.TransformerEncoderLayer(d, 4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(d, 4)
    def forward(self, x):
        h = self.tok(x) + self.pos(x)
        return self.head(self.enc(h).mean(1))

model = Net()
opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
for epoch in range(15):
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
