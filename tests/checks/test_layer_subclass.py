"""A user's subclass of a torch layer (class QLinear(nn.Linear), a fake-quantised forward: probe I 12b) is the layer
it derives from for the checks that know layers by class: init.all_zero and hparam.init_scale said 'no layer weights
were recorded at the first step'."""

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)

class QLinear(nn.Linear):
    def forward(self, x):
        w = self.weight
        q = w + ((w * 8).round() / 8 - w).detach()  # straight-through rounding
        return F.linear(x, q, self.bias)

torch.manual_seed(0)
model = nn.Sequential(QLinear(64, 128), nn.ReLU(), QLinear(128, 64), nn.ReLU(), QLinear(64, 10))
if CONSTANT:
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.05)
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(3):
    for i in range(0, 1500, 50):
        loss = F.cross_entropy(model(X[i:i + 50]), y[i:i + 50])
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_constant_weights_of_a_layer_subclass_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("CONSTANT", "True"))
    found = next(f for f in report["findings"] if f["id"] == "init.all_zero")
    assert found["location"] in ("0", "0.weight", "2", "2.weight"), found


def test_random_weights_of_a_layer_subclass_are_checked_and_pass(diagnosed):
    _, report = diagnosed(SCRIPT.replace("CONSTANT", "False"))
    checks = {c["id"]: c for c in report["checklist"]}
    for cid in ("init.all_zero", "hparam.init_scale"):
        assert checks[cid]["status"] == "pass", checks[cid]
