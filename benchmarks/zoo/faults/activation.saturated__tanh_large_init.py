# A tanh MLP whose weights were initialised with std=3: most tanh units are pinned at ±1.
import torch
from torch import nn

torch.manual_seed(21)
X = torch.randn(1000, 24)
y = (X[:, :3].sum(1) > 0).long()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(24, 64)
        self.l2 = nn.Linear(64, 64)
        self.out = nn.Linear(64, 2)
        nn.init.normal_(self.l1.weight, std=3.0)
        nn.init.normal_(self.l2.weight, std=3.0)

    def forward(self, x):
        return self.out(torch.tanh(self.l2(torch.tanh(self.l1(x)))))


model = Net()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for step in range(120):
    idx = torch.randint(0, 1000, (50,))
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
