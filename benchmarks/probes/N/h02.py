# Small causal transformer, summary token appended at the end: does the sequence contain token 1?
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(11); torch.manual_seed(11)
V, L, D = 16, 10, 32
CLS = V
def make(n):
    X = rng.integers(0, V, size=(n, L))
    y = (X == 1).any(1).astype(np.int64)
    return torch.tensor(X), torch.tensor(y)
Xtr, ytr = make(3000); Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V + 1, D)
        self.pos = nn.Parameter(torch.randn(1, L + 1, D) * 0.02)
        layer = nn.TransformerEncoderLayer(D, 4, 64, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.fc = nn.Linear(D, 2)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(L + 1))
    def forward(self, x):
        cls = torch.full((x.size(0), 1), CLS, dtype=torch.long)
        h = self.emb(torch.cat([x, cls], 1)) + self.pos
        h = self.enc(h, mask=self.mask)
        return self.fc(h[:, -1])

model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
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
