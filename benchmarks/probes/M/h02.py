"""Transformer encoder with a [CLS] token: is the sequence's first half's sum larger than its second half's?

AdamW, linear warm-up then cosine decay stepped per batch, label smoothing 0.1, gradient clipping at 1.0.
"""
import math
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
SEQ_LEN, N_DIGITS = 12, 10
CLS = N_DIGITS


def make_data(n, gen):
    x = torch.randint(0, N_DIGITS, (n, SEQ_LEN), generator=gen)
    diff = x[:, :SEQ_LEN // 2].sum(1) - x[:, SEQ_LEN // 2:].sum(1)
    keep = diff != 0
    return x[keep], (diff[keep] > 0).long()


g = torch.Generator().manual_seed(1)
X_tr, y_tr = make_data(6000, g)
X_va, y_va = make_data(1200, g)
train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X_va, y_va), batch_size=400)


class ClsTransformer(nn.Module):
    def __init__(self, d_model=64, nhead=4, layers=2):
        super().__init__()
        self.tok = nn.Embedding(N_DIGITS + 1, d_model)
        self.pos = nn.Parameter(torch.zeros(1, SEQ_LEN + 1, d_model))
        nn.init.normal_(self.pos, std=0.02)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=128, dropout=0.1,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 2)

    def forward(self, x):
        cls = torch.full((x.size(0), 1), CLS, dtype=x.dtype)
        h = self.tok(torch.cat([cls, x], 1)) + self.pos
        h = self.encoder(h)
        return self.head(self.norm(h[:, 0]))


EPOCHS = 12
model = ClsTransformer()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
total_steps = EPOCHS * len(train_loader)
warmup = int(0.1 * total_steps)


def lr_lambda(step):
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total_steps - warmup)
    return 0.5 * (1 + math.cos(math.pi * progress))


scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

for epoch in range(1, EPOCHS + 1):
    model.train()
    tot, n = 0.0, 0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
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
    print(f"epoch {epoch} lr {scheduler.get_last_lr()[0]:.2e} train_loss {tot/n:.4f} "
          f"val_loss {vl/vn:.4f} val_acc {correct/vn:.3f}")
