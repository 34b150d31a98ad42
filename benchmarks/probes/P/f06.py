# Wide MLP on a small, noisy synthetic table (make_classification, 4 classes, 15% flipped labels,
# 600 training rows), SGD momentum for 120 epochs, keeping the checkpoint with the lowest validation
# loss and restoring it at the end
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
torch.manual_seed(26)
X, y = make_classification(n_samples=2000, n_features=30, n_informative=10, n_redundant=6, n_classes=4,
                           n_clusters_per_class=2, flip_y=0.15, class_sep=1.2, random_state=26)
Xtr, Xva, ytr, yva = train_test_split(X, y, train_size=600, random_state=26, stratify=y)
mu, sd = Xtr.mean(0), Xtr.std(0)
Xtr, Xva = (Xtr - mu) / sd, (Xva - mu) / sd
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)

model = nn.Sequential(nn.Linear(30, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 4))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

def evaluate():
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        return F.cross_entropy(logits, yva).item(), (logits.argmax(1) == yva).float().mean().item()

best_loss, best_state, best_epoch = float("inf"), None, 0
for epoch in range(120):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    vl, acc = evaluate()
    if vl < best_loss:
        best_loss, best_state, best_epoch = vl, model.state_dict(), epoch + 1
    if (epoch + 1) % 10 == 0:
        print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")

model.load_state_dict(best_state)
vl, acc = evaluate()
print(f"restored best checkpoint (epoch {best_epoch}, val_loss {best_loss:.4f})")
print(f"final val_loss {vl:.4f} val_acc {acc:.3f}")
