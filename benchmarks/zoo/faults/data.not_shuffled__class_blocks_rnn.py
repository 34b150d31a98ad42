"""Fault: sequences generated class by class and never shuffled before a GRU classifier."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(38)
seqs, labels = [], []
for k in range(3):
    t = torch.linspace(0, 6.28, 20)
    s = torch.sin(t * (k + 1)).repeat(300, 1) + 0.3 * torch.randn(300, 20)
    seqs.append(s.unsqueeze(-1))
    labels.append(torch.full((300,), k))
train_loader = DataLoader(TensorDataset(torch.cat(seqs), torch.cat(labels)), batch_size=50)


class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(1, 16, batch_first=True)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        _, h = self.gru(x)
        return self.head(h[-1])


model = GRUClassifier()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for xb, yb in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
