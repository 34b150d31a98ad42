# Metric learning on 8x8 digits: MLP embedding (64-128-32, L2-normalised) trained with a triplet loss
# on random triplets, AdamW; val_acc = 1-nearest-neighbour accuracy of validation digits against the
# embedded training set
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
rng = np.random.default_rng(22); torch.manual_seed(22)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X / 16.0, y, test_size=0.3, random_state=22, stratify=y)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
by_class = [torch.nonzero(ytr == c).squeeze(1) for c in range(10)]

def sample_triplets(idx):
    a = idx
    p = torch.stack([by_class[c][torch.randint(len(by_class[c]), (1,))][0] for c in ytr[a].tolist()])
    n = torch.randint(len(ytr), (len(a),))
    same = ytr[n] == ytr[a]
    while same.any():
        n[same] = torch.randint(len(ytr), (int(same.sum()),))
        same = ytr[n] == ytr[a]
    return a, p, n

class Embed(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 32))
    def forward(self, x):
        return F.normalize(self.net(x), dim=1)

model = Embed()
crit = nn.TripletMarginLoss(margin=0.3)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
for epoch in range(15):
    model.train(); tot = 0.0; nb = 0
    for idx in torch.randperm(len(ytr)).split(64):
        a, p, n = sample_triplets(idx)
        ea, ep, en = model(Xtr[a]), model(Xtr[p]), model(Xtr[n])
        loss = crit(ea, en, ep)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item(); nb += 1
    model.eval()
    with torch.no_grad():
        etr, eva = model(Xtr), model(Xva)
        nn_idx = torch.cdist(eva, etr).argmin(1)
        acc = (ytr[nn_idx] == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/nb:.4f} val_acc {acc:.3f}")
