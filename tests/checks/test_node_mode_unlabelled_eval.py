"""An evaluation the collector cannot count (no loss, no loader, no labels beside the input: a per-class accuracy
over ``model(X_test[y_test == c])``) run with the model still in train mode: BatchNorm normalises each class's
batch by its own statistics, training accuracy 0.99 and test 0.18. The report found nothing ("modes match
training and evaluation"), because no evaluation was recorded to hold the modes."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(7)
X, y = load_digits(return_X_y=True)
imgs = torch.tensor(X / 16.0, dtype=torch.float32).view(-1, 1, 8, 8); labels = torch.tensor(y)
train_loader = DataLoader(TensorDataset(imgs[:1400], labels[:1400]), batch_size=64, shuffle=True)
X_test, y_test = imgs[1400:], labels[1400:]
model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Flatten(),
                      nn.Linear(16 * 64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

def per_class_accuracy(model, X, y):
    with torch.no_grad():
        return [(model(X[y == c]).argmax(1) == c).float().mean().item() for c in range(10)]

for epoch in range(3):
    model.train()
    if how == "sliced":  # batches cut from tensors, and a no_grad forward on each in train mode: no evaluation
        for i in range(0, 1400, 64):
            with torch.no_grad():
                model(imgs[i:i + 64])
            opt.zero_grad(); nn.functional.cross_entropy(model(imgs[i:i + 64]), labels[i:i + 64]).backward()
            opt.step()
        continue
    for xb, yb in train_loader:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    if how == "eval_mode":
        model.eval()
    print(sum(per_class_accuracy(model, X_test, y_test)) / 10)
"""


def test_batchnorm_in_train_mode_in_an_uncounted_evaluation(diagnosed):
    _, report = diagnosed(SCRIPT, "train_mode")
    top = report["findings"][0]
    assert top["id"] == "graph.node_mode" and top["location"] == "1", [(f["id"], f["title"]) for f in report["findings"]]
    assert "BatchNorm2d" in top["title"] and "during evaluation" in top["title"]


@pytest.mark.parametrize("how", ["eval_mode", "sliced"])
def test_no_mode_finding_when_evaluating_in_eval_mode_or_inside_the_training_loop(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    assert "graph.node_mode" not in [f["id"] for f in report["findings"]], report["findings"]
