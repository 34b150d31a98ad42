"""Bag-of-embeddings sentiment model on synthetic variable-length token sequences (PAD = 0)."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

rng = np.random.default_rng(42)
torch.manual_seed(42)
VOCAB, MAX_LEN, PAD = 60, 32, 0
POSITIVE = np.arange(1, 11)        # tokens 1..10 carry positive sentiment
NEGATIVE = np.arange(11, 21)       # tokens 11..20 carry negative sentiment


def make_reviews(n):
    X = np.full((n, MAX_LEN), PAD, dtype=np.int64)
    y = np.zeros(n, dtype=np.int64)
    for i in range(n):
        length = rng.integers(6, MAX_LEN + 1)
        label = rng.integers(0, 2)
        polar = POSITIVE if label == 1 else NEGATIVE
        other = NEGATIVE if label == 1 else POSITIVE
        toks = rng.integers(21, VOCAB, length)                       # neutral filler
        k = rng.integers(2, max(3, length // 3))
        idx = rng.choice(length, k + 1, replace=False)
        toks[idx[:k]] = rng.choice(polar, k)
        toks[idx[k]] = rng.choice(other)                              # one opposite word
        X[i, :length] = toks
        y[i] = label
    return torch.from_numpy(X), torch.from_numpy(y)


X_tr, y_tr = make_reviews(4000)
X_va, y_va = make_reviews(1000)
train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X_va, y_va), batch_size=500)


class MeanPoolClassifier(nn.Module):
    def __init__(self, dim=32):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, dim, padding_idx=PAD)
        self.mlp = nn.Sequential(nn.Linear(dim, 64), nn.ReLU(), nn.Linear(64, 2))

    def forward(self, tokens):
        mask = (tokens == PAD).unsqueeze(-1).float()            # (batch, seq, 1)
        emb = self.embed(tokens)
        pooled = (emb * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.mlp(pooled)


model = MeanPoolClassifier()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(1, 16):
    model.train()
    tot, n = 0.0, 0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(yb)
        n += len(yb)
    model.eval()
    correct, vn, vl = 0, 0, 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            out = model(xb)
            vl += criterion(out, yb).item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            vn += len(yb)
    print(f"epoch {epoch} train_loss {tot/n:.4f} val_loss {vl/vn:.4f} val_acc {correct/vn:.3f}")
