"""Scripts that batch tensors by hand (X[i:i + 32]) and evaluate on a whole tensor had no sampled input batches,
so data.preprocess_mismatch said 'not checked'. The collector now samples a model's inputs where no DataLoader
gave them, with the role of the forward. Noise added in place to a slice of the training tensor accumulates
in the dataset (probe K f03: 0.10 against 0.99): named as training inputs that drift. Evaluation inputs left
unstandardised while training's are standardised: named as a mismatch. The same scripts done right pass."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits
how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X, dtype=torch.float32); y = torch.tensor(y)
X_train, y_train, X_val, y_val = X[:1400], y[:1400], X[1400:], y[1400:]
mu, sd = X_train.mean(0), X_train.std(0) + 1e-3
X_train = (X_train - mu) / sd
X_val = X_val if how == "raw_eval" else (X_val - mu) / sd
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
for epoch in range(25):
    model.train()
    perm = torch.randperm(1400)
    X_train, y_train = X_train[perm], y_train[perm]
    for i in range(0, 1400, 50):
        xb, yb = X_train[i:i + 50], y_train[i:i + 50]
        if how == "inplace":
            xb += 0.5 * torch.randn_like(xb)
        elif how in ("copy", "raw_eval"):
            xb = xb + 0.5 * torch.randn_like(xb)
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(X_val).argmax(1) == y_val).float().mean().item()
print("val acc", acc)
"""


@pytest.mark.parametrize("how", ["inplace", "raw_eval", "copy"])
def test_inputs_of_no_loader_are_compared(diagnosed, how):
    run_dir, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    check = next(c for c in report["checklist"] if c["id"] == "data.preprocess_mismatch")
    if how == "copy":
        assert "data.preprocess_mismatch" not in found, found["data.preprocess_mismatch"]
        assert check["status"] == "pass", check
        return
    f = found["data.preprocess_mismatch"]
    assert f["severity"] == "error", f
    if how == "inplace":
        assert f["location"] == "training inputs", f
        assert f["evidence"]["train_std_last_quarter"] > 2 * f["evidence"]["train_std_first_quarter"], f
    else:
        assert f["location"].startswith("input feature"), f
        assert f["evidence"]["median_mean_shift_in_train_std"] > 1, f["evidence"]
    assert report["findings"][0]["id"] == "data.preprocess_mismatch", [g["id"] for g in report["findings"]]
