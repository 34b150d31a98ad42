"""Fault: training images scaled to [0, 1] and normalised, test images passed as 0..255."""
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset


class Images(Dataset):
    def __init__(self, n, seed, transform):
        g = torch.Generator().manual_seed(seed)
        self.y = torch.randint(0, 3, (n,), generator=g)
        self.x = torch.randint(0, 200, (n, 1, 10, 10), generator=g).float()
        for k in range(3):
            self.x[self.y == k, 0, 3 * k:3 * k + 3] += 55
        self.transform = transform

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.transform(self.x[i]), self.y[i]


torch.manual_seed(36)
train_loader = DataLoader(Images(900, 1, lambda t: (t / 255.0 - 0.5) / 0.25), batch_size=30, shuffle=True)
test_loader = DataLoader(Images(300, 2, lambda t: t), batch_size=100)
model = nn.Sequential(nn.Conv2d(1, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 64, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in test_loader:
            nn.functional.cross_entropy(model(xb), yb)
