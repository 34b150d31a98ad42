# A two-branch model whose second branch is computed but never added to the output: it gets no gradient.
import torch
from torch import nn

torch.manual_seed(15)
X = torch.randn(512, 16)
y = (X[:, 0] * X[:, 1] > 0).long()


class TwoBranch(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Linear(16, 32), nn.ReLU())
        self.b = nn.Sequential(nn.Linear(16, 32), nn.ReLU())
        self.out = nn.Linear(32, 2)

    def forward(self, x):
        ha = self.a(x)
        hb = self.b(x)  # meant to be ha + hb
        return self.out(ha)


model = TwoBranch()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for step in range(100):
    idx = torch.randint(0, 512, (64,))
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
