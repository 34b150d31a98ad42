# Healthy: a GRU classifying synthetic sequences (is the running sum positive at the end?), with grad clipping.
import torch
from torch import nn

torch.manual_seed(104)
X = torch.randn(1200, 20, 3)
y = (X[:, :, 0].sum(1) > 0).long()


class GRUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 32, batch_first=True)
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1])


model = GRUNet()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:1000], y[:1000]), batch_size=50, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[1000:], y[1000:]), batch_size=100)
for epoch in range(6):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / 200
    print(epoch, loss.item(), acc)
