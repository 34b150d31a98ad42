"""pack_padded_sequence given lengths sorted in the forward while the batch is not reordered with them (probe J
f10): every sequence is packed with another row's length, and a GRU reaches 0.63 where it reaches 1.00 with the
batch reordered. grad.exploding was all that was found."""

SCRIPT = """
import torch, torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence
torch.manual_seed(0)
N, L, V = 1200, 20, 12
lengths = torch.randint(3, L + 1, (N,))
x = torch.randint(1, V, (N, L)) * (torch.arange(L)[None] < lengths[:, None])  # 0 is padding
y = (x[torch.arange(N), lengths - 1] > V // 2).long()  # the last real token decides

class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 16, padding_idx=0)
        self.gru = nn.GRU(16, 32, batch_first=True)
        self.head = nn.Linear(32, 2)
    def forward(self, x, lengths):
        PACK
        _, h = self.gru(packed)
        return self.head(h[-1])

model = GRUClassifier()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, N, 64):
        xb, lb, yb = x[i:i + 64], lengths[i:i + 64], y[i:i + 64]
        out = model(xb, lb)
        loss = nn.functional.cross_entropy(out, yb)
        opt.zero_grad(); loss.backward(); opt.step()
"""

APART = """lengths, order = lengths.sort(descending=True)
        packed = pack_padded_sequence(self.emb(x), lengths, batch_first=True)"""
UNSORTED = "packed = pack_padded_sequence(self.emb(x), lengths, batch_first=True, enforce_sorted=False)"


def test_lengths_sorted_apart_from_the_batch_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("PACK", APART))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.wrong_operator", "GRUClassifier", 0), top
    assert "sorts the lengths it gives pack_padded_sequence but not the batch" in top["title"], top


def test_enforce_sorted_false_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("PACK", UNSORTED))
    assert not [f for f in report["findings"] if f["id"] == "graph.wrong_operator"], report["findings"]
