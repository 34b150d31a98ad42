"""A factorisation model whose user and item embeddings are drawn with std 0.01, trained by Adagrad at lr 0.3:
each early step is as large as the tiny weight it changes (update/weight ratio 0.99 at the first), and the
weights grow 60x to their working size, where the steps are in the healthy band (probe K h07, a healthy run at
its target: weight.change_too_large was a false warning). A weight grown tenfold is judged from where it has
grown; the same model at lr 30 still changes its weights too much there."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
lr = float(sys.argv[1])
torch.manual_seed(0)
U, I, N = 300, 200, 20000
pu, pi = torch.randn(U, 4), torch.randn(I, 4)
u, i = torch.randint(0, U, (N,)), torch.randint(0, I, (N,))
y = ((pu[u] * pi[i]).sum(1) + 0.5 * torch.randn(N) > 0).float()
class MF(nn.Module):
    def __init__(self):
        super().__init__()
        self.u = nn.Embedding(U, 4, sparse=True)
        self.i = nn.Embedding(I, 4, sparse=True)
        nn.init.normal_(self.u.weight, std=0.01)
        nn.init.normal_(self.i.weight, std=0.01)
    def forward(self, u, i):
        return (self.u(u) * self.i(i)).sum(1)
model = MF()
opt = torch.optim.Adagrad(model.parameters(), lr=lr)
for epoch in range(3):
    for k in range(0, N, 256):
        opt.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(model(u[k:k + 256], i[k:k + 256]), y[k:k + 256]).backward()
        opt.step()
"""


@pytest.mark.parametrize("lr", ["0.3", "30"])
def test_weights_grown_from_a_small_init(diagnosed, lr):
    _, report = diagnosed(SCRIPT, lr)
    found = {f["id"]: f for f in report["findings"]}
    if lr == "0.3":
        assert "weight.change_too_large" not in found, found["weight.change_too_large"]
        return
    assert "weight.change_too_large" in found, [f["id"] for f in report["findings"]]
