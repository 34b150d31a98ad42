"""Attention scores kept (B, L, 1) and softmaxed over dim -1, a dimension of size 1 (probe O f01): every weight
is 1, the query and key projections get no gradient, 0.45 against 1.00; weight.not_updating was all that was
found. The softmax over the slots (dim 1), and a MultiheadAttention over a memory of one key, are left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(1)
NK, NV, L, D = 12, 5, 6, 16
def make(n):
    keys = torch.stack([torch.randperm(NK)[:L] for _ in range(n)])
    vals = torch.randint(0, NV, (n, L))
    pick = torch.randint(0, L, (n,))
    return keys, vals, keys[torch.arange(n), pick], vals[torch.arange(n), pick]
K, V, Q, y = make(2048)

class Reader(nn.Module):
    def __init__(self):
        super().__init__()
        self.kemb, self.vemb = nn.Embedding(NK, D), nn.Embedding(NV, D)
        self.wq, self.wk = nn.Linear(D, D), nn.Linear(D, D)
        self.mem = nn.MultiheadAttention(D, 2, batch_first=True)
        self.out = nn.Linear(D, NV)
    def forward(self, k, v, q):
        qh = self.wq(self.kemb(q)).unsqueeze(1)
        scores = (self.wk(self.kemb(k)) * qh).sum(-1, keepdim=True) / D ** 0.5
        attn = torch.softmax(scores, dim=DIM)
        read = (attn * self.vemb(v)).sum(1)
        read = read + self.mem(read[:, None], qh, qh)[0][:, 0]   # one key: a memory of one vector
        return self.out(read)

model = Reader()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, 2048, 64):
        loss = F.cross_entropy(model(K[i:i + 64], V[i:i + 64], Q[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_softmax_over_a_size_one_dim_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("DIM", "-1"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.wrong_operator", "Reader", 0), top
    assert "runs over dim -1 of (64, 6, 1), a dimension of size 1" in top["title"], top


def test_softmax_over_the_slots_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("DIM", "1"))
    assert "graph.wrong_operator" not in [f["id"] for f in report["findings"]], report["findings"]
