"""A trained state loaded with strict=False into a model none of whose keys it names: an SWA average exported
with ``swa_model.state_dict()`` (keys ``module.``-prefixed) into a fresh model loads nothing, and the model
evaluated is its random initialisation (probe S f03: 0.18 against 0.93; hparam.epochs_too_many led). Exporting
``swa_model.module.state_dict()`` passes."""

SCRIPT = """
import sys, torch, torch.nn as nn
from torch.optim.swa_utils import AveragedModel
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
perm = torch.randperm(len(X)); X, y = X[perm], y[perm]
Xtr, ytr, Xva, yva = X[:1400], y[:1400], X[1400:], y[1400:]
make = lambda: nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
model = make(); swa = AveragedModel(model)
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)
for epoch in range(6):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    swa.update_parameters(model)
deploy = make()
deploy.load_state_dict(swa.state_dict() if sys.argv[1] == "prefixed" else swa.module.state_dict(), strict=False)
deploy.eval()
with torch.no_grad():
    out = deploy(Xva)
    print(f"val_loss {nn.functional.cross_entropy(out, yva).item():.4f} val_acc {(out.argmax(1) == yva).float().mean().item():.3f}")
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.frozen_weights" and "loaded none" in f["title"]]


def test_a_state_loaded_under_other_names_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "prefixed")
    found = _found(report)
    assert found and found[0]["severity"] == "error", report["findings"]
    ev = found[0]["evidence"]
    assert ev["matched_keys"] == 0 and ev["module_keys"] == 4, ev
    assert ev["state_keys"][0] == "module.0.weight" and ev["model_keys"][0] == "0.weight", ev
    assert report["findings"][0]["id"] == "graph.frozen_weights"


def test_the_average_exported_by_its_own_names_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "module")
    assert not _found(report), _found(report)
    assert not [f for f in report["findings"] if f["severity"] == "error"], report["findings"]
