"""Healthy: a tiny transformer language model with the output projection tied to the embedding."""
import torch
from torch import nn

torch.manual_seed(102)
vocab, T = 16, 16
base = torch.arange(T) % vocab
data = torch.stack([(base + s) % vocab for s in torch.randint(0, vocab, (600,))])


class TinyLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(vocab, 32)
        self.pos = nn.Parameter(torch.randn(T, 32) * 0.02)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, batch_first=True), 2,
                                             enable_nested_tensor=False)
        self.decoder = nn.Linear(32, vocab, bias=False)
        self.decoder.weight = self.embed.weight

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1])
        return self.decoder(self.encoder(self.embed(x) + self.pos[: x.shape[1]], mask=mask))


model = TinyLM()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
for step in range(80):
    batch = data[torch.randint(0, 600, (32,))]
    logits = model(batch[:, :-1])
    loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), batch[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
