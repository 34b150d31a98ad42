"""Fault: an LSTM sequence classifier trained with Adam at lr=1e-7."""
import torch
from torch import nn

torch.manual_seed(42)
n, T = 600, 15
x = torch.randn(n, T, 3)
y = (x[:, :, 0].cumsum(1)[:, -1] > 0).long()


class Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 24, batch_first=True)
        self.fc = nn.Linear(24, 2)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.fc(out[:, -1])


model = Seq()
opt = torch.optim.Adam(model.parameters(), lr=1e-7)
for step in range(60):
    idx = torch.randint(0, n, (32,))
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
    loss.backward()
    opt.step()
print(loss.item())
