"""hparam.epochs_too_few/_too_many say how long the training was in the unit the script used: epochs of its
training DataLoader, or steps when it slices its batches from tensors (it said "1 epoch(s)" whatever it did)."""
from __future__ import annotations

from ..conftest import doctor_json

STOPPED_EARLY = """
import torch
from torch import nn
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
torch.manual_seed(47)
X, y = load_digits(return_X_y=True)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32); y = torch.tensor(y)
X_tr, y_tr, X_val, y_val = X[:1400], y[:1400], X[1400:], y[1400:]
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
crit = nn.CrossEntropyLoss()
for i in range(60):  # 60 steps of 32, sliced from the tensors: no DataLoader
    j = (i * 32) % 1400
    model.train(); opt.zero_grad(); crit(model(X_tr[j:j + 32]), y_tr[j:j + 32]).backward(); opt.step()
    if i % 5 == 4:
        model.eval()
        with torch.no_grad():
            crit(model(X_val), y_val)
"""


def test_epochs_too_few_without_a_dataloader_speaks_in_steps(run_script):
    proc, run_dir = run_script(STOPPED_EARLY)
    assert proc.returncode == 0, proc.stderr
    report = doctor_json(run_dir)
    f = next((f for f in report["findings"] if f["id"] == "hparam.epochs_too_few"), None)
    assert f is not None, [(f["id"], f["title"]) for f in report["findings"]]
    assert "after 60 steps" in f["title"] and "epoch" not in f["title"], f["title"]
    assert "at least 120 steps" in f["advice"] and f["evidence"]["epochs"] is None


NLL_ON_LOGITS = """
import torch
from torch import nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for epoch in range(6):
    for i in range(0, 1400, 50):
        opt.zero_grad(); nn.functional.nll_loss(model(X[i:i + 50]), y[i:i + 50]).backward(); opt.step()
    with torch.no_grad():
        nn.functional.nll_loss(model(X[1400:]), y[1400:])  # raw logits: the loss runs to minus infinity
"""


def test_a_negative_validation_loss_is_not_still_improving(diagnosed):
    # nll_loss on raw logits falls without bound; the report said "validation still improved at the end"
    _, report = diagnosed(NLL_ON_LOGITS)
    few = {c["id"]: c for c in report["checklist"]}["hparam.epochs_too_few"]
    assert few["status"] == "pass" and "went negative" in few["note"], few
    assert "hparam.epochs_too_few" not in [f["id"] for f in report["findings"]]
    assert report["findings"][0]["id"] == "graph.loss_function"
