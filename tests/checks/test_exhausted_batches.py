"""A generator of batches made once, outside the epoch loop (probe J f13): the first epoch consumes it, and the
script goes on evaluating 15 times with nothing trained between. The collector pooled the 15 evaluations into one
of 9000 rows, and the report said only that the loss does not converge."""
import numpy as np

from traindoctor.record import open_run

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
Xtr, ytr, Xval, yval = X[:1000], y[:1000], X[1000:], y[1000:]

def batches(X, y, n=50):
    idx = torch.randperm(len(X))
    for i in range(0, len(X), n):
        yield X[idx[i:i + n]], y[idx[i:i + n]]

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
train_batches = batches(Xtr, ytr)
for epoch in range(8):
    for xb, yb in BATCHES:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    with torch.no_grad():
        out = model(Xval)
        acc = (out.argmax(1) == yval).float().mean().item()
        nn.functional.cross_entropy(out, yval)
"""


def test_training_that_ran_out_of_batches_is_found(diagnosed):
    run_dir, report = diagnosed(SCRIPT.replace("BATCHES", "train_batches"))
    run = open_run(run_dir)
    assert [(e["role"], e["n"]) for e in run.events("eval")] == [("eval", 797)] * 8
    top = report["findings"][0]
    assert (top["id"], top["step"]) == ("hparam.epochs_too_few", 19), top
    assert top["title"].startswith("Training stopped at step 19, and the script went on to evaluate 7 more times")


def test_batches_made_each_epoch_are_evaluated_apart(diagnosed):
    run_dir, report = diagnosed(SCRIPT.replace("BATCHES", "batches(Xtr, ytr)"))
    acc = open_run(run_dir).scalar("eval/acc").value
    assert len(acc) == 8 and np.all(np.diff(acc[:4]) > 0), acc
    assert not [f for f in report["findings"] if f["id"] == "hparam.epochs_too_few" and f["severity"] == "error"]
