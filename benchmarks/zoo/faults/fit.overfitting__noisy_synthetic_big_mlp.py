# 120 samples of a noisy 2-D problem, a 3-layer MLP trained long: it memorises the noise.
import torch
from torch import nn

torch.manual_seed(27)
def make(n):
    x = torch.randn(n, 20)
    y = ((x[:, 0] + 0.8 * torch.randn(n)) > 0).long()
    return x, y
Xtr, ytr = make(120)
Xva, yva = make(600)
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=30, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xva, yva), batch_size=300)
model = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(80):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    if epoch % 8 == 7:
        model.eval()
        with torch.no_grad():
            val = [nn.functional.cross_entropy(model(xb), yb).item() for xb, yb in val_loader]
        print(epoch, loss.item(), sum(val))
