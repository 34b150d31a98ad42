"""``out[:, -1]`` of pad_packed_sequence's output on sequences of different lengths reads the padding for every
sequence shorter than the batch's longest (probe N f02: a GRU at 0.33 against 0.97 with h_n[-1]); grad.exploding
and a label-error guess were all that was found. The same model reading h_n[-1], a gathered last step, or
sequences all of one length is left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
torch.manual_seed(0)
N, L, V = 1024, 20, 12
lengths = torch.randint(LOW, L + 1, (N,))
x = torch.randint(1, V, (N, L)) * (torch.arange(L)[None] < lengths[:, None])  # 0 is padding
y = (x[torch.arange(N), lengths - 1] > V // 2).long()  # the last real token decides

class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, 16, padding_idx=0)
        self.gru = nn.GRU(16, 32, batch_first=BATCH_FIRST)
        self.head = nn.Linear(32, 2)
    def forward(self, x, lengths):
        e = self.emb(x) if BATCH_FIRST else self.emb(x).transpose(0, 1)
        packed = pack_padded_sequence(e, lengths, batch_first=BATCH_FIRST, enforce_sorted=False)
        out, h = self.gru(packed)
        out, _ = pad_packed_sequence(out, batch_first=BATCH_FIRST)
        return self.head(LAST)

model = GRUClassifier()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, N, 64):
        xb, lb, yb = x[i:i + 64], lengths[i:i + 64], y[i:i + 64]
        loss = nn.functional.cross_entropy(model(xb, lb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def _script(last, batch_first=True, low=3):
    return SCRIPT.replace("LAST", last).replace("BATCH_FIRST", str(batch_first)).replace("LOW", str(low))


@pytest.mark.parametrize("last,batch_first", [("out[:, -1]", True), ("out[-1]", False)])
def test_last_position_of_padded_output_is_found(diagnosed, last, batch_first):
    _, report = diagnosed(_script(last, batch_first))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.wrong_operator", "GRUClassifier", 0), top
    assert "takes the last position (index -1 of 20) of pad_packed_sequence's output" in top["title"], top
    ev = top["evidence"]
    assert ev["sequences"] == 64 and ev["longest"] == 20 and 0 < ev["sequences_at_last_position"] < 64, ev


@pytest.mark.parametrize("last,low", [("h[-1]", 3), ("out[torch.arange(len(out)), lb - 1]", 3),
                                      ("out[:, -1]", 20)])
def test_own_last_step_or_equal_lengths_pass(diagnosed, last, low):
    script = _script(last, low=low).replace("lb - 1", "lengths - 1")
    _, report = diagnosed(script)
    assert not [f for f in report["findings"] if f["id"] == "graph.wrong_operator"], report["findings"]
