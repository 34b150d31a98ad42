# Healthy: a two-layer transformer encoder classifying token sequences (does token 3 occur more than token 5?).
import torch
from torch import nn

torch.manual_seed(105)
X = torch.randint(0, 16, (1500, 24))
y = ((X == 3).sum(1) > (X == 5).sum(1)).long()


class TinyTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(16, 32)
        layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(32, 2)

    def forward(self, x):
        return self.head(self.enc(self.emb(x)).mean(1))


model = TinyTransformer()
opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:1200], y[:1200]), batch_size=40, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[1200:], y[1200:]), batch_size=100)
for epoch in range(4):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_loader) / 300
    print(epoch, loss.item(), acc)
