# Key-value retrieval with a small attention read-out: each sample holds 6 (key, value) slots and a
# query key; the label is the value stored under the query
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(1); torch.manual_seed(1)
NK, NV, L, D = 12, 5, 6, 32

def make(n):
    keys = np.stack([rng.choice(NK, L, replace=False) for _ in range(n)])
    vals = rng.integers(0, NV, size=(n, L))
    pick = rng.integers(0, L, size=n)
    query = keys[np.arange(n), pick]
    label = vals[np.arange(n), pick]
    return torch.tensor(keys), torch.tensor(vals), torch.tensor(query), torch.tensor(label)

Ktr, Vtr, Qtr, ytr = make(6000)
Kva, Vva, Qva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Ktr, Vtr, Qtr, ytr), batch_size=64, shuffle=True)

class Reader(nn.Module):
    def __init__(self):
        super().__init__()
        self.kemb = nn.Embedding(NK, D)
        self.vemb = nn.Embedding(NV, D)
        self.wq = nn.Linear(D, D)
        self.wk = nn.Linear(D, D)
        self.out = nn.Sequential(nn.Linear(D, D), nn.ReLU(), nn.Linear(D, NV))
    def forward(self, k, v, q):
        kh = self.kemb(k)                                   # (B, L, D)
        qh = self.wq(self.kemb(q)).unsqueeze(1)             # (B, 1, D)
        scores = (self.wk(kh) * qh).sum(-1, keepdim=True) / D ** 0.5   # (B, L, 1)
        attn = torch.softmax(scores, dim=-1)
        read = (attn * self.vemb(v)).sum(1)                 # (B, D)
        return self.out(read)

model = Reader()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(12):
    model.train(); tot = 0.0
    for k, v, q, yb in loader:
        loss = F.cross_entropy(model(k, v, q), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(yb)
    model.eval()
    with torch.no_grad():
        logits = model(Kva, Vva, Qva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(ytr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
