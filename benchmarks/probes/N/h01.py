# GRU classifier on variable-length sequences (packed)
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
rng = np.random.default_rng(10); torch.manual_seed(10)

def make(n):
    lens = rng.integers(6, 31, size=n)
    y = rng.integers(0, 3, size=n)
    X = np.zeros((n, 30, 2), dtype=np.float32)
    for i in range(n):
        t = np.arange(lens[i])
        freq = [0.2, 0.5, 0.9][y[i]]
        X[i, :lens[i], 0] = np.sin(freq * t + rng.uniform(0, 6.28)) + 0.3 * rng.normal(size=lens[i])
        X[i, :lens[i], 1] = 0.3 * rng.normal(size=lens[i])
    return torch.tensor(X), torch.tensor(lens), torch.tensor(y)

Xtr, Ltr, ytr = make(1500); Xva, Lva, yva = make(500)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, Ltr, ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(2, 48, batch_first=True)
        self.fc = nn.Linear(48, 3)
    def forward(self, x, lens):
        packed = pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False)
        out, h = self.gru(packed)
        out, _ = pad_packed_sequence(out, batch_first=True)
        last = out[torch.arange(out.size(0)), lens - 1]
        return self.fc(last)

model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(12):
    model.train(); tot = 0.0
    for xb, lb, yb in loader:
        loss = F.cross_entropy(model(xb, lb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva, Lva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
