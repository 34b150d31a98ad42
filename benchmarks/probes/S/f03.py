# MLP 40-256-256-6 (ReLU, dropout) on make_classification (6 classes, 40 features, 16 informative),
# SGD with momentum and cosine decay, then stochastic weight averaging (AveragedModel + SWALR) over the
# last 15 epochs; the averaged weights are exported into a plain model, which is what gets evaluated
import numpy as np, torch, torch.nn as nn
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.optim.swa_utils import AveragedModel, SWALR
torch.manual_seed(3); np.random.seed(3)
X, y = make_classification(n_samples=16000, n_features=40, n_informative=16, n_redundant=8, n_classes=6,
                           n_clusters_per_class=2, class_sep=1.2, flip_y=0.02, random_state=3)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.2, random_state=3, stratify=y)
sc = StandardScaler().fit(Xtr)
Xtr, Xva = (torch.tensor(sc.transform(a), dtype=torch.float32) for a in (Xtr, Xva))
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

def make_model():
    return nn.Sequential(nn.Linear(40, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 256), nn.ReLU(),
                         nn.Dropout(0.2), nn.Linear(256, 6))

model = make_model()
EPOCHS, SWA_START = 40, 25
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=SWA_START)
swa_model = AveragedModel(model)
swa_sched = SWALR(opt, swa_lr=0.01, anneal_epochs=3)
crit = nn.CrossEntropyLoss()

def evaluate(m):
    m.eval()
    with torch.no_grad():
        out = m(Xva)
    return crit(out, yva).item(), (out.argmax(1) == yva).float().mean().item()

for epoch in range(EPOCHS):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(yb)
    if epoch >= SWA_START:
        swa_model.update_parameters(model); swa_sched.step()
    else:
        sched.step()
    vl, va = evaluate(model)
    print(f"epoch {epoch+1} train_loss {tot/len(ytr):.4f} val_loss {vl:.4f} val_acc {va:.3f}")

deploy = make_model()
deploy.load_state_dict(swa_model.state_dict(), strict=False)
vl, va = evaluate(deploy)
print(f"swa export: val_loss {vl:.4f} val_acc {va:.3f}")
