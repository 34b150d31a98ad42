# A linear classifier on XOR-like data: it cannot beat chance, train or validation.
import torch
from torch import nn

torch.manual_seed(28)
def make(n):
    x = torch.rand(n, 2) * 2 - 1
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).long()
    return x, y
Xtr, ytr = make(800)
Xva, yva = make(400)
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xva, yva), batch_size=200)
model = nn.Linear(2, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for epoch in range(6):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        vl = sum(nn.functional.cross_entropy(model(xb), yb).item() for xb, yb in val_loader)
    print(epoch, loss.item(), vl)
