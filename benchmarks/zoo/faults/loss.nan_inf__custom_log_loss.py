# Breast-cancer classifier with a hand-written cross-entropy that takes log(p) of a probability that reaches 0.
import torch
from sklearn.datasets import load_breast_cancer
from torch import nn

torch.manual_seed(1)
X, y = load_breast_cancer(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)
y = torch.tensor(y, dtype=torch.float32)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(30, 32)
        self.fc2 = nn.Linear(32, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc2(torch.relu(self.fc1(x)))).squeeze(1)


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=0.5)
for step in range(200):
    idx = torch.randint(0, len(X), (64,))
    p = model(X[idx])
    loss = -(y[idx] * torch.log(p) + (1 - y[idx]) * torch.log(1 - p)).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 50 == 0:
        print(step, loss.item())
