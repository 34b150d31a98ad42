"""A loss that training minimises by moving away from the right class: a focal loss written ``pt ** gamma`` for
``(1 - pt) ** gamma`` (probe Q f01: the loss falls to 2e-7, the validation accuracy is 0.000 from the first epoch,
and loss.zero alone said the model memorised). The evaluation accuracy sits far below what predictions that ignore
the labels would score. The right focal loss passes, and so do labels permuted between training and validation
(each row one dominant column: the label checks' case)."""
import pytest

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
Xtr, ytr, Xva, yva = X[:1300], y[:1300], X[1300:], y[1300:]
WAY = sys.argv[1]
if WAY == "permuted":
    yva = (yva + 1) % 10

def focal(logits, target, gamma=2.0):
    logpt = F.log_softmax(logits, 1).gather(1, target[:, None]).squeeze(1)
    pt = logpt.exp()
    w = pt ** gamma if WAY == "inverted" else (1 - pt) ** gamma
    return (-w * logpt).mean()

model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)
for epoch in range(6):
    model.train()
    for xb, yb in loader:
        loss = focal(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(Xva).argmax(1) == yva).float().mean().item()
    print("val_acc", acc)
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.loss_function"]


def test_a_loss_that_rewards_wrong_answers_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "inverted")
    found = _found(report)
    assert found and found[0]["title"].startswith("Training drives the predictions away from the right class"), found
    assert report["findings"][0]["id"] == "graph.loss_function"
    ev = found[0]["evidence"]
    assert max(ev["eval_accuracy"]) < 0.25 * min(ev["independent_predictions_accuracy"]), ev
    assert found[0]["location"] == "loss" and found[0]["step"] <= ev["eval_steps"][0] and ev["evaluations_below"] >= 5


@pytest.mark.parametrize("way", ["right", "permuted"])
def test_a_right_loss_and_permuted_labels_pass(diagnosed, way):
    _, report = diagnosed(SCRIPT, way)
    assert not [f for f in _found(report) if f["title"].startswith("Training drives")], (way, _found(report))
