# Self-supervised contrastive pre-training (SimCLR-style, InfoNCE over the batch) of an MLP encoder
# 64-256-128-32 on 8x8 digits shot at uneven exposure (a gain and an offset per image), two augmented
# views per image (new exposure, masked pixels, noise), Adam; val_acc = 5-nearest-neighbour accuracy
# (cosine) of the validation embeddings against the embedded training set
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(31); rng = np.random.default_rng(31)
X, y = load_digits(return_X_y=True)
X = X / 16.0 * rng.uniform(0.3, 3.0, size=(len(X), 1)) + rng.uniform(-1.5, 1.5, size=(len(X), 1))
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=31, stratify=y)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr), batch_size=128, shuffle=True, drop_last=True)

def view(x):
    n = len(x)
    x = x * torch.empty(n, 1).uniform_(0.4, 2.5) + torch.empty(n, 1).uniform_(-1.0, 1.0)
    keep = (torch.rand_like(x) > 0.2).float()
    return x * keep + 0.1 * torch.randn_like(x)

enc = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 32))
opt = torch.optim.Adam(enc.parameters(), lr=1e-3)
TAU = 0.2

def knn_acc(k=5):
    enc.eval()
    with torch.no_grad():
        ztr, zva = F.normalize(enc(Xtr), dim=1), F.normalize(enc(Xva), dim=1)
        idx = (zva @ ztr.T).topk(k, dim=1).indices
        pred = torch.mode(ytr[idx], dim=1).values
    enc.train()
    return (pred == yva).float().mean().item()

for epoch in range(60):
    tot = 0.0
    for (xb,) in loader:
        z1, z2 = F.normalize(enc(view(xb)), dim=1), F.normalize(enc(view(xb)), dim=1)
        logits = z1 @ z2.T / TAU
        labels = torch.zeros(len(xb), dtype=torch.long)
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    print(f"epoch {epoch+1} train_loss {tot/(len(loader)*128):.4f} val_acc {knn_acc():.3f}")
