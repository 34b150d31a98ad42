"""MLP on a synthetic 8-class tabular problem, SGD with a plateau scheduler."""
import torch
import torch.nn as nn
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)

X, y = make_classification(n_samples=10000, n_features=40, n_informative=20, n_redundant=5,
                           n_classes=8, n_clusters_per_class=2, class_sep=1.2, random_state=3)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_tr)
X_tr, X_va = scaler.transform(X_tr), scaler.transform(X_va)

to_t = lambda a: torch.tensor(a, dtype=torch.float32)
train_loader = DataLoader(TensorDataset(to_t(X_tr), torch.tensor(y_tr)), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(to_t(X_va), torch.tensor(y_va)), batch_size=512)

model = nn.Sequential(
    nn.Linear(40, 256), nn.ReLU(),
    nn.Linear(256, 256), nn.ReLU(),
    nn.Linear(256, 8),
)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.2, patience=2)
criterion = nn.CrossEntropyLoss()


def evaluate():
    model.eval()
    n, correct, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            out = model(xb)
            loss_sum += criterion(out, yb).item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            n += len(yb)
    return loss_sum / n, correct / n


for epoch in range(1, 31):
    model.train()
    running = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        running += loss.item() * len(yb)
    val_loss, val_acc = evaluate()
    scheduler.step(val_acc)
    lr = optimizer.param_groups[0]["lr"]
    print(f"epoch {epoch} lr {lr:.2e} train_loss {running/len(train_loader.dataset):.4f} "
          f"val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
