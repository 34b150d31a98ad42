"""Two models trained side by side on the same batches, each with its own optimizer (probe R h01: an MLP with Adam
and a CNN with SGD, evaluated on their averaged probabilities). The last recorded step ran only the second model's
backward, so the first model's gradients were missing there, in one event that was both the first and the last:
graph.node_connection called the MLP "not connected to the loss". A model whose gradients were recorded at other
steps is connected; a layer that never gets one is still found."""
import pytest

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
mlp = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
cnn = nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten(),
                    nn.Linear(8 * 64, 10))
side = nn.Linear(64, 10)  # in the MLP's optimizer, used by nobody when sys.argv[1] == "unused"
extra = [] if sys.argv[1] == "plain" else list(side.parameters())
opt_mlp = torch.optim.Adam(list(mlp.parameters()) + extra, lr=1e-3)
opt_cnn = torch.optim.SGD(cnn.parameters(), lr=0.03, momentum=0.9)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)
for epoch in range(3):
    for xb, yb in loader:
        out = mlp(xb) if sys.argv[1] in ("unused", "plain") else mlp(xb) + 0 * side(xb).detach()
        loss_mlp = F.cross_entropy(out, yb)
        opt_mlp.zero_grad(); loss_mlp.backward(); opt_mlp.step()
        loss_cnn = F.cross_entropy(cnn(xb), yb)
        opt_cnn.zero_grad(); loss_cnn.backward(); opt_cnn.step()
"""


def _connection(report):
    return [f for f in report["findings"] if f["id"] == "graph.node_connection"]


def test_two_models_trained_side_by_side_are_connected(diagnosed):
    _, report = diagnosed(SCRIPT, "plain")
    assert not _connection(report), _connection(report)
    _, report = diagnosed(SCRIPT, "detached")
    found = _connection(report)
    # the side layer is named by its class where it ran, by its optimizer's slot where it never did
    assert [f["location"] for f in found] == ["Linear"], found
    assert found[0]["evidence"]["params_without_gradient"] == ["bias", "weight"], found


@pytest.mark.parametrize("way", ["unused", "detached"])
def test_a_layer_that_never_gets_a_gradient_is_still_found(diagnosed, way):
    _, report = diagnosed(SCRIPT, way)
    found = _connection(report)
    assert found and found[0]["location"] == {"unused": "opt0", "detached": "Linear"}[way], (way, found)
    assert not [p for p in found[0]["evidence"]["params_without_gradient"] if p[0].isdigit()], found
