# A feature transform takes log() of a linear layer's output, which is negative for part of the batch.
import torch
from sklearn.datasets import load_wine
from torch import nn

torch.manual_seed(25)
X, y = load_wine(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)
y = torch.tensor(y)


class LogFeatures(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(13, 16)

    def forward(self, x):
        return torch.log(self.proj(x))


model = nn.Sequential(LogFeatures(), nn.Linear(16, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for step in range(50):
    idx = torch.randint(0, len(X), (32,))
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
