"""A tagger's (N, L, C) logits given to cross_entropy as they are: it reads dim 1 as the classes. With L == C it
runs, scoring each class's logits across the positions: token accuracy 0.16 against 1.0 (probe H f13), and
nothing was found."""

SCRIPT = """
import torch, torch.nn as nn
torch.manual_seed(0)
V, L, C = 30, 10, 10
X = torch.randint(0, V, (2048, L))
Y = X % C                                      # each token's tag follows from the token
class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 32); self.rnn = nn.GRU(32, 32, batch_first=True); self.out = nn.Linear(32, C)
    def forward(self, x):
        return self.out(self.rnn(self.emb(x))[0])
model = Tagger()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, 2048, 64):
        logits = model(X[i:i + 64])
        loss = LOSS
        opt.zero_grad(); loss.backward(); opt.step()
    print(epoch, loss.item())
"""


def test_classes_on_the_last_axis_read_as_dim_1_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LOSS", "nn.functional.cross_entropy(logits, Y[i:i + 64])"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.loss_function", "cross_entropy input", 0), top
    assert "reads dim 1 of the model's output (64, 10, 10) as the classes" in top["title"], top["title"]
    assert top["evidence"]["last_layer"] == "out"


def test_permuted_or_flattened_logits_pass(diagnosed):
    for loss in ("nn.functional.cross_entropy(logits.permute(0, 2, 1), Y[i:i + 64])",
                 "nn.functional.cross_entropy(logits.reshape(-1, C), Y[i:i + 64].reshape(-1))"):
        _, report = diagnosed(SCRIPT.replace("LOSS", loss))
        assert not [f for f in report["findings"] if f["id"] == "graph.loss_function"], (loss, report["findings"])
