"""Fault: a GRU trained for 2 short epochs, validated every 5 steps: the validation loss still falls steeply."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(48)
n, T = 1200, 12
x = torch.randn(n, T, 2)
y = (x[:, :, 0].mean(1) > 0).long() + 2 * (x[:, :, 1].mean(1) > 0).long()
train_loader = DataLoader(TensorDataset(x[:1000], y[:1000]), batch_size=50, shuffle=True)
val_loader = DataLoader(TensorDataset(x[1000:], y[1000:]), batch_size=200)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(2, 16, batch_first=True)
        self.out = nn.Linear(16, 4)

    def forward(self, x):
        return self.out(self.gru(x)[0][:, -1])


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
crit = nn.CrossEntropyLoss()
for epoch in range(2):
    for i, (xb, yb) in enumerate(train_loader):
        model.train()
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
        if i % 5 == 4:
            model.eval()
            with torch.no_grad():
                for vx, vy in val_loader:
                    crit(model(vx), vy)
