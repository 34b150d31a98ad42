"""A healthy transformer classifier trained with Adam, at 100% validation accuracy from its first evaluation on.

Two alarms it used to get: grad.vanishing's depth profile (its first attention projection gets about 0.005x the
gradient ratio of the head, while Adam's steps of that projection keep up with the head's relative to their
weights), and hparam.epochs_too_few (the validation loss fell from 0.0125 to 0.001 in the second epoch, at 100%
accuracy both times: more epochs lower such a loss, not the error)."""
from __future__ import annotations

SCRIPT = """
import torch
from torch import nn

torch.manual_seed(0)
V, L, N = 50, 16, 2048
X = torch.randint(1, V, (N, L))
y = ((X == 7).any(1) | (X == 11).any(1)).long()  # does the sequence hold token 7 or 11?
Xt, yt, Xv, yv = X[:1536], y[:1536], X[1536:], y[1536:]


class Net(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.emb = nn.Embedding(V, d)
        layer = nn.TransformerEncoderLayer(d, 4, 64, dropout=0.0, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(d, 2)

    def forward(self, x):
        return self.head(self.enc(self.emb(x)).mean(1))


model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
lossf = nn.CrossEntropyLoss()
for epoch in range(2):
    model.train()
    perm = torch.randperm(len(Xt))
    for i in range(0, len(Xt), 64):
        idx = perm[i:i + 64]
        opt.zero_grad()
        lossf(model(Xt[idx]), yt[idx]).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        lossf(model(Xv), yv)
"""


def test_a_healthy_adam_transformer_gets_no_alarm(diagnosed):
    _, report = diagnosed(SCRIPT)
    alarms = [(f["id"], f["title"]) for f in report["findings"] if f["severity"] in ("warning", "error")]
    assert alarms == [], alarms
    notes = {c["id"]: c for c in report["checklist"]}
    # the depth profile is below grad.vanishing's threshold: the adaptive steps are what pass it
    assert notes["grad.vanishing"]["status"] == "pass" and "adaptive optimizer" in notes["grad.vanishing"]["note"]
    assert notes["hparam.epochs_too_few"]["status"] == "pass"
    assert "validation accuracy" in notes["hparam.epochs_too_few"]["note"]
