"""The PositionalEncoding of PyTorch's transformer tutorial (pe of shape (max_len, 1, d), x + pe[:x.size(0)]) on a
batch_first=True model (probe J f01): pe is sliced to the batch size, each sample gets one row added at every
position, and the model has no positions (0.51 against 1.00 on telling ascending from descending sequences). The
report led with data.label_errors."""

SCRIPT = """
import math, torch, torch.nn as nn
torch.manual_seed(0)
V, T = 30, 12
x = torch.randint(1, V, (1600, T)).sort(dim=1).values
y = torch.randint(0, 2, (1600,))
x = torch.where(y[:, None] == 1, x, x.flip(1))

class PositionalEncoding(nn.Module):
    def __init__(self, d, max_len=5000):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, 1, d)
        pe[:, 0, 0::2] = torch.sin(position * div)
        pe[:, 0, 1::2] = torch.cos(position * div)
        self.register_buffer("pe", pe)
    def forward(self, x):
        return x + POSITIONS

class Classifier(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.emb, self.pos = nn.Embedding(V, d), PositionalEncoding(d)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, 64, dropout=0.0, batch_first=True), 1,
                                         enable_nested_tensor=False)
        self.head = nn.Linear(d, 2)
    def forward(self, x):
        return self.head(self.enc(self.pos(self.emb(x))).mean(1))

model = Classifier()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    for i in range(0, 1600, 64):
        loss = nn.functional.cross_entropy(model(x[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_a_sequence_first_positional_table_on_batch_first_inputs_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("POSITIONS", "self.pe[:x.size(0)]"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.wrong_operator", "pos", 0), top
    assert top["evidence"]["table"] == "pos.pe" and top["evidence"]["sliced_shape"] == [64, 1, 32], top


def test_the_table_sliced_by_sequence_length_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("POSITIONS", "self.pe[:x.size(1)].transpose(0, 1)"))
    assert not [f for f in report["findings"] if f["id"] == "graph.wrong_operator"], report["findings"]
