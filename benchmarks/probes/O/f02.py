# Bag-of-words topic classifier (EmbeddingBag, mean) on synthetic documents over a 400-word vocabulary
from collections import Counter
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(2); torch.manual_seed(2)
WORDS = [f"w{i}" for i in range(400)]
TOPIC = {c: WORDS[c * 40:(c + 1) * 40] for c in range(4)}     # 40 indicative words per topic
COMMON = WORDS[160:]

def make(n):
    docs, labels = [], []
    for _ in range(n):
        c = int(rng.integers(4)); ln = int(rng.integers(8, 30))
        doc = [rng.choice(TOPIC[c]) if rng.random() < 0.3 else rng.choice(COMMON) for _ in range(ln)]
        docs.append(doc); labels.append(c)
    return docs, labels

train_docs, train_y = make(4000)
val_docs, val_y = make(800)
counter = Counter(w for d in train_docs for w in d)
MAX_VOCAB = 500
vocab = {w: i + 1 for i, w in enumerate(counter.most_common(MAX_VOCAB))}   # 0 = <unk>

def encode(docs):
    ids = [torch.tensor([vocab.get(w, 0) for w in d]) for d in docs]
    offsets = torch.tensor([0] + [len(t) for t in ids[:-1]]).cumsum(0)
    return torch.cat(ids), offsets

class BoW(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(MAX_VOCAB + 1, 32, mode="mean")
        self.fc = nn.Linear(32, 4)
    def forward(self, ids, offsets):
        return self.fc(self.emb(ids, offsets))

model = BoW()
opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
ytr, yva = torch.tensor(train_y), torch.tensor(val_y)
val_ids, val_off = encode(val_docs)
for epoch in range(12):
    model.train(); tot = 0.0
    perm = rng.permutation(len(train_docs))
    for s in range(0, len(perm), 64):
        idx = perm[s:s + 64]
        ids, off = encode([train_docs[i] for i in idx])
        loss = F.cross_entropy(model(ids, off), ytr[idx])
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(idx)
    model.eval()
    with torch.no_grad():
        logits = model(val_ids, val_off)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(train_docs):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
