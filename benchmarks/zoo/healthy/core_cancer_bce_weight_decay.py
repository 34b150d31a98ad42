# Healthy: standardised breast-cancer features, BCE with logits, AdamW with weight decay, a test split.
import torch
from sklearn.datasets import load_breast_cancer
from torch import nn

torch.manual_seed(102)
X, y = load_breast_cancer(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)
y = torch.tensor(y, dtype=torch.float32)
perm = torch.randperm(len(X))
X, y = X[perm], y[perm]
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:450], y[:450]), batch_size=32, shuffle=True)
test_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[450:], y[450:]), batch_size=64)
model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
for epoch in range(12):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(xb).squeeze(1), yb)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        tl = sum(nn.functional.binary_cross_entropy_with_logits(model(xb).squeeze(1), yb).item() for xb, yb in test_loader)
    print(epoch, loss.item(), tl)
