"""MLP on a wide synthetic table (120 columns, few informative): univariate feature selection, then SGD."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import make_classification
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

K = 20
X, y = make_classification(n_samples=3000, n_features=120, n_informative=12, n_redundant=4,
                           n_classes=4, n_clusters_per_class=2, class_sep=1.2, random_state=1)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)

selector = SelectKBest(f_classif, k=K).fit(Xtr, ytr)
Xtr_sel = selector.transform(Xtr)
Xva_sel = Xva[:, :K]
scaler = StandardScaler().fit(Xtr_sel)
Xtr_t = torch.tensor(scaler.transform(Xtr_sel), dtype=torch.float32)
Xva_t = torch.tensor(scaler.transform(Xva_sel), dtype=torch.float32)
ytr_t, yva_t = torch.tensor(ytr), torch.tensor(yva)
train_loader = DataLoader(TensorDataset(Xtr_t, ytr_t), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(Xva_t, yva_t), batch_size=256)

model = nn.Sequential(
    nn.Linear(K, 128), nn.ReLU(), nn.Dropout(0.1),
    nn.Linear(128, 64), nn.ReLU(),
    nn.Linear(64, 4),
)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=30)

for epoch in range(1, 31):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(yb)
    sched.step()
    model.eval()
    correct, vloss = 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            out = model(xb)
            vloss += F.cross_entropy(out, yb, reduction="sum").item()
            correct += (out.argmax(1) == yb).sum().item()
    val_acc = correct / len(yva)
    print(f"epoch {epoch} train_loss {total / len(ytr):.4f} val_loss {vloss / len(yva):.4f} val_acc {val_acc:.3f}")
print(f"val_acc {val_acc:.3f}")
