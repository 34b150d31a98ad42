"""An init helper that zeroes every 1-D parameter, BatchNorm weights included (probe O f08): each BatchNorm
outputs its bias alone, every ReLU after it is dead, 0.10 against 0.99; activation.dead_relu led and init.all_zero
passed. Zeroing the biases only, and the zero-initialised last norm of each residual block (zero_init_residual),
are left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32).view(-1, 1, 8, 8), torch.tensor(y)
torch.manual_seed(0)

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(c, c, 3, padding=1), nn.BatchNorm2d(c)
    def forward(self, x):
        return F.relu(x + self.bn(self.conv(x)))

model = MODEL
def init(m):
    for name, p in m.named_parameters():
        if p.dim() > 1:
            nn.init.kaiming_normal_(p)
        ZERO
init(model)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
for epoch in range(2):
    for i in range(0, len(X), 64):
        loss = F.cross_entropy(model(X[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
"""
PLAIN = ("nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Flatten(), "
         "nn.Linear(16 * 64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))")
RESIDUAL = ("nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Sequential(Block(8), Block(8)), "
            "nn.Flatten(), nn.Linear(8 * 64, 10))")


def test_every_norm_weight_zeroed_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("MODEL", PLAIN).replace("ZERO", "else:\n            nn.init.zeros_(p)"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("init.all_zero", "1", 0), top
    assert top["evidence"]["zero_norm_weights"] == ["1.weight", "5.weight"], top


@pytest.mark.parametrize("model,zero", [
    (PLAIN, "elif name.endswith('bias'):\n            nn.init.zeros_(p)"),
    (RESIDUAL, "elif name.endswith('bias') or name.endswith('bn.weight'):\n            nn.init.zeros_(p)"),
])
def test_biases_or_residual_ends_zeroed_pass(diagnosed, model, zero):
    _, report = diagnosed(SCRIPT.replace("MODEL", model).replace("ZERO", zero))
    assert "init.all_zero" not in [f["id"] for f in report["findings"]], report["findings"]
