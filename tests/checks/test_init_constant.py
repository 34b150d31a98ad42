"""Every Linear weight set to 0.01 'to make runs reproducible': the hidden units start identical and stay so
(validation 0.21 on digits against 0.96). The recorded std of such a layer is not 0 but 3e-5 (float32 rounding
in the fused reduction), so init.all_zero passed ('layer weights start random') and hparam.init_scale led with a
'gain' of 0.0003 computed from that rounding."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
from torch.utils.data import TensorDataset, DataLoader

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
loader = DataLoader(TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y)), batch_size=64,
                    shuffle=True)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 128), nn.Tanh(), nn.Linear(128, 64), nn.Tanh(), nn.Linear(64, 10))
for m in model:
    if isinstance(m, nn.Linear) and CONSTANT:
        nn.init.constant_(m.weight, 0.01)
        nn.init.zeros_(m.bias)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    print(epoch, loss.item())
"""


def test_a_constant_init_at_a_usual_scale_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("CONSTANT", "True"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("init.all_zero", "0", 0), top
    assert top["title"] == "0.weight starts all equal to 0.01: its units stay symmetric and learn the same thing"
    assert set(top["evidence"]["constant_layers"]) == {"0.weight", "2.weight", "4.weight"}
    assert "hparam.init_scale" not in [f["id"] for f in report["findings"]]


def test_the_default_init_is_healthy(diagnosed):
    _, report = diagnosed(SCRIPT.replace("CONSTANT", "False"))
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]


READOUT = """
import torch, torch.nn as nn
from sklearn.datasets import make_circles
X, y = make_circles(n_samples=1200, noise=0.12, factor=0.6, random_state=1)
X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
torch.manual_seed(1)
proj = nn.Linear(2, 128)
nn.init.normal_(proj.weight, std=2.0)
proj.requires_grad_(False)                 # fixed random features on purpose
model = nn.Sequential(proj, LAYERS)
nn.init.zeros_(model[-1].weight)
opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5, momentum=0.9)
for epoch in range(8):
    for i in range(0, 1200, 64):
        loss = nn.functional.cross_entropy(model(X[i:i + 64]), y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_a_zero_read_out_on_frozen_features_is_healthy(diagnosed):
    """Probe O h04: a zero-initialised linear read-out on frozen random features (a convex problem) was an
    init.all_zero error: its one trained layer made 'every layer constant'."""
    _, report = diagnosed(READOUT.replace("LAYERS", "nn.Linear(128, 2)").replace("nn.Sequential(proj,",
                                                                                  "nn.Sequential(proj, nn.Tanh(),"))
    assert "init.all_zero" not in [f["id"] for f in report["findings"]], report["findings"]


def test_zero_hidden_layer_on_frozen_features_is_found(diagnosed):
    _, report = diagnosed(READOUT.replace("LAYERS", "nn.Tanh(), nn.Linear(128, 32), nn.Tanh(), nn.Linear(32, 2)")
                          .replace("nn.init.zeros_(model[-1].weight)",
                                   "nn.init.zeros_(model[2].weight); nn.init.zeros_(model[-1].weight)"))
    top = [f for f in report["findings"] if f["id"] == "init.all_zero"]
    assert top and top[0]["location"] == "2", report["findings"]
