"""The loss function given the model's output detached (``logits = model(xb).detach()`` kept for logging, and the
loss built from it plus an L2 penalty): backward reaches the weights through the penalty only, and the model
stays at chance. Each such call was filed as an evaluation (an eval/acc point per training step) and no check
named the cause."""
from __future__ import annotations

import pytest

from traindoctor import open_run

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
loader = DataLoader(TensorDataset(X[:1400], y[:1400]), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
crit = nn.CrossEntropyLoss()
for epoch in range(3):
    model.train()
    for xb, yb in loader:
        out = model(xb)
        l2 = sum(p.pow(2).sum() for p in model.parameters())
        if how == "detached":
            loss = crit(out.detach(), yb) + 1e-4 * l2
        else:  # the loss on the output itself, and a detached copy's loss for the log
            loss = crit(out, yb) + 1e-4 * l2
            logged = crit(out.detach(), yb).item()
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        crit(model(X[1400:]), y[1400:])
"""


def test_a_loss_on_the_detached_output_is_found(diagnosed):
    run_dir, report = diagnosed(SCRIPT, "detached")
    top = report["findings"][0]
    assert top["id"] == "graph.node_connection" and top["location"] == "loss", \
        [(f["id"], f["title"]) for f in report["findings"]]
    assert "cross_entropy is given a detached output" in top["title"]
    assert len(open_run(run_dir).scalar("eval/acc")) == 3  # the three evaluations, no training step among them


@pytest.mark.parametrize("how", ["logged"])
def test_a_detached_copy_for_the_log_is_no_finding(diagnosed, how):
    run_dir, report = diagnosed(SCRIPT, how)
    assert "graph.node_connection" not in [f["id"] for f in report["findings"]], report["findings"]
    assert len(open_run(run_dir).scalar("eval/acc")) == 3
