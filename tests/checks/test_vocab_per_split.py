"""An evaluation dataset that builds its own vocabulary: ReviewDataset(val) counts its own words, so the same
word gets another id and the model reads other words' embeddings (probe K f11: 0.54 against 1.00; the labels
were blamed). The collector samples each dataset's string-to-id tables; data.preprocess_mismatch compares
training's with evaluation's. A vocabulary passed from training, or two tables built alike (sorted words: the
same ids), pass."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import random
from collections import Counter
import torch
from torch import nn
how = sys.argv[1]
random.seed(0); torch.manual_seed(0)
WORDS = [f"w{i:03d}" for i in range(200)]
def review():
    label = random.random() < 0.5
    words = random.choices(WORDS[:20] if label else WORDS[20:40], k=3) + random.choices(WORDS[40:], k=12)
    random.shuffle(words)
    return " ".join(words), int(label)
train, val = [review() for _ in range(3000)], [review() for _ in range(800)]
class Reviews(torch.utils.data.Dataset):
    def __init__(self, pairs, vocab=None):
        self.texts, self.labels = zip(*pairs)
        if vocab is None:
            counts = Counter(w for t in self.texts for w in t.split())
            words = sorted(counts) if how == "sorted" else [w for w, _ in counts.most_common()]
            vocab = {w: i + 1 for i, w in enumerate(words)}
        self.vocab = vocab
    def __len__(self):
        return len(self.texts)
    def __getitem__(self, i):
        return torch.tensor([self.vocab.get(w, 0) for w in self.texts[i].split()]), self.labels[i]
train_ds = Reviews(train)
val_ds = Reviews(val, vocab=train_ds.vocab if how == "shared" else None)
def collate(batch):
    return torch.stack([b[0] for b in batch]), torch.tensor([b[1] for b in batch])
train_loader = torch.utils.data.DataLoader(train_ds, batch_size=64, shuffle=True, collate_fn=collate)
val_loader = torch.utils.data.DataLoader(val_ds, batch_size=200, collate_fn=collate)
model = nn.Sequential(nn.EmbeddingBag(len(WORDS) + 1, 16), nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(3):
    model.train()
    for x, y in train_loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for x, y in val_loader:
            nn.functional.cross_entropy(model(x), y)
"""


@pytest.mark.parametrize("how", ["own", "shared", "sorted"])
def test_a_vocabulary_built_per_split(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "own":
        assert "data.preprocess_mismatch" not in found, found["data.preprocess_mismatch"]
        return
    f = found["data.preprocess_mismatch"]
    assert (f["severity"], f["location"]) == ("error", "Reviews.vocab"), f
    assert f["evidence"]["keys_mapped_apart"] >= 0.2 * f["evidence"]["keys_compared"] >= 2, f["evidence"]
    assert report["findings"][0]["id"] == "data.preprocess_mismatch", [g["id"] for g in report["findings"]]
