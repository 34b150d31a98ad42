# An 8-layer tanh network initialised with a tiny weight scale: the signal and its gradient shrink layer by layer.
import torch
from torch import nn

torch.manual_seed(11)
X = torch.randn(1024, 20)
y = (X[:, :5].sum(1) > 0).long()


class Deep(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(20 if i == 0 else 48, 48) for i in range(8)])
        self.out = nn.Linear(48, 2)
        for b in self.blocks:
            nn.init.normal_(b.weight, std=0.05)

    def forward(self, x):
        for b in self.blocks:
            x = torch.tanh(b(x))
        return self.out(x)


model = Deep()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(120):
    idx = torch.randint(0, 1024, (64,))
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
