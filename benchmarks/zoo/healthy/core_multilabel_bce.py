"""Multi-label classification on digits: predict 4 binary attributes of the digit
(even, >=5, prime, has a closed loop) with BCEWithLogitsLoss."""
import numpy as np
import torch
from torch import nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

torch.manual_seed(2)
X, d = load_digits(return_X_y=True)
attrs = np.stack([
    d % 2 == 0,
    d >= 5,
    np.isin(d, [2, 3, 5, 7]),
    np.isin(d, [0, 4, 6, 8, 9]),
], axis=1).astype(np.float32)

Xtr, Xte, Ytr, Yte = train_test_split(X, attrs, test_size=0.25, random_state=2)
sc = StandardScaler().fit(Xtr)
Xtr = torch.from_numpy(sc.transform(Xtr)).float()
Xte = torch.from_numpy(sc.transform(Xte)).float()
Ytr, Yte = torch.from_numpy(Ytr), torch.from_numpy(Yte)

net = nn.Sequential(
    nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.3),
    nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.3),
    nn.Linear(128, 4),
)
crit = nn.BCEWithLogitsLoss()
opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-2)

bs = 32
for ep in range(12):
    net.train()
    perm = torch.randperm(len(Xtr))
    for i in range(0, len(Xtr), bs):
        idx = perm[i:i + bs]
        logits = net(Xtr[idx])
        loss = crit(logits, Ytr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        out = net(Xte)
        vloss = crit(out, Yte).item()
        pred = (torch.sigmoid(out) > 0.5).float()
        label_acc = (pred == Yte).float().mean().item()
        exact = (pred == Yte).all(1).float().mean().item()
    if ep % 3 == 2:
        print(f"ep {ep+1} train_loss {loss.item():.4f} val_loss {vloss:.4f} "
              f"per-label acc {label_acc:.4f} exact-match {exact:.4f}")

print(f"final per_label_acc={label_acc:.4f} exact_match={exact:.4f}")
