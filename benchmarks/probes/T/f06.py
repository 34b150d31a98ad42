"""Deep fully-connected autoencoder on 8x8 digits (He initialisation by hand), AdamW."""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

X, _ = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
Xtr, Xva = train_test_split(X, test_size=0.2, random_state=0)
Xtr, Xva = torch.tensor(Xtr), torch.tensor(Xva)
train_loader = DataLoader(TensorDataset(Xtr), batch_size=64, shuffle=True)


def mlp(sizes, last_act=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.GELU())
    if last_act is not None:
        layers.append(last_act)
    return nn.Sequential(*layers)


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = mlp([64, 256, 256, 128, 16])
        self.decoder = mlp([16, 128, 256, 256, 64], nn.Sigmoid())
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, math.sqrt(2.0 / m.in_features))
            nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = AutoEncoder()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)

for epoch in range(1, 31):
    model.train()
    total = 0.0
    for (xb,) in train_loader:
        opt.zero_grad()
        loss = F.mse_loss(model(xb), xb)
        loss.backward()
        opt.step()
        total += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        val_loss = F.mse_loss(model(Xva), Xva).item()
    print(f"epoch {epoch} train_loss {total / len(Xtr):.4f} val_loss {val_loss:.4f}")
print(f"val_loss {val_loss:.4f}")
