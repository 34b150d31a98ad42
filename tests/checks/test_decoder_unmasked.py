"""A decoder trained under teacher forcing without its causal mask: ``nn.Transformer(src, tgt)`` with the mask
built but not passed copies the next target token in training, and greedy decoding, which has no next token,
fails (probe S f09: training 1.000, greedy 0.231; fit.overfitting only). The mask passed: no finding."""

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
torch.manual_seed(0); rng = np.random.default_rng(0)
L, V, D, BOS = 6, 8, 32, 8
src = torch.tensor(rng.integers(0, V, size=(3000, L))); tgt = src.sort(1).values
Str, Ttr, Sva, Tva = src[:2600], tgt[:2600], src[2600:], tgt[2600:]
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.se, self.te, self.pos = nn.Embedding(V, D), nn.Embedding(V + 1, D), nn.Embedding(L, D)
        self.tr = nn.Transformer(D, 2, 1, 1, 64, dropout=0.0, batch_first=True)
        self.out = nn.Linear(D, V)
    def forward(self, s, t):
        p = self.pos(torch.arange(L))
        mask = nn.Transformer.generate_square_subsequent_mask(t.size(1))
        kw = {"tgt_mask": mask} if sys.argv[1] == "masked" else {}
        return self.out(self.tr(self.se(s) + p, self.te(t) + p[:t.size(1)], **kw))
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Str, Ttr), batch_size=64, shuffle=True)
for epoch in range(4):
    model.train()
    for s, t in loader:
        t_in = torch.cat([torch.full((len(t), 1), BOS), t[:, :-1]], 1)
        loss = nn.functional.cross_entropy(model(s, t_in).reshape(-1, V), t.reshape(-1))
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        seq = torch.full((len(Sva), 1), BOS)
        for _ in range(L):
            seq = torch.cat([seq, model(Sva, seq)[:, -1].argmax(-1, keepdim=True)], 1)
    print(f"epoch {epoch} val_acc {float((seq[:, 1:] == Tva).float().mean()):.3f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.node_connection" and "causal mask" in f["title"]]


def test_a_decoder_without_its_causal_mask_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "unmasked")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "graph.node_connection", report["findings"]
    ev = found[0]["evidence"]
    assert ev["module"] == "tr.decoder.layers.0.self_attn" and ev["target_length"] == 6, ev
    assert ev["train_acc"] > ev["val_acc"] + 0.3, ev


def test_the_mask_passed_is_not_found(diagnosed):
    _, report = diagnosed(SCRIPT, "masked")
    assert not _found(report), _found(report)
