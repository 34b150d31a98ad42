"""An autoencoder pretrained on digits, then a classifier trained on its frozen encoder with a new optimizer.

- Healthy (probe M h01): the reconstruction MSE (0.04) followed by the classifier's cross-entropy (2.3 at its
  start) is no loss that "grew 30x": hparam.lr_too_large and loss.blowup judge the last phase's losses.
- ``classifier.apply(init_weights)`` where ``head.apply`` was meant (probe M f11): the pretrained encoder is reset,
  then frozen; graph.frozen_weights names it, trained, re-initialised and never updated again.
"""
from __future__ import annotations

import pytest

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
Xtr, ytr, Xva, yva = X[:1400], y[:1400], X[1400:], y[1400:]
def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)
encoder = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 16))
decoder = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 64), nn.Sigmoid())
autoencoder = nn.Sequential(encoder, decoder)
autoencoder.apply(init_weights)
opt = torch.optim.Adam(autoencoder.parameters(), lr=2e-3)
for epoch in range(12):
    for (xb,) in DataLoader(TensorDataset(Xtr), batch_size=64, shuffle=True):
        opt.zero_grad(); nn.functional.mse_loss(autoencoder(xb), xb).backward(); opt.step()
head = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 10))
classifier = nn.Sequential(encoder, head)
(classifier if how == "reset_encoder" else head).apply(init_weights)
for p in encoder.parameters():
    p.requires_grad_(False)
optimizer = torch.optim.Adam(head.parameters(), lr=5e-3)
for epoch in range(12):
    classifier.train()
    for xb, yb in DataLoader(TensorDataset(Xtr, ytr), batch_size=64, shuffle=True):
        optimizer.zero_grad(); nn.functional.cross_entropy(classifier(xb), yb).backward(); optimizer.step()
    classifier.eval()
    with torch.no_grad():
        out = classifier(Xva)
        print(f"epoch {epoch} val_loss {nn.functional.cross_entropy(out, yva).item():.4f} "
              f"val_acc {(out.argmax(1) == yva).float().mean().item():.3f}")
"""


@pytest.mark.parametrize("how", ["head_only", "reset_encoder"])
def test_two_stages(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    for noisy in ("hparam.lr_too_large", "loss.blowup"):
        assert noisy not in found or found[noisy]["severity"] == "info", found[noisy]
    if how == "head_only":
        assert "graph.frozen_weights" not in found or found["graph.frozen_weights"]["severity"] == "info", \
            found["graph.frozen_weights"]
        assert all(f["severity"] == "info" for f in report["findings"]), \
            [(f["id"], f["title"]) for f in report["findings"]]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"]) == ("graph.frozen_weights", "error", "0.0"), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["parameters"] == ["0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias"], f["evidence"]
    assert f["step"] == f["evidence"]["reinit_step"] == f["evidence"]["updated_steps_before"] > 200, f
