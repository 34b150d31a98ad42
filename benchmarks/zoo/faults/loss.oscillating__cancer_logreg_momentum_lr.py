# Breast-cancer logistic regression with momentum SGD at lr=10: the loss keeps spiking back up.
import torch
from sklearn.datasets import load_breast_cancer
from torch import nn

torch.manual_seed(7)
X, y = load_breast_cancer(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)
y = torch.tensor(y, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=32, shuffle=True)
model = nn.Linear(30, 1)
opt = torch.optim.SGD(model.parameters(), lr=10.0, momentum=0.9)
for epoch in range(8):
    for xb, yb in loader:
        loss = nn.functional.binary_cross_entropy_with_logits(model(xb).squeeze(1), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(epoch, loss.item())
