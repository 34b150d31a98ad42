"""Multi-task MLP on a synthetic customer table: churn (binary) and next-month spend (regression)."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

X, churn = make_classification(n_samples=5000, n_features=16, n_informative=8, n_redundant=2,
                               class_sep=1.5, random_state=0)
w = np.random.randn(16)
spend = 50 + 8 * np.tanh(X @ w / 4) * 4 + 3 * X[:, 3] * X[:, 5] + 2 * np.random.randn(len(X))
Xtr, Xva, ctr, cva, s_tr, s_va = train_test_split(X, churn, spend, test_size=0.2, random_state=0)
xs = StandardScaler().fit(Xtr)
s_mu, s_sd = s_tr.mean(), s_tr.std()
Ytr = np.stack([ctr, (s_tr - s_mu) / s_sd], 1).astype(np.float32)
Yva = np.stack([cva, (s_va - s_mu) / s_sd], 1).astype(np.float32)
Xtr = torch.tensor(xs.transform(Xtr), dtype=torch.float32)
Xva = torch.tensor(xs.transform(Xva), dtype=torch.float32)
Ytr, Yva = torch.tensor(Ytr), torch.tensor(Yva)
train_loader = DataLoader(TensorDataset(Xtr, Ytr), batch_size=64, shuffle=True)


class MultiTask(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU())
        self.churn_head = nn.Linear(128, 1)
        self.spend_head = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        h = self.trunk(x)
        return self.churn_head(h).squeeze(1), self.spend_head(h).squeeze(1)


model = MultiTask()
opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)

for epoch in range(1, 26):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        opt.zero_grad()
        churn_logit, spend_pred = model(xb)
        loss_churn = F.binary_cross_entropy_with_logits(churn_logit, yb[:, 0])
        loss_spend = F.mse_loss(spend_pred, yb[:, 0])
        loss = loss_churn + loss_spend
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        churn_logit, spend_pred = model(Xva)
        val_acc = ((churn_logit > 0).float() == Yva[:, 0]).float().mean().item()
        val_loss = F.mse_loss(spend_pred, Yva[:, 1]).item()
    print(f"epoch {epoch} train_loss {total / len(Xtr):.4f} val_acc {val_acc:.3f} val_loss {val_loss:.4f}")
print(f"val_acc {val_acc:.3f} val_loss {val_loss:.4f}")
