# Small transformer encoder (2 layers, d=32, mean pooling) on synthetic token sequences: the label is
# which of 4 marker tokens occurs most often among 20 tokens, AdamW
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(9); torch.manual_seed(9)
V, L, C = 24, 20, 4

def make(n):
    x = rng.integers(C, V, size=(n, L))
    y = rng.integers(0, C, size=n)
    for i in range(n):
        counts = rng.multinomial(6, [0.1] * C + [0.6])[:C]      # a few markers of each kind
        counts[y[i]] = counts.max() + 1                          # the labelled marker is the most frequent
        toks = np.repeat(np.arange(C), counts)
        pos = rng.choice(L, len(toks), replace=False)
        x[i, pos] = toks
    return torch.tensor(x), torch.tensor(y)

Xtr, ytr = make(4000)
Xva, yva = make(800)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class Encoder(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.emb = nn.Embedding(V, d)
        self.pos = nn.Parameter(torch.randn(1, L, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, 4, dim_feedforward=64, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.fc = nn.Linear(d, C)
    def forward(self, x):
        return self.fc(self.enc(self.emb(x) + self.pos).mean(1))

model = Encoder()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
for epoch in range(15):
    model.train(); tot = 0.0
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        tot += loss.item() * len(xb)
    opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
