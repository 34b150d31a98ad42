"""Curriculum learning (probe J h07, validation accuracy 0.91): the training set grows each epoch from the easiest
samples to the hardest, so its loss rises as the harder ones come in (0.06 -> 0.31). It was read as
loss.oscillating and loss.not_converging; the loss symptoms now judge the run from the step the training data reached
their final size."""

SCRIPT = """
import numpy as np, torch, torch.nn as nn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
torch.manual_seed(0)
X, y = make_classification(n_samples=3000, n_features=20, n_informative=10, n_redundant=4, n_classes=3,
                           n_clusters_per_class=2, class_sep=1.2, flip_y=0.02, random_state=5)
X = (X - X.mean(0)) / X.std(0)
probs = LogisticRegression(max_iter=1000).fit(X, y).predict_proba(X)
order = np.argsort(1 - probs[np.arange(len(y)), y])  # easiest first
X = torch.tensor(X, dtype=torch.float32); y = torch.tensor(y)
model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
for epoch in range(EPOCHS):
    frac = min(1.0, 0.3 + 0.7 * epoch / 8) if CURRICULUM else 1.0
    subset = torch.tensor(order[: int(frac * len(order))])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[subset], y[subset]), batch_size=64,
                                         shuffle=True)
    for xb, yb in loader:
        opt.zero_grad(); loss = nn.functional.cross_entropy(model(xb), yb); loss.backward(); opt.step()
"""


def test_a_growing_training_set_is_judged_on_its_final_data(diagnosed):
    _, report = diagnosed(SCRIPT.replace("EPOCHS", "16").replace("CURRICULUM", "True"))
    ids = [f["id"] for f in report["findings"] if f["severity"] != "info"]
    assert "loss.oscillating" not in ids and "loss.not_converging" not in ids, report["findings"]


def test_a_fixed_training_set_is_judged_whole(diagnosed):
    # the same loop, a fixed set: a loss that falls, judged over the whole run (no phase cut)
    _, report = diagnosed(SCRIPT.replace("EPOCHS", "4").replace("CURRICULUM", "False"))
    note = next(c for c in report["checklist"] if c["id"] == "loss.not_converging")["note"]
    first = report["findings"]
    assert note.startswith("loss fell by") and not [f for f in first if f["severity"] != "info"], (note, first)
