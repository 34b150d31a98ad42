"""Small transformer encoder: does marker A come before marker B in a token sequence?"""
import math
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
VOCAB, SEQ_LEN, A, B = 12, 16, 10, 11


def make_data(n, gen):
    x = torch.randint(0, 10, (n, SEQ_LEN), generator=gen)
    pos = torch.stack([torch.randperm(SEQ_LEN, generator=gen)[:2] for _ in range(n)])
    x[torch.arange(n), pos[:, 0]] = A
    x[torch.arange(n), pos[:, 1]] = B
    y = (pos[:, 0] < pos[:, 1]).long()
    return x, y


g = torch.Generator().manual_seed(123)
X_tr, y_tr = make_data(6000, g)
X_va, y_va = make_data(1000, g)
train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X_va, y_va), batch_size=500)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=5000):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:x.size(0)]


class OrderClassifier(nn.Module):
    def __init__(self, d_model=64, nhead=4, layers=2):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, d_model)
        self.pos = PositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=128, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(d_model, 2)
        self.d_model = d_model

    def forward(self, tokens):                       # tokens: (batch, seq)
        h = self.pos(self.embed(tokens) * math.sqrt(self.d_model))
        h = self.encoder(h)
        return self.head(h.mean(dim=1))


model = OrderClassifier()
optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01)
criterion = nn.CrossEntropyLoss()

for epoch in range(1, 13):
    model.train()
    tot, n, correct = 0.0, 0, 0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits, yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        tot += loss.item() * len(yb)
        correct += (logits.argmax(1) == yb).sum().item()
        n += len(yb)
    model.eval()
    with torch.no_grad():
        vc, vn, vl = 0, 0, 0.0
        for xb, yb in val_loader:
            logits = model(xb)
            vl += criterion(logits, yb).item() * len(yb)
            vc += (logits.argmax(1) == yb).sum().item()
            vn += len(yb)
    print(f"epoch {epoch} train_loss {tot/n:.4f} train_acc {correct/n:.3f} val_loss {vl/vn:.4f} val_acc {vc/vn:.3f}")
