# Topic classifier on synthetic documents (6 topics, 2,000-word vocabulary, 20-90 tokens per document):
# nn.EmbeddingBag (mean, d=64) over the flattened batch with offsets, a 64-unit hidden layer, Adam;
# variable-length documents are packed by a custom collate_fn
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(5); rng = np.random.default_rng(5)
V, T, D = 2000, 6, 64

# each topic prefers its own 120 words; the rest of the vocabulary is shared background
topic_words = [rng.choice(np.arange(100, V), size=120, replace=False) for _ in range(T)]
def make_doc(t):
    n = rng.integers(20, 90)
    own = rng.random(n) < 0.12
    words = np.where(own, rng.choice(topic_words[t], size=n), rng.zipf(1.3, size=n) % V)
    return words.astype(np.int64)

def make_set(n):
    ys = rng.integers(0, T, size=n)
    return [make_doc(t) for t in ys], ys

docs_tr, y_tr = make_set(24000)
docs_va, y_va = make_set(2000)

class Docs(torch.utils.data.Dataset):
    def __init__(self, docs, ys): self.docs, self.ys = docs, ys
    def __len__(self): return len(self.docs)
    def __getitem__(self, i): return torch.from_numpy(self.docs[i]), int(self.ys[i])

def collate(batch):
    lens = [len(d) for d, _ in batch]
    tokens = torch.cat([d for d, _ in batch])
    offsets = torch.tensor([0] + lens[:-1])
    return tokens, offsets, torch.tensor([y for _, y in batch])

train_loader = torch.utils.data.DataLoader(Docs(docs_tr, y_tr), batch_size=64, shuffle=True, collate_fn=collate)
val_loader = torch.utils.data.DataLoader(Docs(docs_va, y_va), batch_size=256, collate_fn=collate)

class BagClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(V, D, mode="mean")
        self.fc = nn.Linear(D, 64)
        self.out = nn.Linear(64, T)
    def forward(self, tokens, offsets):
        return self.out(F.relu(self.fc(self.emb(tokens, offsets))))

model = BagClassifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
crit = nn.CrossEntropyLoss()

for epoch in range(16):
    model.train(); tot, n = 0.0, 0
    for tokens, offsets, yb in train_loader:
        loss = crit(model(tokens, offsets), yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(yb); n += len(yb)
    model.eval(); correct, vloss = 0, 0.0
    with torch.no_grad():
        for tokens, offsets, yb in val_loader:
            out = model(tokens, offsets)
            vloss += crit(out, yb).item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
    print(f"epoch {epoch+1} train_loss {tot/n:.4f} val_loss {vloss/len(y_va):.4f} val_acc {correct/len(y_va):.3f}")
