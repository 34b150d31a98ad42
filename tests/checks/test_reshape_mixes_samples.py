"""A sequence-first encoder's (L, N, D) output flattened with reshape(N, -1): each row takes L*D consecutive
values, which belong to other samples (probe H f17: accuracy 0.35 against 0.99). Only the symptoms were reported."""

SCRIPT = """
import torch, torch.nn as nn
torch.manual_seed(0)
X = torch.randn(2048, 12, 6)
y = (X[:, :, 0].sum(1) > 0).long()
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(6, 16)                    # sequence first: (L, N, D)
        self.head = nn.Linear(12 * 16, 2)
    def forward(self, x):
        h, _ = self.rnn(x.transpose(0, 1))          # (12, N, 16)
        return self.head(FLAT)
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, 2048, 64):
        loss = nn.functional.cross_entropy(model(X[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
    print(epoch, loss.item())
"""


def test_a_reshape_that_mixes_the_samples_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("FLAT", "h.reshape(x.shape[0], -1)"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.wrong_operator", "Net", 0), top
    assert top["title"].startswith("A reshape in Net flattens (12, 64, 16), whose batch of 64 is on axis 1"), top
    assert top["evidence"]["output_shape"] == [64, 192]


def test_the_batch_moved_first_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("FLAT", "h.transpose(0, 1).reshape(x.shape[0], -1)"))
    assert not [f for f in report["findings"] if f["id"] == "graph.wrong_operator"], report["findings"]
