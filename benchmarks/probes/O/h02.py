# GRU reading 8x8 digits row by row (8 steps of 8 pixels), Adam with a 100-step linear warm-up, then a
# constant learning rate. clip_grad_norm_ at 0.5 is below the usual gradient norm and clips most steps
# on purpose: with Adam the step size does not depend on the gradient's scale.
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(12)
X, y = load_digits(return_X_y=True)
X = (X / 16.0).reshape(-1, 8, 8)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=12, stratify=y)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)

class RowGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(8, 64, batch_first=True)
        self.fc = nn.Linear(64, 10)
    def forward(self, x):
        _, h = self.gru(x)
        return self.fc(h[-1])

model = RowGRU()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.05, total_iters=100)
clipped = steps = 0
for epoch in range(20):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        clipped += int(norm > 0.5); steps += 1
        opt.step(); warmup.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f} clipped {clipped/steps:.2f}")
