# Bag-of-embeddings topic classifier (nn.EmbeddingBag, mean, d=48, then a 64-unit hidden layer) on
# synthetic documents: 6 topics, each with its own preferred words among shared filler words, Adam;
# online hard-example mining: only the hardest quarter of each batch (highest per-sample loss) is trained on
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(7); torch.manual_seed(7)
V, C, TOPIC_WORDS = 1000, 6, 40
topic_vocab = [rng.choice(np.arange(100, V), TOPIC_WORDS, replace=False) for _ in range(C)]

def make(n):
    docs, labels = [], rng.integers(0, C, n)
    for c in labels:
        L = rng.integers(20, 60)
        k = rng.binomial(L, 0.2)
        words = np.concatenate([rng.choice(topic_vocab[c], k), rng.integers(1, V, L - k)])
        docs.append(torch.tensor(rng.permutation(words)))
    return docs, torch.tensor(labels)

def collate(batch):
    docs, ys = zip(*batch)
    offsets = torch.tensor([0] + [len(d) for d in docs[:-1]]).cumsum(0)
    return torch.cat(docs), offsets, torch.stack(ys)

tr_docs, ytr = make(6000)
va_docs, yva = make(1500)
loader = torch.utils.data.DataLoader(list(zip(tr_docs, ytr)), batch_size=64, shuffle=True, collate_fn=collate)
val_loader = torch.utils.data.DataLoader(list(zip(va_docs, yva)), batch_size=500, collate_fn=collate)

class BagClassifier(nn.Module):
    def __init__(self, d=48):
        super().__init__()
        self.emb = nn.EmbeddingBag(V, d, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, C))
    def forward(self, tokens, offsets):
        return self.mlp(self.emb(tokens, offsets))

model = BagClassifier()
opt = torch.optim.Adam(model.parameters(), lr=5e-3)
KEEP = 0.25
for epoch in range(12):
    model.train(); tot = 0.0
    for tokens, offsets, yb in loader:
        per = F.cross_entropy(model(tokens, offsets), yb, reduction="none")
        hard = per.topk(int(KEEP * len(per)), largest=False).values
        loss = hard.mean()
        opt.zero_grad(); loss.backward(); opt.step()
        tot += per.sum().item()
    model.eval(); vl = correct = 0.0
    with torch.no_grad():
        for tokens, offsets, yb in val_loader:
            logits = model(tokens, offsets)
            vl += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(1) == yb).sum().item()
    print(f"epoch {epoch+1} train_loss {tot/len(ytr):.4f} val_loss {vl/len(yva):.4f} val_acc {correct/len(yva):.3f}")
