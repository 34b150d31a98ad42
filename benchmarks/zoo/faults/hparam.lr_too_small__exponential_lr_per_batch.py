"""Fault: a small CNN on digits whose ExponentialLR(gamma=0.9), meant per epoch, is stepped after every batch:
the learning rate is below 1e-4 after about 50 of the run's 280 steps and the loss stops there."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

torch.manual_seed(5)
X, y = load_digits(return_X_y=True)
images = torch.tensor(X / 16.0, dtype=torch.float32).view(-1, 1, 8, 8)
loader = DataLoader(TensorDataset(images, torch.tensor(y)), batch_size=64, shuffle=True)
model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
                      nn.Flatten(), nn.Linear(16 * 64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
for epoch in range(10):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        sched.step()
    print(f"epoch {epoch}: loss {loss.item():.3f}, lr {sched.get_last_lr()[0]:.2e}")
