"""Attention scores multiplied by sqrt(d) instead of divided (probe P f04: ``q @ k.T / self.d ** -0.5``): a nearly
hard softmax, 0.76 against 0.98; grad.exploding was all that was found. Dividing by sqrt(d), or
F.scaled_dot_product_attention, is left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
V, L, D = 16, 10, 32
x = torch.randint(1, V, (1024, L))
y = (x[:, 0:1] == x[:, 1:]).any(1).long()
class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb, self.qkv, self.head, self.d = nn.Embedding(V, D), nn.Linear(D, 3 * D), nn.Linear(D, 2), D
    def forward(self, t):
        q, k, v = self.qkv(self.emb(t)).chunk(3, dim=-1)
        ATTEND
        return self.head(out.mean(1))
model = Attn()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    for i in range(0, 1024, 64):
        loss = F.cross_entropy(model(x[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
"""


@pytest.mark.parametrize("attend", [
    "out = torch.softmax(q @ k.transpose(-2, -1) / self.d ** -0.5, dim=-1) @ v",
    "out = torch.softmax(q @ k.transpose(-2, -1) * self.d ** 0.5, dim=-1) @ v",
])
def test_scores_scaled_up_are_found(diagnosed, attend):
    _, report = diagnosed(SCRIPT.replace("ATTEND", attend))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.wrong_operator", "Attn", 0), top
    assert "multiplied by sqrt(32)" in top["title"] and top["evidence"]["head_dim"] == 32, top


@pytest.mark.parametrize("attend", [
    "out = torch.softmax(q @ k.transpose(-2, -1) / self.d ** 0.5, dim=-1) @ v",
    "out = F.scaled_dot_product_attention(q, k, v)",
])
def test_scores_scaled_down_pass(diagnosed, attend):
    _, report = diagnosed(SCRIPT.replace("ATTEND", attend))
    assert "graph.wrong_operator" not in [f["id"] for f in report["findings"]], report["findings"]
