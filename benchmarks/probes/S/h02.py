# MLP 30-256-256-5 with BatchNorm and dropout on make_classification (5 classes, 30 features), SGD with
# momentum and a cosine decay to almost zero over 30 epochs, then stochastic weight averaging for 15 epochs:
# SWALR raises the lr again to a constant 0.02, AveragedModel averages once per epoch, update_bn recomputes the
# BatchNorm statistics of the average, and the averaged model (exported into a plain one) is evaluated
import numpy as np, torch, torch.nn as nn
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.optim.swa_utils import AveragedModel, SWALR, update_bn
torch.manual_seed(47); np.random.seed(47)
X, y = make_classification(n_samples=15000, n_features=30, n_informative=14, n_redundant=6, n_classes=5,
                           n_clusters_per_class=2, class_sep=1.1, flip_y=0.02, random_state=47)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.2, random_state=47, stratify=y)
sc = StandardScaler().fit(Xtr)
Xtr, Xva = (torch.tensor(sc.transform(a), dtype=torch.float32) for a in (Xtr, Xva))
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=128, shuffle=True)

def make_model():
    return nn.Sequential(nn.Linear(30, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 256),
                         nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 5))

model = make_model()
EPOCHS, SWA_START = 45, 30
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=SWA_START, eta_min=1e-4)
swa_model = AveragedModel(model)
swa_sched = SWALR(opt, swa_lr=0.02, anneal_epochs=2)
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
    print(f"epoch {epoch+1} lr {opt.param_groups[0]['lr']:.4f} train_loss {tot/len(ytr):.4f} val_loss {vl:.4f} val_acc {va:.3f}")

update_bn(loader, swa_model)
deploy = make_model()
deploy.load_state_dict(swa_model.module.state_dict())
vl, va = evaluate(deploy)
print(f"swa export: val_loss {vl:.4f} val_acc {va:.3f}")
