# A 6-layer ReLU MLP initialised with std=1 weights on digits: activations and gradients blow up.
import torch
from sklearn.datasets import load_digits
from torch import nn

torch.manual_seed(13)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32)
y = torch.tensor(y)
model = nn.Sequential(*[m for i in range(6) for m in (nn.Linear(64, 64), nn.ReLU())], nn.Linear(64, 10))
for m in model:
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=1.0)
opt = torch.optim.SGD(model.parameters(), lr=1e-6)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)
for xb, yb in loader:
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(xb), yb)
    loss.backward()
    opt.step()
print(loss.item())
