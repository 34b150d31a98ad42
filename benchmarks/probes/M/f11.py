"""Digits: pretrain an autoencoder on all training images, then train a linear probe on its frozen 6-d code."""
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, stratify=y, random_state=3)
X_tr, X_va = torch.from_numpy(X_tr), torch.from_numpy(X_va)
y_tr, y_va = torch.from_numpy(y_tr), torch.from_numpy(y_va)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)


encoder = nn.Sequential(nn.Linear(64, 48), nn.ReLU(), nn.Linear(48, 6))
decoder = nn.Sequential(nn.Linear(6, 48), nn.ReLU(), nn.Linear(48, 64), nn.Sigmoid())
autoencoder = nn.Sequential(encoder, decoder)
autoencoder.apply(init_weights)

# stage 1: reconstruction
ae_opt = torch.optim.Adam(autoencoder.parameters(), lr=2e-3)
ae_loader = DataLoader(TensorDataset(X_tr), batch_size=64, shuffle=True)
for epoch in range(1, 41):
    tot = 0.0
    for (xb,) in ae_loader:
        ae_opt.zero_grad()
        loss = nn.functional.mse_loss(autoencoder(xb), xb)
        loss.backward()
        ae_opt.step()
        tot += loss.item() * len(xb)
    if epoch % 10 == 0:
        print(f"pretrain epoch {epoch} recon_mse {tot/len(X_tr):.4f}")

# stage 2: linear probe on the frozen encoder
head = nn.Linear(6, 10)
classifier = nn.Sequential(encoder, head)
classifier.apply(init_weights)
for p in encoder.parameters():
    p.requires_grad_(False)

optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
criterion = nn.CrossEntropyLoss()
loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True)
for epoch in range(1, 31):
    classifier.train()
    tot = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(classifier(xb), yb)
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(xb)
    classifier.eval()
    with torch.no_grad():
        out = classifier(X_va)
        val_loss = criterion(out, y_va).item()
        val_acc = (out.argmax(1) == y_va).float().mean().item()
    print(f"epoch {epoch} train_loss {tot/len(X_tr):.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
