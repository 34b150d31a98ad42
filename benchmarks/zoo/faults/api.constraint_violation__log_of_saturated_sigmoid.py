"""Fault: a hand-written binary cross-entropy takes torch.log(1 - p) of a sigmoid that saturates to exactly 1."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

torch.manual_seed(21)
X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X) * 5
loader = DataLoader(TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)),
                    batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(30, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.5)
for epoch in range(3):
    for xb, yb in loader:
        p = torch.sigmoid(model(xb)).squeeze(1)
        loss = -(yb * torch.log(p) + (1 - yb) * torch.log(1 - p)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(epoch, loss.item())
