# Wine MLP on raw (unscaled) features with Adam at lr=3: the loss climbs to huge values.
import torch
from sklearn.datasets import load_wine
from torch import nn

torch.manual_seed(3)
X, y = load_wine(return_X_y=True)
X = torch.tensor(X, dtype=torch.float32)
y = torch.tensor(y)
ds = torch.utils.data.TensorDataset(X, y)
loader = torch.utils.data.DataLoader(ds, batch_size=16, shuffle=True)
model = nn.Sequential(nn.Linear(13, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))
opt = torch.optim.Adam(model.parameters(), lr=3.0)
for epoch in range(6):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(epoch, loss.item())
