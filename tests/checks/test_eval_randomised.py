"""A validation set built from the training Dataset class with its augmentation left on (probe R f09: random gain,
jitter and time masking at every evaluation, 0.85 against 1.00; nothing was found). An evaluation loader that reads
in order gives the same samples at each batch index in every pass, so their statistics must repeat; augmentation
off passes."""

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)

class Digits(torch.utils.data.Dataset):
    def __init__(self, X, y, augment=True):
        self.X, self.y, self.augment = X, y, augment
    def __len__(self):
        return len(self.X)
    def __getitem__(self, i):
        x = self.X[i]
        if self.augment:
            x = x * (0.8 + 0.4 * torch.rand(1)) + 0.05 * torch.randn_like(x)
        return x, self.y[i]

train = torch.utils.data.DataLoader(Digits(X[:1300], y[:1300]), batch_size=64, shuffle=True)
val_set = Digits(X[1300:], y[1300:]) if sys.argv[1] == "augmented" else Digits(X[1300:], y[1300:], augment=False)
val = torch.utils.data.DataLoader(val_set, batch_size=100)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(4):
    model.train()
    for xb, yb in train:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val:
            F.cross_entropy(model(xb), yb)
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "data.preprocess_mismatch" and "pass to the next" in f["title"]]


def test_augmentation_at_evaluation_is_found(diagnosed):
    _, report = diagnosed(SCRIPT, "augmented")
    found = _found(report)
    assert found and found[0]["evidence"]["pairs_different"] == found[0]["evidence"]["pairs_compared"] >= 2, found
    assert found[0]["location"].startswith("evaluation loader")


def test_a_fixed_evaluation_set_passes(diagnosed):
    _, report = diagnosed(SCRIPT, "plain")
    assert not _found(report), _found(report)
