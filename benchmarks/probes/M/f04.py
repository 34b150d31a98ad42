"""Breast-cancer classifier: MLP with BCE-with-logits, Adam, accumulating 4 mini-batches per update."""
import torch
import torch.nn as nn
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
X, y = load_breast_cancer(return_X_y=True)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, stratify=y, random_state=7)
scaler = StandardScaler().fit(X_tr)
X_tr = torch.tensor(scaler.transform(X_tr), dtype=torch.float32)
X_va = torch.tensor(scaler.transform(X_va), dtype=torch.float32)
y_tr = torch.tensor(y_tr, dtype=torch.float32)
y_va = torch.tensor(y_va, dtype=torch.float32)

train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=16, shuffle=True)
ACCUM = 4

model = nn.Sequential(nn.Linear(30, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.BCEWithLogitsLoss()

for epoch in range(1, 41):
    model.train()
    total = 0.0
    for step, (xb, yb) in enumerate(train_loader):
        logits = model(xb).squeeze(1)
        loss = criterion(logits, yb) / ACCUM
        loss.backward()
        if (step + 1) % ACCUM == 0 or step + 1 == len(train_loader):
            optimizer.zero_grad()
            optimizer.step()
        total += loss.item() * ACCUM * len(yb)
    model.eval()
    with torch.no_grad():
        v_logits = model(X_va).squeeze(1)
        val_loss = criterion(v_logits, y_va).item()
        val_acc = ((v_logits > 0).float() == y_va).float().mean().item()
    print(f"epoch {epoch} train_loss {total/len(y_tr):.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
