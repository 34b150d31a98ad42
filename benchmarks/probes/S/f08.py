# Metric learning: MLP embedding net 32-256-128-24 (L2-normalised output) trained with a batch-all triplet
# loss (margin 0.3) on a synthetic 12-class table (make_classification, 2 clusters per class), Adam;
# val_acc = nearest-class-centroid accuracy of the validation embeddings (centroids from the training set)
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
torch.manual_seed(23); np.random.seed(23)
K = 12
X, y = make_classification(n_samples=10000, n_features=32, n_informative=20, n_redundant=4, n_classes=K,
                           n_clusters_per_class=2, class_sep=1.6, random_state=23)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.2, random_state=23, stratify=y)
sc = StandardScaler().fit(Xtr)
Xtr, Xva = (torch.tensor(sc.transform(a), dtype=torch.float32) for a in (Xtr, Xva))
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=128, shuffle=True, drop_last=True)

class Embedder(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 24))
    def forward(self, x):
        return F.normalize(self.net(x), dim=1)

def batch_all_triplet(z, labels, margin=0.3):
    d = torch.cdist(z, z)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(z), dtype=torch.bool)
    valid = (same & ~eye)[:, :, None] & ~same[:, None, :]
    per = F.relu(d[:, :, None] - d[:, None, :] + margin) * valid
    return per.sum() / ((per > 1e-8).sum() + 1)

model = Embedder()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

def centroid_acc():
    model.eval()
    with torch.no_grad():
        ztr, zva = model(Xtr), model(Xva)
        centroids = F.normalize(torch.stack([ztr[ytr == c].mean(0) for c in range(K)]), dim=1)
        dist = torch.cdist(zva, centroids)
        pred = dist.argmax(1)
    return (pred == yva).float().mean().item()

for epoch in range(20):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = batch_all_triplet(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item()
    print(f"epoch {epoch+1} train_loss {tot/len(loader):.4f} val_acc {centroid_acc():.3f}")
