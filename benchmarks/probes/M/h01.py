"""Digits: autoencoder pretraining on unlabelled images, then a classifier on the frozen encoder.

Only 300 labelled images are used for the classifier, so the encoder is frozen on purpose
(fine-tuning it on so few labels overfits); the head is the only trained part in stage 2.
"""
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_unl, X_va, y_unl, y_va = train_test_split(X, y, test_size=0.25, stratify=y, random_state=3)
X_lab, y_lab = X_unl[:300], y_unl[:300]
X_unl, X_lab, X_va = map(torch.from_numpy, (X_unl, X_lab, X_va))
y_lab, y_va = torch.from_numpy(y_lab), torch.from_numpy(y_va)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)


encoder = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 16))
decoder = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.Sigmoid())
autoencoder = nn.Sequential(encoder, decoder)
autoencoder.apply(init_weights)

opt = torch.optim.Adam(autoencoder.parameters(), lr=2e-3)
loader = DataLoader(TensorDataset(X_unl), batch_size=64, shuffle=True)
for epoch in range(1, 41):
    tot = 0.0
    for (xb,) in loader:
        opt.zero_grad()
        loss = nn.functional.mse_loss(autoencoder(xb), xb)
        loss.backward()
        opt.step()
        tot += loss.item() * len(xb)
    if epoch % 10 == 0:
        print(f"pretrain epoch {epoch} recon_mse {tot/len(X_unl):.4f}")

# stage 2: freeze the pretrained encoder, train a small head on the labelled subset
for p in encoder.parameters():
    p.requires_grad_(False)
head = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 10))
head.apply(init_weights)
classifier = nn.Sequential(encoder, head)
optimizer = torch.optim.Adam(head.parameters(), lr=5e-3)
criterion = nn.CrossEntropyLoss()
lab_loader = DataLoader(TensorDataset(X_lab, y_lab), batch_size=32, shuffle=True)
for epoch in range(1, 41):
    classifier.train()
    tot = 0.0
    for xb, yb in lab_loader:
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
    print(f"epoch {epoch} train_loss {tot/len(X_lab):.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
