# Multi-task MLP on 8x8 digits: shared trunk, digit head (10 classes) + parity head (odd/even),
# plain SGD with an exponential learning-rate decay written by hand
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(5)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=5, stratify=y)
mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-6
Xtr, Xva = (Xtr - mu) / sd, (Xva - mu) / sd
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)

class MultiTask(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.digit = nn.Linear(64, 10)
        self.parity = nn.Linear(64, 1)
    def forward(self, x):
        h = self.trunk(x)
        return self.digit(h), self.parity(h).squeeze(1)

LR = 0.03
model = MultiTask()
opt = torch.optim.SGD(model.parameters(), lr=LR)
for epoch in range(30):
    for g in opt.param_groups:
        g["lr"] *= 0.97 ** epoch
    model.train(); tot = 0.0
    for xb, yb in loader:
        d, p = model(xb)
        loss = F.cross_entropy(d, yb) + 0.5 * F.binary_cross_entropy_with_logits(p, (yb % 2).float())
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        d, p = model(Xva)
        vl = F.cross_entropy(d, yva).item()
        acc = (d.argmax(1) == yva).float().mean().item()
        acc_par = ((p > 0).long() == yva % 2).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f} val_parity_acc {acc_par:.3f}")
