"""Fault: a sigmoid output fed to BCEWithLogitsLoss, which applies a sigmoid again."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

torch.manual_seed(11)
X, y = load_breast_cancer(return_X_y=True)
X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)
sc = StandardScaler().fit(X_tr)
train_loader = DataLoader(TensorDataset(torch.tensor(sc.transform(X_tr), dtype=torch.float32),
                                        torch.tensor(y_tr, dtype=torch.float32)), batch_size=32, shuffle=True)


class LogReg(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(30, 16)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return torch.sigmoid(self.out(torch.tanh(self.linear(x)))).squeeze(-1)


model = LogReg()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.BCEWithLogitsLoss()
for epoch in range(5):
    for xb, yb in train_loader:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
