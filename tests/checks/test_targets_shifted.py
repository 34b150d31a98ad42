"""A tagger given ``seqs[:, :-1]`` as input and ``tags[:, 1:]`` as targets, a language model's shift copied into a
tagger (probe M f12): each position is scored against the tag of the word after it, which a left-to-right GRU has
not read; 0.23 against 0.96, and only loss.not_converging and fit.underfitting were found. data.label_errors names
the targets from the collector's reading of how one token decides the target at its position and at the next
one's. Aligned tags pass, and so does a language model (its targets are the next tokens, by design)."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
VOCAB, TAGS, L = 30, 5, 16
word_class = torch.randint(0, TAGS, (VOCAB,))
seqs = torch.randint(0, VOCAB, (1500, L + 1))
tags = word_class[seqs]
if how == "shifted":
    X, Y, C = seqs[:, :-1], tags[:, 1:], TAGS
elif how == "aligned":
    X, Y, C = seqs[:, :-1], tags[:, :-1], TAGS
else:  # a language model
    X, Y, C = seqs[:, :-1], seqs[:, 1:], VOCAB
class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 16)
        self.gru = nn.GRU(16, 32, batch_first=True)
        self.out = nn.Linear(32, C)
    def forward(self, x):
        return self.out(self.gru(self.embed(x))[0])
model = Tagger()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, 1500, 50):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 50]).reshape(-1, C), Y[i:i + 50].reshape(-1)).backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["shifted", "aligned", "language_model"])
def test_targets_shifted_by_one(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how != "shifted":
        assert "data.label_errors" not in found or found["data.label_errors"]["severity"] == "info", \
            found["data.label_errors"]
        return
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"], f["step"]) == ("data.label_errors", "error", "targets", 0), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["decided_by_next_token"] > 0.9 > 0.5 > f["evidence"]["decided_by_own_token"], f["evidence"]
