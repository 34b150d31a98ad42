# A wide MLP trained for many epochs on 40 digit images, with no validation: the training loss goes to zero.
import torch
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(8)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32)
y = torch.tensor(y)
train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:40], y[:40]), batch_size=20, shuffle=True)
model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(120):
    model.train()
    for xb, yb in train:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    if epoch % 20 == 19:
        print(epoch, loss.item())
