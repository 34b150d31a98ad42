"""A rounding op inside the model: attention scores divided by sqrt(d) with rounding_mode='floor' (a `//` written
for a `/` crashes in backward; torch.div's rounding mode and torch.floor/round do not, their gradient is zero). The
query and key projections never got a gradient, and the report said only 'weight.not_updating: 4 trainable
tensors never change'."""

SCRIPT = """
import math, torch, torch.nn as nn
from sklearn.datasets import load_digits
from torch.utils.data import TensorDataset, DataLoader
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32).reshape(-1, 8, 8)   # 8 tokens of 8 features
loader = DataLoader(TensorDataset(X[:1400], torch.tensor(y[:1400])), batch_size=64, shuffle=True)

class Attn(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.inp = nn.Linear(8, d); self.q = nn.Linear(d, d); self.k = nn.Linear(d, d); self.v = nn.Linear(d, d)
        self.head = nn.Linear(d, 10); self.d = d
    def forward(self, x):
        h = self.inp(x)
        s = self.q(h) @ self.k(h).transpose(1, 2)
        s = SCALE
        h = h + torch.softmax(s, -1) @ self.v(h)
        return self.head(h.mean(1))

model = Attn()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(2):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    print(epoch, loss.item())
"""


def _alarms(report):
    return [f for f in report["findings"] if f["severity"] != "info"]


def test_a_floor_division_of_attention_scores_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("SCALE", "torch.div(s, math.sqrt(self.d), rounding_mode='floor')"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("graph.wrong_operator", "Attn", 0), top
    assert top["title"].startswith("torch.div(..., rounding_mode='floor') in Attn rounds a value"), top["title"]
    assert top["evidence"]["params_with_zero_grad"] == ["k.bias", "k.weight", "q.bias", "q.weight"]
    assert "weight.not_updating" in top["explains"]


def test_true_division_and_a_straight_through_round_are_healthy(diagnosed):
    for scale in ("s / math.sqrt(self.d)", "s + (s.round() - s).detach()"):
        _, report = diagnosed(SCRIPT.replace("SCALE", scale))
        assert not _alarms(report), (scale, _alarms(report))


def test_a_floor_division_that_crashes_the_backward_is_explained(run_script):
    # `scores // math.sqrt(d)`: the backward raises 'derivative for aten::floor_divide is not implemented' at the
    # first step; the op graph of that forward says where the // is
    from tests.conftest import doctor_json

    proc, run_dir = run_script(SCRIPT.replace("SCALE", "s // math.sqrt(self.d)"))
    assert proc.returncode == 1 and "floor_divide" in proc.stderr
    report = doctor_json(run_dir)
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("graph.wrong_operator", "Attn"), top
    assert top["title"].startswith("// (floor division) in Attn rounds a value computed from the model's weights")
    assert not [f for f in report["findings"] if f["id"] == "fit.underfitting"]  # one step says nothing of fit
