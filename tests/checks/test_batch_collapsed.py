"""A per-sample dot product reduced over the whole batch, ``(pu * qi).sum()`` for ``.sum(1)``, then added to each
rating's biases: one number for the batch, only the biases learn (probe T f01: val_loss 19 against 0.16,
hparam.lr_too_large led). The per-sample sum passes, and so does a model that centres its input by the batch mean
(``x - x.mean()``)."""
import pytest

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
rng = np.random.default_rng(0); torch.manual_seed(0)
U, I, N = 200, 150, 12000
P, Q = rng.normal(size=(U, 3)), rng.normal(size=(I, 3))
u, i = rng.integers(0, U, N), rng.integers(0, I, N)
r = (P[u] * Q[i]).sum(1) + 0.1 * rng.normal(size=N)
u, i, r = torch.tensor(u), torch.tensor(i), torch.tensor(r, dtype=torch.float32)
class MF(nn.Module):
    def __init__(self):
        super().__init__()
        self.pu, self.qi, self.bu = nn.Embedding(U, 8), nn.Embedding(I, 8), nn.Embedding(U, 1)
    def forward(self, a, b):
        x = self.pu(a) * self.qi(b)
        if sys.argv[1] == "centred":
            x = x - x.mean()
        dot = x.sum() if sys.argv[1] == "whole" else x.sum(1)
        return dot + self.bu(a).squeeze(1)
model = MF()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(4):
    perm = torch.randperm(10000)
    for k in range(0, 10000, 200):
        b = perm[k:k + 200]
        loss = nn.functional.mse_loss(model(u[b], i[b]), r[b])
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        print(f"epoch {epoch} val_loss {nn.functional.mse_loss(model(u[10000:], i[10000:]), r[10000:]).item():.4f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.wrong_operator" and "whole batch" in f["title"]]


def test_a_sum_over_the_whole_batch_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "whole")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "graph.wrong_operator", report["findings"]
    ev = found[0]["evidence"]
    assert ev["input_shape"] == [200, 8] and ev["batch"] == 200 and ev["combined_with_shape"] == [200], ev


@pytest.mark.parametrize("way", ["rows", "centred"])
def test_per_sample_sums_and_centring_pass(diagnosed, way):
    _, report = diagnosed(SCRIPT, way)
    assert not _found(report), _found(report)
