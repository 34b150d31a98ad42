"""Fault: CNN features are detached before the classifier, so the conv block never learns."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(6)
n = 800
y = torch.randint(0, 3, (n,))
x = torch.randn(n, 2, 16) * 0.3
x[y == 0, 0] += torch.linspace(-1, 1, 16)
x[y == 1, 1] += torch.linspace(1, -1, 16)
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv1d(2, 8, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(4))
        self.classifier = nn.Linear(32, 3)

    def forward(self, x):
        f = self.features(x).flatten(1).detach()
        return self.classifier(f)


model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(4):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
