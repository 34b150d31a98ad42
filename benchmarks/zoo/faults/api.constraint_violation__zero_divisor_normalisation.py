"""Fault: a custom layer normalises by the row sum of ReLU outputs, which can be zero."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

torch.manual_seed(20)
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
loader = DataLoader(TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y)), batch_size=64,
                    shuffle=True)


class SumNorm(nn.Module):
    def forward(self, h):
        return h / h.sum(dim=1, keepdim=True)


model = nn.Sequential(nn.Linear(64, 4), nn.ReLU(), SumNorm(), nn.Linear(4, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(3):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    print(epoch, loss.item())
