"""An early stopper written for a loss (``metric < best``) fed the validation accuracy (probe O f04): every
improvement counts as a bad epoch and training stops at epoch 5 of 40 with the validation loss still falling 15% an
epoch (0.89 against 0.96). hparam.epochs_too_few passed ("validation had flattened"): the last third of five
evaluations held 15% of the decrease, under its 25%. The same stopper given the validation loss is left alone; so
is a short run still falling where no target is missed (the suite's healthy runs)."""
import re

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
Xtr, ytr, Xva, yva = X[:1300], y[:1300], X[1300:], y[1300:]
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
opt = torch.optim.Adam(model.parameters(), lr=4e-3)
best, bad = float("inf"), 0
for epoch in range(40):
    perm = torch.randperm(len(Xtr))
    for i in range(0, len(Xtr), 64):
        idx = perm[i:i + 64]
        loss = F.cross_entropy(model(Xtr[idx]), ytr[idx])
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        out = model(Xva)
        val_loss = F.cross_entropy(out, yva).item()
        val_acc = (out.argmax(1) == yva).float().mean().item()
    metric = METRIC
    if metric < best - 1e-4:
        best, bad = metric, 0
    else:
        bad += 1
    if bad >= 4:
        break
"""


def test_stopper_fed_the_accuracy_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("METRIC", "val_acc"), target={"val_acc": 0.95})
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("hparam.epochs_too_few", "epochs"), top
    assert "Training stopped after" in top["title"] and re.search(r"\(down 1\d% at the last evaluation\)",
                                                                  top["title"]), top
    assert "check its direction" in top["advice"], top


def test_stopper_fed_the_loss_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("METRIC", "val_loss"), target={"val_acc": 0.95})
    assert "hparam.epochs_too_few" not in [f["id"] for f in report["findings"]], report["findings"]


def test_a_short_run_still_falling_with_no_target_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("METRIC", "val_acc"))
    assert "hparam.epochs_too_few" not in [f["id"] for f in report["findings"] if f["severity"] != "info"], \
        report["findings"]
