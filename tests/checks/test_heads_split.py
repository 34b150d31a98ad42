"""Attention heads split by a reshape alone, (B, T, D) to (B, h, T, D/h) without the (B, T, h, D/h) view and
transpose: each head reads a run of neighbouring positions (probe T f04: 0.70 against 1.00, data.label_errors led).
The view and transpose pass."""

SCRIPT = """
import sys, torch, torch.nn as nn
torch.manual_seed(0)
B, T, V, D, H = 64, 12, 10, 32, 4
class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
    def split(self, t):
        if sys.argv[1] == "reshape":
            return t.reshape(B, H, T, D // H)
        return t.view(B, T, H, D // H).transpose(1, 2)
    def forward(self, x):
        q, k, v = (self.split(t) for t in self.qkv(x).chunk(3, dim=-1))
        out = ((q @ k.transpose(-2, -1)) / (D // H) ** 0.5).softmax(-1) @ v
        return self.proj(out.transpose(1, 2).reshape(B, T, D))
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb, self.pos, self.attn, self.out = nn.Embedding(V, D), nn.Embedding(T, D), Attn(), nn.Linear(D, 2)
    def forward(self, s):
        h = self.emb(s) + self.pos(torch.arange(T))
        return self.out((h + self.attn(h)).mean(1))
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(60):
    s = torch.randint(0, V, (B, T)); y = (s[:, :1] == s[:, 1:]).any(1).long()
    loss = nn.functional.cross_entropy(model(s), y)
    opt.zero_grad(); loss.backward(); opt.step()
print(f"loss {loss.item():.3f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.wrong_operator" and "attention heads" in f["title"]]


def test_heads_split_by_a_reshape_are_found(diagnosed):
    _, report = diagnosed(SCRIPT, "reshape")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "graph.wrong_operator", report["findings"]
    ev = found[0]["evidence"]
    assert ev["input_shape"] == [64, 12, 32] and ev["output_shape"] == [64, 4, 12, 8] and ev["heads"] == 4, ev


def test_view_and_transpose_pass(diagnosed):
    _, report = diagnosed(SCRIPT, "transpose")
    assert not _found(report), _found(report)
