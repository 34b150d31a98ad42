# GRU cell unrolled by hand over 20-step synthetic sequences (4 input channels): the class is which
# channel carries a pulse near the start, the rest is noise; read-out from the last hidden state, RMSprop
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(28); torch.manual_seed(28)
T, C, H = 20, 4, 32

def make(n):
    y = rng.integers(0, C, size=n)
    x = rng.normal(0, 0.4, size=(n, T, C))
    t0 = rng.integers(0, 5, size=n)
    x[np.arange(n), t0, y] += 2.5
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)

Xtr, ytr = make(4000)
Xva, yva = make(1000)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.GRUCell(C, H)
        self.fc = nn.Linear(H, C)
    def forward(self, x):
        h = x.new_zeros(x.size(0), H)
        for t in range(x.size(1)):
            h = self.cell(x[:, t], h.detach())
        return self.fc(h)

model = Net()
opt = torch.optim.RMSprop(model.parameters(), lr=2e-3)
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
