"""Fault: a transformer encoder whose layers are one block object registered four times."""
import torch
from torch import nn

torch.manual_seed(4)
vocab, seq_len, n = 20, 12, 512
tokens = torch.randint(0, vocab, (n, seq_len))
labels = (tokens[:, :4].sum(1) % 2)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        block = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True)
        self.blocks = nn.ModuleList([block for _ in range(4)])
        self.out = nn.Linear(32, 2)

    def forward(self, x):
        h = self.embed(x)
        for b in self.blocks:
            h = b(h)
        return self.out(h.mean(1))


model = Classifier()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
for step in range(40):
    idx = torch.randint(0, n, (32,))
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(tokens[idx]), labels[idx])
    loss.backward()
    opt.step()
print(loss.item())
