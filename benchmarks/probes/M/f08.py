"""Siamese embedding net on digits trained with CosineEmbeddingLoss; validated as same/different verification."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

rng = np.random.default_rng(0)
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
X_tr, X_va = torch.from_numpy(X_tr), torch.from_numpy(X_va)
y_tr, y_va = torch.from_numpy(y_tr), torch.from_numpy(y_va)


def sample_pairs(labels, n_pairs, gen):
    """Half same-class pairs, half different-class pairs."""
    labels = labels.numpy()
    by_class = {c: np.flatnonzero(labels == c) for c in range(10)}
    a = gen.integers(0, len(labels), n_pairs)
    b = np.empty(n_pairs, dtype=np.int64)
    for i, ai in enumerate(a):
        if i % 2 == 0:
            b[i] = gen.choice(by_class[labels[ai]])
        else:
            b[i] = gen.choice(np.flatnonzero(labels != labels[ai]))
    return torch.from_numpy(a), torch.from_numpy(b)


va_a, va_b = sample_pairs(y_va, 2000, np.random.default_rng(99))
va_same = (y_va[va_a] == y_va[va_b])

encoder = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 16))
optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-3)
criterion = nn.CosineEmbeddingLoss(margin=0.3)
THRESHOLD = 0.65

for epoch in range(1, 21):
    encoder.train()
    a_idx, b_idx = sample_pairs(y_tr, 8000, rng)
    total = 0.0
    for s in range(0, len(a_idx), 128):
        ia, ib = a_idx[s:s + 128], b_idx[s:s + 128]
        target = (y_tr[ia] == y_tr[ib]).float()
        optimizer.zero_grad()
        loss = criterion(encoder(X_tr[ia]), encoder(X_tr[ib]), target)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(ia)
    encoder.eval()
    with torch.no_grad():
        ea, eb = encoder(X_va[va_a]), encoder(X_va[va_b])
        val_target = va_same.float() * 2 - 1
        val_loss = criterion(ea, eb, val_target).item()
        cos = F.cosine_similarity(ea, eb)
        val_acc = ((cos > THRESHOLD) == va_same).float().mean().item()
    print(f"epoch {epoch} train_loss {total/len(a_idx):.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
