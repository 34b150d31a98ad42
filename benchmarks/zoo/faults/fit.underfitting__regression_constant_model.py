# A regression "network" with a bottleneck of width 1 behind a ReLU that mostly outputs zero: it predicts the mean.
import torch
from torch import nn

torch.manual_seed(29)
X = torch.randn(1000, 6)
y = (torch.sin(X[:, 0] * 2) + X[:, 1] * X[:, 2]).unsqueeze(1)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=50, shuffle=True)
model = nn.Sequential(nn.Linear(6, 1), nn.Linear(1, 1))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(5):
    for xb, yb in loader:
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xb), yb)
        loss.backward()
        opt.step()
    print(epoch, loss.item())
