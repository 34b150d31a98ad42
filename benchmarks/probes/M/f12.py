"""Streaming (left-to-right) GRU tagger: tag each token of a synthetic sequence with its word class."""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

rng = np.random.default_rng(11)
torch.manual_seed(11)
VOCAB, N_TAGS, LEN, BOS = 40, 5, 24, 39
word_class = rng.integers(0, N_TAGS, VOCAB)            # lexicon: every word has one class
word_class[BOS] = 0


def make_corpus(n):
    toks = rng.integers(0, VOCAB - 1, (n, LEN + 1))
    toks[:, 0] = BOS                                     # every sentence starts with <s>
    tags = word_class[toks]
    noisy = rng.random(tags.shape) < 0.05                # a few annotation disagreements
    tags[noisy] = rng.integers(0, N_TAGS, noisy.sum())
    return torch.from_numpy(toks), torch.from_numpy(tags)


seqs_tr, tags_tr = make_corpus(3000)
seqs_va, tags_va = make_corpus(600)


def inputs_and_targets(seqs, tags):
    """Model input keeps <s>; targets are the tags of the words."""
    return seqs[:, :-1], tags[:, 1:]


X_tr, Y_tr = inputs_and_targets(seqs_tr, tags_tr)
X_va, Y_va = inputs_and_targets(seqs_va, tags_va)
train_loader = DataLoader(TensorDataset(X_tr, Y_tr), batch_size=64, shuffle=True)


class GRUTagger(nn.Module):
    def __init__(self, emb=32, hidden=64):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, emb)
        self.gru = nn.GRU(emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, N_TAGS)

    def forward(self, x):
        h, _ = self.gru(self.embed(x))
        return self.out(h)                               # (batch, len, tags)


model = GRUTagger()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(1, 13):
    model.train()
    tot, n = 0.0, 0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        logits = model(xb)
        loss = criterion(logits.reshape(-1, N_TAGS), yb.reshape(-1))
        loss.backward()
        optimizer.step()
        tot += loss.item() * len(xb)
        n += len(xb)
    model.eval()
    with torch.no_grad():
        logits = model(X_va)
        val_loss = criterion(logits.reshape(-1, N_TAGS), Y_va.reshape(-1)).item()
        val_acc = (logits.argmax(-1) == Y_va).float().mean().item()
    print(f"epoch {epoch} train_loss {tot/n:.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
