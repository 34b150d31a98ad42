"""TripletMarginLoss called as crit(anchor, negative, positive) (probe P f02): anchors are pulled to other classes,
the loss stays at its margin, 1-NN accuracy 0.67 against 0.97; nothing was found. The call in the loss's order is
left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
torch.manual_seed(0)
by_class = [torch.nonzero(y == c).flatten() for c in range(10)]
def triplets(idx):
    p = torch.stack([by_class[int(y[i])][torch.randint(len(by_class[int(y[i])]), (1,))][0] for i in idx])
    n = torch.randint(len(y), (len(idx),))
    n = torch.where(y[n] == y[idx], (n + 97) % len(y), n)
    return idx, p, n
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 16))
crit = nn.TripletMarginLoss(margin=0.3)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for idx in torch.randperm(len(y)).split(64):
        a, p, n = triplets(idx)
        ea, ep, en = (F.normalize(model(X[k]), dim=1) for k in (a, p, n))
        loss = crit(CALL)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_swapped_positive_and_negative_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("CALL", "ea, en, ep"))
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("graph.loss_function", "triplet_margin_loss"), top
    assert top["evidence"]["d_anchor_positive"] > top["evidence"]["d_anchor_negative"], top


def test_call_in_order_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("CALL", "ea, ep, en"))
    assert "graph.loss_function" not in [f["id"] for f in report["findings"]], report["findings"]
