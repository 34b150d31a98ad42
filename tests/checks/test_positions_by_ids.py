"""A position table looked up with the token ids, ``self.pos(x)`` for ``self.pos(torch.arange(L))``: no error while
the vocabulary is no larger than the table, and the model has no position (probe Q f02: the loss stays at ln 4, 0.23
against 1.00 on a which-quarter task). Found from two embedding lookups of the same index tensor in the op graph;
positions from arange, positions passed in as a tensor of their own, and two token tables on the same ids pass."""
import pytest

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
V, L, N = 6, 12, 512
X = torch.randint(1, V, (N, L)); q = torch.randint(0, 4, (N,))
X[torch.arange(N), q * 3] = 0
y = q
WAY = sys.argv[1]

class Net(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.tok = nn.Embedding(V, d)
        if WAY == "two_tables":
            self.tok2 = nn.Embedding(V, d)
        else:
            self.pos = nn.Embedding(L, d)
        self.head = nn.Linear(d * L, 4)
    def forward(self, x, positions=None):
        if WAY == "ids":
            h = self.tok(x) + self.pos(x)
        elif WAY == "arange":
            h = self.tok(x) + self.pos(torch.arange(x.size(1)))
        elif WAY == "given":
            h = self.tok(x) + self.pos(positions)
        else:  # two token tables on the same ids (a second view of each token), no positions meant
            h = self.tok(x) * self.tok2(x)
        return self.head(h.flatten(1))

model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)
for epoch in range(2):
    for xb, yb in loader:
        pos = torch.arange(L).expand(len(xb), L).clone()
        loss = F.cross_entropy(model(xb, pos), yb)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.wrong_operator"]


def test_a_position_table_looked_up_with_the_token_ids_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "ids")
    found = _found(report)
    assert found and found[0]["title"].startswith("The position table pos (12 rows) is looked up with the same"), found
    assert (found[0]["location"], found[0]["step"], found[0]["severity"]) == ("pos", 0, "error")
    assert found[0]["evidence"]["token_table"] == "tok" and found[0]["evidence"]["ids_shape"] == [64, 12]


@pytest.mark.parametrize("way", ["arange", "given", "two_tables"])
def test_positions_of_their_own_pass(diagnosed, way):
    _, report = diagnosed(SCRIPT, way)
    assert not _found(report), (way, _found(report))
