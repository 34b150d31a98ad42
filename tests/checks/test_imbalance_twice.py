"""A class imbalance corrected twice (probe P f07: an inverse-frequency WeightedRandomSampler and the same weights
in CrossEntropyLoss): the rare classes weigh ~14x the majority in the loss and normal samples are called rare,
0.82 against 0.94; the balanced batches passed the imbalance check. The sampler alone, or the weights alone, are
left alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler
torch.manual_seed(0)
def make(n):
    y = torch.multinomial(torch.tensor([0.85, 0.10, 0.05]), n, replacement=True)
    x = torch.randn(n, 8) + 0.9 * F.one_hot(y, 8).float()
    return x, y
Xtr, ytr = make(4000); Xva, yva = make(1000)
counts = torch.bincount(ytr, minlength=3).float()
w = counts.sum() / (3 * counts)
sampler = WeightedRandomSampler(w[ytr], num_samples=len(ytr), replacement=True)
loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=64, SAMPLING)
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
crit = nn.CrossEntropyLoss(WEIGHT)
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(4):
    model.train()
    for xb, yb in loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        val_loss = crit(model(Xva), yva)
"""


def test_sampler_and_weights_together_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("SAMPLING", "sampler=sampler").replace("WEIGHT", "weight=w"))
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("data.class_imbalance", "cross_entropy weight"), top
    assert "corrected twice" in top["title"] and top["evidence"]["rare_class_weight_in_loss"] > 5, top


@pytest.mark.parametrize("sampling,weight", [("sampler=sampler", ""), ("shuffle=True", "weight=w")])
def test_one_correction_passes(diagnosed, sampling, weight):
    _, report = diagnosed(SCRIPT.replace("SAMPLING", sampling).replace("WEIGHT", weight))
    bad = [f for f in report["findings"] if f["id"] == "data.class_imbalance" and f["severity"] != "info"]
    assert not bad, report["findings"]
