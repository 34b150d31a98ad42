# MLP on breast_cancer (standardised with training statistics), BCEWithLogitsLoss(reduction="sum"),
# SGD momentum with the learning rate divided by the batch size to match: the same steps as a mean
# loss at lr 0.05. The printed train_loss is the summed loss per batch (32x the mean, by design).
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
torch.manual_seed(13)
X, y = load_breast_cancer(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=13, stratify=y)
mu, sd = Xtr.mean(0), Xtr.std(0)
Xtr, Xva = (Xtr - mu) / sd, (Xva - mu) / sd
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr, dtype=torch.float32), torch.tensor(yva, dtype=torch.float32)
BATCH = 32
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=BATCH, shuffle=True)

model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))
crit = nn.BCEWithLogitsLoss(reduction="sum")
opt = torch.optim.SGD(model.parameters(), lr=0.05 / BATCH, momentum=0.9)
for epoch in range(25):
    model.train(); tot = 0.0; nb = 0
    for xb, yb in loader:
        loss = crit(model(xb).squeeze(1), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item(); nb += 1
    model.eval()
    with torch.no_grad():
        logits = model(Xva).squeeze(1)
        vl = crit(logits, yva).item() / len(yva)
        acc = ((logits > 0).float() == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/nb:.3f} val_loss {vl:.4f} val_acc {acc:.3f}")
