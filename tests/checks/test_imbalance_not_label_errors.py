"""Training data of 95% one class and a balanced validation set: the model answers the majority class, scores
0.95 in training and chance (1/3) in validation. data.label_errors called that "the labels do not follow the
inputs"; a training accuracy no better than the majority share says the model learnt nothing of the inputs."""
from __future__ import annotations

SCRIPT = """
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
def make(counts):
    y = torch.cat([torch.full((n,), c) for c, n in enumerate(counts)])
    X = torch.randn(len(y), 8) + 0.05 * nn.functional.one_hot(y, 3).float().repeat(1, 3)[:, :8]  # weak signal
    return X, y
Xt, yt = make([1900, 70, 30])
Xv, yv = make([100, 100, 100])
loader = DataLoader(TensorDataset(Xt, yt), batch_size=64, shuffle=True)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(4):
    for xb, yb in loader:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    with torch.no_grad():
        nn.functional.cross_entropy(model(Xv), yv)
"""


def test_majority_answers_on_a_balanced_validation_are_no_label_errors(diagnosed):
    _, report = diagnosed(SCRIPT)
    ids = [f["id"] for f in report["findings"] if f["severity"] in ("warning", "error")]
    assert ids[0] == "data.class_imbalance" and "data.label_errors" not in ids, \
        [(f["id"], f["title"]) for f in report["findings"]]
