"""A truncated loss clamped below the untrained model's loss, ``per_sample.clamp(max=2.0)`` with ln 10 = 2.30 at the
start (probe R f04): every sample sits beyond the bound, the clamp passes no gradient, nothing trains, and the loss is
2.0000 at every step (only weight.not_updating was found). A bound above the start, and a hinge loss that clamps at
zero, pass."""
import pytest

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)
WAY = sys.argv[1]
for epoch in range(2):
    for xb, yb in loader:
        out = model(xb)
        if WAY == "hinge":
            loss = F.multi_margin_loss(out, yb) + (1 - out.gather(1, yb[:, None])).clamp(min=0).mean()
        else:
            loss = F.cross_entropy(out, yb, reduction="none").clamp(max=2.0 if WAY == "low" else 4.0).mean()
        opt.zero_grad(); loss.backward(); opt.step()
"""


def _clamped(report):
    return [f for f in report["findings"] if f["id"] == "graph.loss_function" and "clamped" in f["title"]]


def test_a_loss_clamped_for_every_sample_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "low")
    found = _clamped(report)
    assert found and report["findings"][0]["id"] == "graph.loss_function", report["findings"]
    assert found[0]["evidence"]["loss_value"] == 2.0 and found[0]["evidence"]["steps"] >= 50
    assert found[0]["severity"] == "error" and found[0]["location"] == "loss"


@pytest.mark.parametrize("way", ["high", "hinge"])
def test_a_bound_above_the_start_and_a_hinge_pass(diagnosed, way):
    _, report = diagnosed(SCRIPT, way)
    assert not _clamped(report), (way, _clamped(report))
