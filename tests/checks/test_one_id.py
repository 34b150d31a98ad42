"""Every token id the same (probe O f02: a vocabulary keyed by Counter.most_common()'s (word, count) tuples, so
vocab.get(word, 0) maps every word to <unk> 0; 0.25 against 0.97): the loss at a constant answer's and small
weight changes were all that was found. The vocabulary keyed by words is left alone."""
import pytest

SCRIPT = """
import random
from collections import Counter
import torch, torch.nn as nn, torch.nn.functional as F
random.seed(0); torch.manual_seed(0)
topics = [[f"t{k}w{i}" for i in range(20)] for k in range(4)]
common = [f"c{i}" for i in range(40)]
docs, labels = [], []
for n in range(1200):
    k = n % 4
    docs.append(random.choices(topics[k], k=6) + random.choices(common, k=10)); labels.append(k)
counter = Counter(w for d in docs for w in d)
vocab = VOCAB
ids = [torch.tensor([vocab.get(w, 0) for w in d]) for d in docs]
y = torch.tensor(labels)
emb, fc = nn.EmbeddingBag(len(counter) + 1, 16, mode="mean"), nn.Linear(16, 4)
opt = torch.optim.Adam(list(emb.parameters()) + list(fc.parameters()), lr=1e-2)
for epoch in range(3):
    for i in range(0, 1200, 48):
        batch = ids[i:i + 48]
        offsets = torch.tensor([0] + [len(t) for t in batch[:-1]]).cumsum(0)
        loss = F.cross_entropy(fc(emb(torch.cat(batch), offsets)), y[i:i + 48])
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_every_id_the_unknown_one_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("VOCAB", "{w: i + 1 for i, w in enumerate(counter.most_common())}"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("data.missing_values", "input ids", 0), top
    assert top["evidence"]["id"] == 0 and top["evidence"]["batches"] >= 3, top


def test_words_as_keys_pass(diagnosed):
    _, report = diagnosed(SCRIPT.replace("VOCAB", "{w: i + 1 for i, (w, _) in enumerate(counter.most_common())}"))
    assert "data.missing_values" not in [f["id"] for f in report["findings"]], report["findings"]
