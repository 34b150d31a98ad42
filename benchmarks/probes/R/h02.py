# MLP (20-256-256-4 with LayerNorm) on a synthetic 4-class table (make_classification, inputs standardised
# with training statistics), AdamW; mixup (alpha 0.4) with soft targets given to the cross-entropy as class
# probabilities; a long linear warm-up (40% of the steps) then cosine decay to 0, stepped per batch
import math, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
torch.manual_seed(102)
X, y = make_classification(n_samples=5000, n_features=20, n_informative=10, n_redundant=4, n_classes=4,
                           n_clusters_per_class=2, class_sep=1.6, flip_y=0.01, random_state=102)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=102, stratify=y)
mu, sd = Xtr.mean(0), Xtr.std(0)
Xtr, Xva = torch.tensor((Xtr - mu) / sd, dtype=torch.float32), torch.tensor((Xva - mu) / sd, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(20, 256), nn.LayerNorm(256), nn.GELU(), nn.Linear(256, 256), nn.LayerNorm(256),
                      nn.GELU(), nn.Linear(256, 4))
EPOCHS = 30
total = EPOCHS * len(loader); warm = int(0.4 * total)
opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / (total - warm))))
beta = torch.distributions.Beta(0.4, 0.4)
for epoch in range(EPOCHS):
    model.train(); tot = 0.0
    for xb, yb in loader:
        lam = beta.sample()
        perm = torch.randperm(len(xb))
        x_mix = lam * xb + (1 - lam) * xb[perm]
        y_soft = lam * F.one_hot(yb, 4).float() + (1 - lam) * F.one_hot(yb[perm], 4).float()
        loss = F.cross_entropy(model(x_mix), y_soft)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} lr {sched.get_last_lr()[0]:.2e} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
