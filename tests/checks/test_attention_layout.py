"""A TransformerEncoderLayer (or a bare MultiheadAttention) built without batch_first=True, PyTorch's default,
and fed (batch, sequence, features): it reads the 64 samples as 64 positions, each position attends across the
samples of the batch and never to the rest of its own sequence; a mean over dim 1 still gives one row per sample,
so nothing crashes and the model cannot tell whether a sequence repeats a token. graph.wrong_operator names the
attention from the op graph (probe K f15); batch_first=True, or the (sequence, batch, features) layout the
default expects, passes."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
how = sys.argv[1]
torch.manual_seed(0)
N, S, V, D = 2048, 8, 16, 32
X = torch.randint(1, V, (N, S))
y = torch.tensor([len(set(r.tolist())) < S for r in X]).long()
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, D)
        if how == "bare":
            self.att = nn.MultiheadAttention(D, 4)
        else:
            layer = nn.TransformerEncoderLayer(D, 4, 64, dropout=0.0, batch_first=how == "batch_first")
            self.enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        self.head = nn.Linear(D, 2)
    def forward(self, x):
        h = self.emb(x)
        if how == "bare":
            h = h + self.att(h, h, h, need_weights=False)[0]
        elif how == "transposed":
            h = self.enc(h.transpose(0, 1)).transpose(0, 1)
        else:
            h = self.enc(h)
        return self.head(h.mean(1))
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(2):
    for i in range(0, N, 64):
        opt.zero_grad()
        nn.functional.cross_entropy(model(X[i:i + 64]), y[i:i + 64]).backward()
        opt.step()
"""


@pytest.mark.parametrize("how", ["default_layout", "bare", "batch_first", "transposed"])
def test_attention_reading_the_batch_as_positions(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how in ("batch_first", "transposed"):
        assert "graph.wrong_operator" not in found, found["graph.wrong_operator"]
        return
    f = found["graph.wrong_operator"]
    where = "att" if how == "bare" else "enc.layers.0.self_attn"
    assert (f["location"], f["step"], f["evidence"]["input_shape"]) == (where, 0, [64, 8, 32]), f
    assert "across the 64 samples" in f["title"], f["title"]
    if how == "default_layout":
        assert "TransformerEncoderLayer(..., batch_first=True)" in f["advice"], f["advice"]
    assert report["findings"][0]["id"] == "graph.wrong_operator", [g["id"] for g in report["findings"]]
