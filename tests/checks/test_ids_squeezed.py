"""Category ids scaled before the cast to long: a MinMax-scaled store column truncated by ``.long()`` gives 0 for
every store but the last (probe S f04: val_loss 0.77 against 0.04, loss.not_converging only). The raw ids pass."""

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
rng = np.random.default_rng(0); torch.manual_seed(0)
N, S = 4000, 30
store = rng.integers(0, S, N); effect = rng.normal(0, 1, S)
x = rng.normal(size=(N, 3)).astype(np.float32)
y = (effect[store] + 0.3 * x[:, 0] + 0.1 * rng.normal(size=N)).astype(np.float32)
table = np.column_stack([store, x]).astype(np.float32)
scaled = (table - table.min(0)) / (table.max(0) - table.min(0))
ids = torch.tensor(scaled[:, 0] if sys.argv[1] == "scaled" else table[:, 0], dtype=torch.long)
feats, target = torch.tensor(scaled[:, 1:]), torch.tensor(y)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.store = nn.Embedding(S, 4)
        self.mlp = nn.Sequential(nn.Linear(7, 32), nn.ReLU(), nn.Linear(32, 1))
    def forward(self, i, f):
        return self.mlp(torch.cat([self.store(i), f], 1)).squeeze(1)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(4):
    perm = torch.randperm(3200)
    for k in range(0, 3200, 64):
        b = perm[k:k + 64]
        loss = nn.functional.mse_loss(model(ids[b], feats[b]), target[b])
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        print(f"epoch {epoch} val_loss {nn.functional.mse_loss(model(ids[3200:], feats[3200:]), target[3200:]).item():.4f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.wrong_operator" and "training ids are only" in f["title"]]


def test_ids_scaled_before_the_cast_are_found(diagnosed):
    _, report = diagnosed(SCRIPT, "scaled")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "graph.wrong_operator", report["findings"]
    assert found[0]["location"] == "store" and found[0]["evidence"]["train_id_range"] == [0, 1], found[0]


def test_raw_ids_pass(diagnosed):
    _, report = diagnosed(SCRIPT, "raw")
    assert not _found(report), _found(report)
