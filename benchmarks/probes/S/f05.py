# Binary classifier (MLP 24-128-64-1 with BatchNorm) on a synthetic transaction table (make_classification,
# 30% positives, 24 features), Adam; the binary cross-entropy is written out by hand with label smoothing
# (targets 0.02 / 0.98) and probabilities clamped away from 0 and 1
import numpy as np, torch, torch.nn as nn
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
torch.manual_seed(8); np.random.seed(8)
X, y = make_classification(n_samples=24000, n_features=24, n_informative=12, n_redundant=6, weights=[0.7, 0.3],
                           class_sep=0.9, flip_y=0.01, random_state=8)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.2, random_state=8, stratify=y)
sc = StandardScaler().fit(Xtr)
Xtr, Xva = (torch.tensor(sc.transform(a), dtype=torch.float32) for a in (Xtr, Xva))
ytr, yva = torch.tensor(ytr, dtype=torch.float32), torch.tensor(yva, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=128, shuffle=True)

model = nn.Sequential(nn.Linear(24, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 64), nn.BatchNorm1d(64),
                      nn.ReLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
EPS = 1e-6

def smoothed_bce(logits, target, smooth=0.02):
    t = target * (1 - 2 * smooth) + smooth
    p = torch.sigmoid(logits).clamp(EPS, 1 - EPS)
    return -(t * torch.log(p) + (1 - t) * torch.log(p)).mean()

for epoch in range(35):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = smoothed_bce(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(yb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva).squeeze(1)
        vloss = nn.functional.binary_cross_entropy_with_logits(logits, yva).item()
        acc = ((logits > 0).float() == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(ytr):.4f} val_loss {vloss:.4f} val_acc {acc:.3f}")
