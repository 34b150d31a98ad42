"""A transformer under Adam at lr 1e-2 with no warm-up: the loss jumps from 0.71 to 1.68 at the second step, then
sits at 0.693 = ln 2 for the rest of the run, the model knocked into a constant prediction (probe H f12). The loss
was 'stable', so hparam.lr_too_large passed and only the symptoms were reported."""

SCRIPT = """
import math, torch, torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(0)
V, L = 20, 16
def make(n):
    x = torch.randint(2, V, (n, L))
    y = torch.randint(0, 2, (n,))
    for i in range(n):
        p, q = sorted(torch.randperm(L)[:2].tolist())
        if y[i] == 1: x[i, p], x[i, q] = 0, 1      # A before B
        else:         x[i, p], x[i, q] = 1, 0      # B before A
    return x, y
Xtr, ytr = make(2000); Xva, yva = make(400)

class Encoder(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.emb = nn.Embedding(V, d)
        self.pos = nn.Parameter(torch.randn(1, L, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, 4, 128, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.cls = nn.Linear(d, 2)
    def forward(self, x):
        h = self.enc(self.emb(x) + self.pos)
        return self.cls(h.mean(1))

model = Encoder()
opt = torch.optim.Adam(model.parameters(), lr=LR)
crit = nn.CrossEntropyLoss()
dl = DataLoader(TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)
for epoch in range(3):
    model.train()
    for xb, yb in dl:
        opt.zero_grad(); loss = crit(model(xb), yb); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        va = (model(Xva).argmax(1) == yva).float().mean().item()
        tr = (model(Xtr).argmax(1) == ytr).float().mean().item()
    print(f"epoch {epoch} loss={loss.item():.3f} train_acc={tr:.3f} val_acc={va:.3f}")
print(f"FINAL train_acc={tr:.3f} val_acc={va:.3f}")
"""


def test_a_transformer_knocked_flat_by_a_large_lr_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LR", "1e-2"))
    top = report["findings"][0]
    assert (top["id"], top["severity"]) == ("hparam.lr_too_large", "error"), top
    assert "then stayed at 0.6931, what a constant prediction costs" in top["title"], top["title"]
    assert abs(top["evidence"]["loss"]["collapsed_to"] - 0.6931) < 1e-3


def test_the_same_transformer_at_a_usual_lr_is_not_blamed(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LR", "5e-4"))
    assert not [f for f in report["findings"] if f["id"] == "hparam.lr_too_large"], report["findings"]
