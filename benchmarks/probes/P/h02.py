# Multi-label MLP (20-64-6) on make_multilabel_classification (6 tags, ~2 per sample), inputs
# standardised, BCEWithLogitsLoss, SGD momentum with a triangular CyclicLR (0.001 <-> 0.1, stepped per
# batch, 4-epoch cycles); val_acc = per-tag accuracy
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import make_multilabel_classification
from sklearn.model_selection import train_test_split
torch.manual_seed(42)
X, Y = make_multilabel_classification(n_samples=3000, n_features=20, n_classes=6, n_labels=2,
                                      random_state=42)
Xtr, Xva, Ytr, Yva = train_test_split(X, Y, test_size=0.25, random_state=42)
mu, sd = Xtr.mean(0), Xtr.std(0)
Xtr, Xva = (Xtr - mu) / sd, (Xva - mu) / sd
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
Ytr, Yva = torch.tensor(Ytr, dtype=torch.float32), torch.tensor(Yva, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, Ytr), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 6))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
sched = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.001, max_lr=0.1, step_size_up=2 * len(loader),
                                          mode="triangular")
for epoch in range(24):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.binary_cross_entropy_with_logits(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.binary_cross_entropy_with_logits(logits, Yva).item()
        acc = ((logits > 0).float() == Yva).float().mean().item()
        exact = ((logits > 0).float() == Yva).all(1).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f} exact_match {exact:.3f}")
