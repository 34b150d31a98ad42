"""A next-token LSTM trained with inputs and targets both seq[:, :-1] (the shift forgotten): it learns to copy
its input, the loss falls to zero, and the evaluation, whose targets are shifted, stays at chance (probe K f05:
0.00 against 1.00; data.label_errors led with generic advice about labels shuffled apart). The collector
records that the targets are the model's input ids; data.label_errors says so. Shifted targets pass, and a
token autoencoder that reconstructs its input at training and at evaluation is not reported."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
V, L = 16, 12
def make(n):
    a = torch.randint(0, V, (n, 1)); d = torch.randint(1, 5, (n, 1))
    return (a + d * torch.arange(L)) % V
train, val = make(2000), make(400)
class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 32)
        self.rnn = nn.LSTM(32, 64, batch_first=True)
        self.out = nn.Linear(64, V)
    def forward(self, x):
        return self.out(self.rnn(self.emb(x))[0])
def pair(seq):
    if how == "autoencoder":
        return seq, seq
    return seq[:, :-1], (seq[:, :-1] if how == "unshifted" else seq[:, 1:])
model = LM()
crit = nn.CrossEntropyLoss()  # a loss module: its forward is not the model's
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(4):
    model.train()
    for i in range(0, 2000, 64):
        x, t = pair(train[i:i + 64])
        opt.zero_grad()
        crit(model(x).reshape(-1, V), t.reshape(-1)).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        x, t = pair(val) if how == "autoencoder" else (val[:, :-1], val[:, 1:])
        nn.functional.cross_entropy(model(x).reshape(-1, V), t.reshape(-1))
"""


@pytest.mark.parametrize("how", ["unshifted", "shifted", "autoencoder"])
def test_targets_that_are_the_inputs(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    f = found.get("data.label_errors")
    if how != "unshifted":
        assert f is None or "own inputs" not in f["title"], f
        return
    assert f is not None and "own inputs" in f["title"], [g["id"] for g in report["findings"]]
    assert (f["severity"], f["location"], f["step"]) == ("error", "cross_entropy target", 0), f
    assert report["findings"][0]["id"] == "data.label_errors", [g["id"] for g in report["findings"]]


DENOISER = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits
how = sys.argv[1]
torch.manual_seed(0)
X, _ = load_digits(return_X_y=True)
clean = torch.tensor(X / 16.0, dtype=torch.float32)
noisy = clean + 0.35 * torch.randn_like(clean)
model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 64))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(6):
    model.train()
    for i in range(0, 1500, 50):
        x = noisy[i:i + 50] if how != "autoencoder" else clean[i:i + 50]
        target = noisy[i:i + 50] if how != "clean_target" else clean[i:i + 50]
        if how == "autoencoder":
            target = x
        opt.zero_grad()
        nn.functional.mse_loss(model(x), target).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        x = clean[1500:] if how == "autoencoder" else noisy[1500:]
        nn.functional.mse_loss(model(x), clean[1500:])
"""


@pytest.mark.parametrize("how", ["noisy_target", "clean_target", "autoencoder"])
def test_a_denoiser_trained_against_its_noisy_input(diagnosed, how):
    # probe L f01: the noisy input as the training target (the identity is learnt), evaluation against the clean
    # images; a plain autoencoder, whose evaluation targets are its inputs too, is not reported
    _, report = diagnosed(DENOISER, how)
    f = next((f for f in report["findings"] if f["id"] == "data.label_errors"), None)
    if how != "noisy_target":
        assert f is None or "own inputs" not in f["title"], f
        return
    assert f is not None and "and the evaluation's are not" in f["title"], [g["id"] for g in report["findings"]]
    assert (f["severity"], f["location"]) == ("error", "mse_loss target"), f
    assert report["findings"][0]["id"] == "data.label_errors", [g["id"] for g in report["findings"]]
