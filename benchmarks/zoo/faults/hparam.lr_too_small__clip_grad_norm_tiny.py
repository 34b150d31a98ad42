"""Fault: a GRU sequence classifier whose gradients are clipped to max_norm=1e-3 before every SGD step:
their norm is about 0.2, so each step is about a two-hundredth of what the learning rate asks for."""
import torch
from torch import nn

torch.manual_seed(8)
n, T = 800, 12
x = torch.randn(n, T, 4)
y = (x[:, :, 1].sum(1) > 0).long()


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 32, batch_first=True)
        self.out = nn.Linear(32, 2)

    def forward(self, seq):
        _, h = self.gru(seq)
        return self.out(h[-1])


model = Classifier()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for step in range(200):
    idx = torch.randint(0, n, (32,))
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1e-3)
    opt.step()
print(loss.item())
