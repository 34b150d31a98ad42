"""Two-block transformer with hand-written multi-head attention: does the first token occur again?"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

VOCAB, L, N = 20, 16, 12000
tokens = np.random.randint(0, VOCAB, size=(N, L))
labels = (tokens[:, 1:] == tokens[:, :1]).any(1).astype(np.int64)
tokens, labels = torch.tensor(tokens), torch.tensor(labels)
train_loader = DataLoader(TensorDataset(tokens[:10000], labels[:10000]), batch_size=128, shuffle=True)
Xva, yva = tokens[10000:], labels[10000:]


class MultiHeadAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h, self.dh = heads, d // heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.reshape(B, self.h, T, self.dh) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / self.dh ** 0.5
        out = att.softmax(dim=-1) @ v
        return self.proj(out.transpose(1, 2).reshape(B, T, D))


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = MultiHeadAttention(d, heads)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.ff(self.ln2(x))


class Classifier(nn.Module):
    def __init__(self, d=64, heads=4, depth=2):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, d)
        self.pos = nn.Parameter(torch.randn(1, L, d) * 0.02)
        self.blocks = nn.Sequential(*[Block(d, heads) for _ in range(depth)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, 2)

    def forward(self, x):
        h = self.blocks(self.tok(x) + self.pos)
        return self.head(self.ln(h[:, 0]))


model = Classifier()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)

for epoch in range(1, 13):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        total += loss.item() * len(yb)
    model.eval()
    with torch.no_grad():
        out = model(Xva)
        val_loss = F.cross_entropy(out, yva).item()
        val_acc = (out.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch} train_loss {total / 10000:.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
print(f"val_acc {val_acc:.3f}")
