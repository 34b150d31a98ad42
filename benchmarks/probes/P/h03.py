# Transfer on 8x8 digits: an MLP backbone (64-128-64) is first trained to classify the digits on one
# half of the data, then reused with a new head for another task on the other half (the digit modulo
# 3); fine-tuning uses Adam param groups, lr 1e-5 for the pretrained backbone (it barely moves, on
# purpose) and 2e-3 for the new two-layer head
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(43)
X, y = load_digits(return_X_y=True)
Xs, Xt, ys, yt = train_test_split(X / 16.0, y, test_size=0.5, random_state=43, stratify=y)
Xtr, Xva, ytr, yva = train_test_split(Xt, yt % 3, test_size=0.5, random_state=43, stratify=yt)
Xs, Xtr, Xva = (torch.tensor(a, dtype=torch.float32) for a in (Xs, Xtr, Xva))
ys, ytr, yva = torch.tensor(ys), torch.tensor(ytr), torch.tensor(yva)

backbone = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
pre = nn.Sequential(backbone, nn.Linear(64, 10))
opt = torch.optim.Adam(pre.parameters(), lr=2e-3)
src_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xs, ys), batch_size=32, shuffle=True)
for epoch in range(20):
    tot = 0.0
    for xb, yb in src_loader:
        loss = F.cross_entropy(pre(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    print(f"pretrain epoch {epoch+1} loss {tot/len(Xs):.4f}")

head = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
model = nn.Sequential(backbone, head)
opt = torch.optim.Adam([{"params": backbone.parameters(), "lr": 1e-5},
                        {"params": head.parameters(), "lr": 2e-3}])
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)
for epoch in range(20):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
