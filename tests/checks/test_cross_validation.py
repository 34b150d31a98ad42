"""Cross-validation: a fresh model and optimizer per fold, trained one after the other in one script. The
next fold's model, first run after the last backward of the previous fold, was counted as not reaching the
loss in that step, and the previous fold's model, no longer trained, in the steps after:
graph.node_connection said 'Sequential2.0 is not connected to the loss'. fit.overfitting compared fold 1's
validation loss with fold 4's, stitched into one series. Each fold is a phase (another optimizer took over),
and the checks read the last one's. A loss computed before training and before any model ran (a naive
forecast's MSE printed as a baseline) is no evaluation of the model."""
from __future__ import annotations

from traindoctor import open_run

KFOLD = """
import torch, torch.nn as nn, numpy as np
from sklearn.datasets import load_wine
from sklearn.model_selection import StratifiedKFold
torch.manual_seed(0)
X, y = load_wine(return_X_y=True)
for fold, (tr, va) in enumerate(StratifiedKFold(4, shuffle=True, random_state=0).split(X, y)):
    mu, sd = X[tr].mean(0), X[tr].std(0)
    Xtr = torch.tensor((X[tr] - mu) / sd, dtype=torch.float32); Xva = torch.tensor((X[va] - mu) / sd, dtype=torch.float32)
    ytr, yva = torch.tensor(y[tr]), torch.tensor(y[va])
    model = nn.Sequential(nn.Linear(13, 32), nn.Tanh(), nn.Linear(32, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for ep in range(20):
        model.train()
        perm = torch.randperm(len(Xtr))
        for i in range(0, len(Xtr), 32):
            b = perm[i:i + 32]
            opt.zero_grad(); nn.functional.cross_entropy(model(Xtr[b]), ytr[b]).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        nn.functional.cross_entropy(model(Xva), yva)
"""

BASELINE_FIRST = """
import torch, torch.nn as nn
torch.manual_seed(0)
t = torch.arange(0, 1200, dtype=torch.float32)
series = torch.sin(0.05 * t) + 0.05 * torch.randn_like(t)
Xs = torch.stack([series[i:i + 20] for i in range(len(series) - 20)])
Ys = series[20:].unsqueeze(-1)
Xtr, Ytr, Xva, Yva = Xs[:900], Ys[:900], Xs[900:], Ys[900:]
mse = nn.MSELoss()
print("naive last-value MSE", mse(Xva[:, -1:], Yva).item())  # a reference, not the model
model = nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for ep in range(3):
    for i in range(0, 900, 30):
        opt.zero_grad(); mse(model(Xtr[i:i + 30]), Ytr[i:i + 30]).backward(); opt.step()
    with torch.no_grad():
        mse(model(Xva), Yva)
"""


def _alarms(report):
    return [(f["id"], f["title"]) for f in report["findings"] if f["severity"] in ("warning", "error")]


def test_folds_trained_in_sequence_get_no_alarm(diagnosed):
    run_dir, report = diagnosed(KFOLD)
    assert len(open_run(run_dir).events("phase")) == 3
    assert _alarms(report) == [], _alarms(report)
    status = {c["id"]: c["status"] for c in report["checklist"]}
    assert status["graph.node_connection"] == "pass"


def test_a_baseline_loss_before_training_is_no_evaluation(diagnosed):
    run_dir, report = diagnosed(BASELINE_FIRST)
    assert len(open_run(run_dir).scalar("eval/loss")) == 3
    assert "fit.overfitting" not in {f["id"] for f in report["findings"]}
