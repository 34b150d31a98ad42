# A wide MLP trained for many epochs on 40 digit images: the training loss goes to zero, validation does not follow.
import torch
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(8)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32)
y = torch.tensor(y)
train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:40], y[:40]), batch_size=20, shuffle=True)
val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[1000:1400], y[1000:1400]), batch_size=200)
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
        model.eval()
        with torch.no_grad():
            vl = sum(nn.functional.cross_entropy(model(xb), yb).item() for xb, yb in val)
        print(epoch, loss.item(), vl)
