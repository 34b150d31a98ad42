# ArcFace-style embedding classifier on 8x8 digits: MLP 64-256-128-32 (BatchNorm, L2-normalised output),
# class centres as an L2-normalised weight matrix, additive angular margin (m=0.35, scale s=16) on the true
# class's angle during training, AdamW with cosine decay; at evaluation the plain cosine (no margin) is scored
import math, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(43); np.random.seed(43)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X / 16.0, y, test_size=0.25, random_state=43, stratify=y)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)
S, M, EPOCHS = 16.0, 0.35, 60

class ArcNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 128),
                                  nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 32))
        self.centres = nn.Parameter(torch.randn(10, 32) * 0.1)
    def cosines(self, x):
        return F.normalize(self.body(x), dim=1) @ F.normalize(self.centres, dim=1).T

def arcface_logits(cos, target):
    theta = torch.acos(cos.clamp(-1 + 1e-6, 1 - 1e-6))
    onehot = F.one_hot(target, 10).bool()
    return S * torch.where(onehot, torch.cos(theta + M), cos)

model = ArcNet()
opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
for epoch in range(EPOCHS):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(arcface_logits(model.cosines(xb), yb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(yb)
    sched.step()
    model.eval()
    with torch.no_grad():
        cos = model.cosines(Xva)
        vloss = F.cross_entropy(S * cos, yva).item(); acc = (cos.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(ytr):.4f} val_loss {vloss:.4f} val_acc {acc:.3f}")
