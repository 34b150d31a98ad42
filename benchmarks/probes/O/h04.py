# Random-feature classifier on make_circles: a fixed random Fourier feature layer (frozen on purpose,
# requires_grad=False, never trained) and a linear read-out initialised at zero (a convex problem, so
# zeros are a fine start), SGD with momentum and weight decay.
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import make_circles
from sklearn.model_selection import train_test_split
torch.manual_seed(14)
X, y = make_circles(n_samples=3000, noise=0.12, factor=0.6, random_state=14)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=14, stratify=y)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

class RandomFeatures(nn.Module):
    def __init__(self, n_features=256, gamma=2.0):
        super().__init__()
        self.proj = nn.Linear(2, n_features)
        nn.init.normal_(self.proj.weight, std=gamma)
        nn.init.uniform_(self.proj.bias, 0, 2 * np.pi)
        self.proj.requires_grad_(False)          # fixed random features: not trained by design
        self.readout = nn.Linear(n_features, 2)
        nn.init.zeros_(self.readout.weight); nn.init.zeros_(self.readout.bias)
    def forward(self, x):
        return self.readout(torch.cos(self.proj(x)) * (2.0 / self.proj.out_features) ** 0.5)

model = RandomFeatures()
opt = torch.optim.SGD(model.readout.parameters(), lr=0.5, momentum=0.9, weight_decay=1e-4)
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
