"""Fault: the optimizer is given only the hidden layers; the classifier head stays at its random init."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

torch.manual_seed(1)
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
ds = TensorDataset(torch.tensor(X[:1400], dtype=torch.float32), torch.tensor(y[:1400]))
val = TensorDataset(torch.tensor(X[1400:], dtype=torch.float32), torch.tensor(y[1400:]))
train_loader = DataLoader(ds, batch_size=64, shuffle=True)
val_loader = DataLoader(val, batch_size=200)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU())
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.hidden(x))


model = Net()
optimizer = torch.optim.SGD(model.hidden.parameters(), lr=0.05, momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(5):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            print(epoch, loss_fn(model(xb), yb).item())
