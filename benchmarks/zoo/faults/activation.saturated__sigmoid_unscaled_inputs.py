# Raw breast-cancer features (values up to ~4000) feed a sigmoid hidden layer: the sigmoids sit at 0 or 1.
import torch
from sklearn.datasets import load_breast_cancer
from torch import nn

torch.manual_seed(20)
X, y = load_breast_cancer(return_X_y=True)
X = torch.tensor(X, dtype=torch.float32)
y = torch.tensor(y)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(30, 32), nn.Sigmoid(), nn.Linear(32, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(4):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    print(epoch, loss.item())
