"""Training and validation evaluated on whole tensors in one no_grad block, named Xt/yt and Xv/yv (probe H f08): the
two MSEs were pooled into one evaluation of 4000 rows (val MSE 0.24 and R² 0.75, where the script printed 0.51),
and Xv/yv marked no split at all, so a hand-counted accuracy was not seen."""
import numpy as np

from traindoctor.record import open_run

REGRESSION = """
import torch, torch.nn as nn
from sklearn.datasets import make_regression
X, y = make_regression(n_samples=1000, n_features=10, noise=60.0, random_state=3)
X = torch.tensor(X, dtype=torch.float32); y = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32)
Xt, yt, Xv, yv = X[:800], y[:800], X[800:], y[800:]
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 256), nn.ReLU(), nn.Linear(256, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(30):
    for i in range(0, 800, 100):
        loss = nn.functional.mse_loss(model(Xt[i:i + 100]).squeeze(-1), yt[i:i + 100])
        opt.zero_grad(); loss.backward(); opt.step()
with torch.no_grad():
    tr = nn.functional.mse_loss(model(Xt).squeeze(-1), yt).item()
    va = nn.functional.mse_loss(model(Xv).squeeze(-1), yv).item()
print(f"MSE {tr} {va}")
"""

CLASSIFIER = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
Xt, yt, Xv, yv = X[:1200], y[:1200], X[1200:], y[1200:]
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for i in range(0, 1200, 50):
        loss = nn.functional.cross_entropy(model(Xt[i:i + 50]), yt[i:i + 50])
        opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        acc = (model(Xv).argmax(1) == yv).float().mean().item()
print("ACC", acc)
"""


def test_training_and_validation_tensors_are_evaluated_apart(run_script):
    proc, run_dir = run_script(REGRESSION)
    assert proc.returncode == 0, proc.stderr
    tr, va = (float(x) for x in proc.stdout.split("MSE ")[1].split())
    run = open_run(str(run_dir))
    assert [(e["role"], e["n"]) for e in run.events("eval")] == [("train_eval", 800), ("eval", 200)]
    assert np.isclose(run.scalar("eval/loss").value[-1], va, rtol=1e-4), (run.scalar("eval/loss").value, va)
    assert np.isclose(run.scalar("train_eval/loss").value[-1], tr, rtol=1e-4)
    assert va > 1.5 * tr  # the two differ: pooled, they read as one number between them


def test_xv_and_yv_name_a_validation_split(run_script):
    proc, run_dir = run_script(CLASSIFIER)
    assert proc.returncode == 0, proc.stderr
    acc = float(proc.stdout.split("ACC ")[1])
    run = open_run(str(run_dir))
    vals = run.scalar("eval/acc").value
    assert len(vals) == 3 and np.isclose(vals[-1], acc, atol=1e-6), (vals, acc)
