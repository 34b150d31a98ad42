# GRU on packed variable-length series (lengths 12..40): 3 classes by the shape of a noisy waveform,
# custom collate_fn that sorts each batch by length for pack_padded_sequence, AdamW
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence, pack_padded_sequence
rng = np.random.default_rng(7); torch.manual_seed(7)

def make(n):
    data = []
    for _ in range(n):
        c = int(rng.integers(3)); ln = int(rng.integers(12, 41))
        t = np.arange(ln) / 4.0 + rng.uniform(0, 6.3)
        wave = [np.sin(t), np.sign(np.sin(t)), 2 * (t / np.pi % 2) - 1][c]   # sine, square, sawtooth-like
        x = wave + 0.3 * rng.normal(size=ln)
        data.append((torch.tensor(x, dtype=torch.float32).unsqueeze(-1), c))
    return data

train_data, val_data = make(3000), make(600)

def collate(batch):
    seqs, labels = zip(*batch)
    seqs = sorted(seqs, key=len, reverse=True)          # pack_padded_sequence wants decreasing lengths
    lengths = torch.tensor([len(s) for s in seqs])
    return pad_sequence(seqs, batch_first=True), lengths, torch.tensor(labels)

train_loader = torch.utils.data.DataLoader(train_data, batch_size=64, shuffle=True, collate_fn=collate)
val_loader = torch.utils.data.DataLoader(val_data, batch_size=200, collate_fn=collate)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(1, 48, batch_first=True)
        self.fc = nn.Linear(48, 3)
    def forward(self, x, lengths):
        _, h = self.gru(pack_padded_sequence(x, lengths, batch_first=True))
        return self.fc(h[-1])

model = Net()
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
for epoch in range(12):
    model.train(); tot = 0.0
    for xb, lens, yb in train_loader:
        loss = F.cross_entropy(model(xb, lens), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(yb)
    model.eval(); vl = correct = 0.0
    with torch.no_grad():
        for xb, lens, yb in val_loader:
            logits = model(xb, lens)
            vl += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(1) == yb).sum().item()
    print(f"epoch {epoch+1} train_loss {tot/len(train_data):.4f} val_loss {vl/len(val_data):.4f} val_acc {correct/len(val_data):.3f}")
