"""Training short of the validation target, above the majority baseline: the verdict said "fix training first"
while no finding said so (probes O-R: a model at 0.58 training accuracy for a 0.95 target, no warning at all).
fit.underfitting now says it, under every cause; a validation that meets its target with training held down by
dropout passes."""

SCRIPT = """
import sys, torch, torch.nn as nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
perm = torch.randperm(len(X)); X, y = X[perm], y[perm]
Xtr, ytr, Xva, yva = X[:1400], y[:1400], X[1400:], y[1400:]
WAY = sys.argv[1]
drop = 0.6 if WAY == "dropout" else 0.0
model = nn.Sequential(nn.Dropout(drop / 2), nn.Linear(64, 256), nn.ReLU(), nn.Dropout(drop), nn.Linear(256, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3) if WAY == "dropout" else \\
    torch.optim.SGD(model.parameters(), lr=0.003, momentum=0.9)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=32, shuffle=True)
for epoch in range(3 if WAY == "short" else 8):
    model.train()
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        out = model(Xva)
        print(f"epoch {epoch} val_acc {(out.argmax(1) == yva).float().mean().item():.3f}")
"""


def _under(report):
    return [f for f in report["findings"] if f["id"] == "fit.underfitting"]


def test_training_short_of_the_validation_target_is_underfitting(diagnosed):
    _, report = diagnosed(SCRIPT, "short", target={"val_acc": 0.93})
    found = _under(report)
    assert found and found[0]["severity"] == "warning", report["findings"]
    ev = found[0]["evidence"]
    assert ev["reference_kind"] == "validation target" and ev["reference"] == 0.93, ev
    assert ev["train_acc"] < 0.93 and ev["val_acc"] < 0.93, ev
    assert "fix training first" in report["accuracy"]["verdict"]


def test_validation_meeting_its_target_with_dropout_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "dropout", target={"val_acc": 0.9})
    stages = {s["stage"]: s for s in report["accuracy"]["stages"]}
    assert stages["train"]["final"] < 0.9 <= stages["val"]["final"], stages  # the case this covers
    assert not _under(report), _under(report)
