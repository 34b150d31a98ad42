"""Fault: a CNN trained on 0..255 pixel values without scaling."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(34)
n = 800
y = torch.randint(0, 2, (n,))
img = torch.rand(n, 3, 8, 8) * 120
img[y == 1, 0] += 100
img = img.round()
loader = DataLoader(TensorDataset(img, y), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 36, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
