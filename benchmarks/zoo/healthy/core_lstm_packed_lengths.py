"""Text-like classification: Embedding + LSTM over synthetic, variable-length token sequences.

Class = which of 4 'keyword' tokens occurs most often in the sequence (ties avoided).
Padding index 0, packed sequences.
"""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(1)
VOCAB, MAXLEN, N_CLASSES = 50, 30, 4
KEYWORDS = torch.tensor([2, 3, 4, 5])


def make_data(n):
    lengths = torch.randint(12, MAXLEN + 1, (n,))
    seqs = torch.zeros(n, MAXLEN, dtype=torch.long)
    labels = torch.empty(n, dtype=torch.long)
    for i in range(n):
        L = lengths[i].item()
        s = torch.randint(6, VOCAB, (L,))
        label = torch.randint(0, N_CLASSES, ()).item()
        counts = torch.randint(0, 3, (N_CLASSES,))
        counts[label] = counts.max() + 1 + torch.randint(0, 2, ()).item()
        pos = torch.randperm(L)
        k = 0
        for c in range(N_CLASSES):
            for _ in range(counts[c].item()):
                if k < L:
                    s[pos[k]] = KEYWORDS[c]
                    k += 1
        seqs[i, :L] = s
        labels[i] = label
    return seqs, lengths, labels


train_ds = TensorDataset(*make_data(2000))
val_ds = TensorDataset(*make_data(500))
train_dl = DataLoader(train_ds, batch_size=64, shuffle=True)
val_dl = DataLoader(val_ds, batch_size=200)


class LSTMClassifier(nn.Module):
    def __init__(self, vocab, emb=32, hidden=32, n_classes=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=False)
        self.fc = nn.Linear(hidden, n_classes)

    def forward(self, x, lengths):
        e = self.emb(x)
        packed = pack_padded_sequence(e, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        h = h[-1]
        return self.fc(h)


model = LSTMClassifier(VOCAB)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
loss_fn = nn.CrossEntropyLoss()


def evaluate():
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for x, l, y in val_dl:
            correct += (model(x, l).argmax(-1) == y).sum().item()
            n += len(y)
    return correct / n


for epoch in range(8):
    model.train()
    tot = 0.0
    for x, l, y in train_dl:
        opt.zero_grad()
        loss = loss_fn(model(x, l), y)
        loss.backward()
        opt.step()
        tot += loss.item()
    print(f"epoch {epoch} loss {tot/len(train_dl):.4f} val_acc {evaluate():.4f}")

print(f"final val_acc={evaluate():.4f}")
