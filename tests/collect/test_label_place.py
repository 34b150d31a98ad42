"""A batch of three or more elements: the labels are the element the loss is given, not always the second.

Probe K f11: an EmbeddingBag text classifier whose loader yields ``(ids, offsets, y)``. The collector read the
offsets (0, 16, 18, ...) as labels: 912 "classes", and three false errors (data.not_shuffled, data.too_few_samples
"7 per class", data.class_imbalance). K h07, ``(ids, user, item, y)``: a false imbalance from the user ids.
A dataset returning ``(x, y, index)`` keeps its labels in the second place."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

how = sys.argv[1]
torch.manual_seed(0)
g = torch.Generator().manual_seed(0)
docs = [torch.randint(2, 50, (int(torch.randint(5, 20, (1,), generator=g)),), generator=g) for _ in range(800)]
labels = [int((d == 7).any()) for d in docs]


class Docs(Dataset):
    def __len__(self):
        return len(docs)

    def __getitem__(self, i):
        return docs[i], labels[i], i


def bag(batch):
    ids = torch.cat([d for d, _, _ in batch])
    offsets = torch.tensor([0] + [len(d) for d, _, _ in batch[:-1]]).cumsum(0)
    y = torch.tensor([l for _, l, _ in batch])
    idx = torch.tensor([i for _, _, i in batch])
    return (ids, offsets, y) if how == "offsets" else (ids, y, idx, offsets)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(50, 16)
        self.fc = nn.Linear(16, 2)

    def forward(self, ids, offsets):
        return self.fc(self.emb(ids, offsets))


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=0.02)
loader = DataLoader(Docs(), batch_size=32, shuffle=True, collate_fn=bag)
for epoch in range(4):
    for batch in loader:
        if how == "offsets":
            ids, offsets, y = batch
        else:
            ids, y, idx, offsets = batch
        loss = nn.functional.cross_entropy(model(ids, offsets), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["offsets", "index_third"])
def test_labels_are_the_loss_target(diagnosed, how):
    run_dir, report = diagnosed(SCRIPT, how)
    from traindoctor.record import open_run

    seen = set()
    for ev in open_run(str(run_dir)).events("batch"):
        seen |= set((ev.get("y") or {}).get("counts", {}))
    assert seen == {"0", "1"}, seen
    bad = {"data.too_few_samples", "data.class_imbalance", "data.not_shuffled"}
    found = [(f["id"], f["title"]) for f in report["findings"] if f["id"] in bad and f["severity"] != "info"]
    assert not found, found
