"""Full-batch L-BFGS on the breast-cancer table: small tanh MLP with an explicit L2 penalty in the closure."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

torch.manual_seed(0)
np.random.seed(0)
torch.set_default_dtype(torch.float64)

X, y = load_breast_cancer(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.3, random_state=1, stratify=y)
scaler = StandardScaler().fit(Xtr)
Xtr, Xva = torch.tensor(scaler.transform(Xtr)), torch.tensor(scaler.transform(Xva))
ytr, yva = torch.tensor(ytr, dtype=torch.float64), torch.tensor(yva, dtype=torch.float64)

model = nn.Sequential(nn.Linear(30, 16), nn.Tanh(), nn.Linear(16, 1))
opt = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=8, history_size=20, line_search_fn="strong_wolfe")
L2 = 1e-2


def penalty():
    return sum((p ** 2).sum() for n, p in model.named_parameters() if n.endswith("weight"))


def closure():
    opt.zero_grad()
    loss = F.binary_cross_entropy_with_logits(model(Xtr).squeeze(1), ytr) + L2 * penalty()
    loss.backward()
    return loss


for epoch in range(1, 16):
    model.train()
    loss = opt.step(closure)
    model.eval()
    with torch.no_grad():
        train_bce = F.binary_cross_entropy_with_logits(model(Xtr).squeeze(1), ytr).item()
        logits = model(Xva).squeeze(1)
        val_loss = F.binary_cross_entropy_with_logits(logits, yva).item()
        val_acc = ((logits > 0).double() == yva).double().mean().item()
    print(f"epoch {epoch} objective {loss.item():.4f} train_loss {train_bce:.4f} "
          f"val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
print(f"val_acc {val_acc:.3f}")
