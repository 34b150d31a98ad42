"""Inputs shuffled apart from their labels (np.random.shuffle(X), y left as it was) before the split: a model that
cannot learn the random pairs by heart stays at ln 10 (2.30 → 2.26 in 330 steps) while its weights move at a
healthy rate, and the report named only the symptom, loss.not_converging (probe D f02)."""

SCRIPT = """
import numpy as np, torch, torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset, DataLoader
torch.manual_seed(0); np.random.seed(0)
X, y = load_digits(return_X_y=True)
X = X / 16.0
SHUFFLE
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=0)
t = lambda a: torch.tensor(a, dtype=torch.float32)
tr = DataLoader(TensorDataset(t(Xtr), torch.tensor(ytr)), batch_size=64, shuffle=True)
va = DataLoader(TensorDataset(t(Xva), torch.tensor(yva)), batch_size=256)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(6):
    model.train()
    for xb, yb in tr:
        loss = nn.functional.cross_entropy(model(xb), yb); opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        vl = sum(nn.functional.cross_entropy(model(xb), yb, reduction="sum").item() for xb, yb in va) / len(yva)
        acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in va) / len(yva)
    print(epoch, round(loss.item(), 3), round(vl, 3), acc)
"""


def test_inputs_that_tell_nothing_about_the_labels_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("SHUFFLE", "np.random.shuffle(X)"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["severity"]) == ("data.label_errors", "labels", "warning"), top
    assert "the inputs tell the model nothing it can use about the labels" in top["title"], top["title"]
    assert abs(top["evidence"]["constant_prediction_loss"] - 2.3) < 0.05


def test_the_same_data_kept_together_are_healthy(diagnosed):
    _, report = diagnosed(SCRIPT.replace("SHUFFLE", "pass"))
    alarms = [f["id"] for f in report["findings"] if f["severity"] != "info"]
    assert alarms in ([], ["hparam.epochs_too_few"]), alarms  # 6 epochs: the validation loss still falls


def test_a_linear_model_on_xor_is_not_blamed_on_the_labels(diagnosed):
    # a linear map cannot express XOR: its loss sits at ln 2 too, but the labels are right
    body = '''
import torch, torch.nn as nn
torch.manual_seed(0)
X = torch.randn(4096, 2); y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).long()
model = nn.Linear(2, 2)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for i in range(0, 4096 * 4, 64):
    j = i % 4096
    loss = nn.functional.cross_entropy(model(X[j:j + 64]), y[j:j + 64])
    opt.zero_grad(); loss.backward(); opt.step()
'''
    _, report = diagnosed(body)
    assert "data.label_errors" not in [f["id"] for f in report["findings"]], report["findings"]
