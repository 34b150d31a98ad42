"""Layers the model uses but does not hold: hidden layers kept in a plain Python list (``[nn.Linear(...) ...]`` for
``nn.ModuleList``), or a tensor made with requires_grad=True for an ``nn.Parameter``. model.parameters() misses
them, no optimizer updates them, and they stay at their random init (probe R f03: 0.55 against 1.00 on a spiral;
nothing was found). A ModuleList, an nn.Parameter, and a trainable tensor of the model's own optimizer (a learned
temperature kept outside the model) pass."""
import pytest

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
t = torch.rand(1200) * 8
arm = torch.randint(0, 3, (1200,))
X = torch.stack([t * torch.cos(t + 2.1 * arm), t * torch.sin(t + 2.1 * arm)], 1) / 8
y = arm
WAY = sys.argv[1]
tau = torch.ones(1, requires_grad=True)

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        layers = [nn.Linear(2, 32), nn.Linear(32, 32)]
        self.hidden = layers if WAY == "list" else nn.ModuleList(layers)
        if WAY == "tensor":
            self.scale = torch.ones(32, requires_grad=True)
        else:
            self.scale = nn.Parameter(torch.ones(32))
        self.head = nn.Linear(32, 3)
    def forward(self, x):
        for layer in self.hidden:
            x = F.relu(layer(x)) * self.scale
        out = self.head(x)
        return out / tau if WAY == "temperature" else out

model = MLP()
extra = [tau] if WAY == "temperature" else []
opt = torch.optim.Adam(list(model.parameters()) + extra, lr=1e-2)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)
for epoch in range(3):
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def _unregistered(report):
    return [f for f in report["findings"] if f["id"] == "graph.frozen_weights" and "not its parameters" in f["title"]]


@pytest.mark.parametrize("way, n", [("list", 4), ("tensor", 1)])
def test_layers_the_model_does_not_hold_are_found(diagnosed, way, n):
    _, report = diagnosed(SCRIPT, way)
    found = _unregistered(report)
    assert found and found[0]["severity"] == "error" and found[0]["location"] == "MLP", (way, found)
    assert found[0]["evidence"]["unregistered_tensors"] == n, found[0]["evidence"]
    assert report["findings"][0]["id"] == "graph.frozen_weights"


@pytest.mark.parametrize("way", ["modulelist", "temperature"])
def test_registered_layers_and_an_optimizers_own_tensor_pass(diagnosed, way):
    _, report = diagnosed(SCRIPT, way)
    assert not _unregistered(report), (way, _unregistered(report))
