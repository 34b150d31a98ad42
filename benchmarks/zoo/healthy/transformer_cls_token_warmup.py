"""Tiny Transformer encoder classifier on digits: each of the 8 image rows is a token.
Linear warm-up then inverse-sqrt decay via LambdaLR, stepped per batch."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split
from sklearn.datasets import load_digits

torch.manual_seed(5)
digits = load_digits()
X = torch.tensor(digits.images, dtype=torch.float32) / 16.0  # (N, 8 rows, 8 pixels)
y = torch.tensor(digits.target)
ds = TensorDataset(X, y)
n_val = 360
train_ds, val_ds = random_split(ds, [len(ds) - n_val, n_val], generator=torch.Generator().manual_seed(5))
train_dl = DataLoader(train_ds, batch_size=32, shuffle=True)
val_dl = DataLoader(val_ds, batch_size=128)


class RowTransformer(nn.Module):
    def __init__(self, d_model=32, nhead=4, layers=2, n_classes=10):
        super().__init__()
        self.proj = nn.Linear(8, d_model)
        self.pos = nn.Parameter(torch.randn(1, 8, d_model) * 0.02)
        self.cls = nn.Parameter(torch.zeros(1, 1, d_model))
        enc_layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=64, dropout=0.1,
                                               batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, x):
        h = self.proj(x) + self.pos
        h = torch.cat([self.cls.expand(x.size(0), -1, -1), h], dim=1)
        h = self.encoder(h)
        return self.head(self.norm(h[:, 0]))


model = RowTransformer()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
warmup = 100


def lr_lambda(step):
    step += 1
    if step < warmup:
        return step / warmup
    return math.sqrt(warmup / step)


scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)

for epoch in range(20):
    model.train()
    for xb, yb in train_dl:
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
    model.eval()
    correct = 0
    with torch.inference_mode():
        for xb, yb in val_dl:
            correct += (model(xb).argmax(-1) == yb).sum().item()
    val_acc = correct / n_val
    print(f"epoch {epoch:2d} lr {scheduler.get_last_lr()[0]:.2e} loss {loss.item():.4f} val_acc {val_acc:.4f}")

print(f"final val_acc={val_acc:.4f}")
