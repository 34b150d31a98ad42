# Small CNN (2 conv + max-pool, 1 hidden linear) on 8x8 digits whose training labels carry 15% noise
# (flipped at random), RMSprop; truncated cross-entropy (per-sample losses capped) so that the
# mislabelled samples cannot dominate the gradient
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(4); rng = np.random.default_rng(4)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X / 16.0, y, test_size=0.25, random_state=4, stratify=y)
flip = rng.random(len(ytr)) < 0.15
ytr = np.where(flip, rng.integers(0, 10, len(ytr)), ytr)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32).view(-1, 1, 8, 8), torch.tensor(Xva, dtype=torch.float32).view(-1, 1, 8, 8)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                      nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 16, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
CAP = 2.0   # per-sample loss cap (truncated loss)
for epoch in range(15):
    model.train(); tot = 0.0
    for xb, yb in loader:
        per = F.cross_entropy(model(xb), yb, reduction="none")
        loss = per.clamp(max=CAP).mean()
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
