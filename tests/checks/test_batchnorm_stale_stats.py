"""BatchNorm1d(momentum=0.001), TensorFlow's decay of 0.999, on raw wine features: after 210 steps the running
statistics still hold 81% of their initial mean 0 and variance 1, so evaluation normalises features of scale
1000 as if they were of scale 1 (probe K f08: 0.61 against 0.98; only fit.overfitting was found). graph.node_mode
names the layer and its momentum; the default momentum, or the same run evaluated after enough steps, passes."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
momentum, epochs = float(sys.argv[1]), int(sys.argv[2])
torch.manual_seed(0)
X, y = load_wine(return_X_y=True)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
X_tr, X_va = torch.tensor(X_tr, dtype=torch.float32), torch.tensor(X_va, dtype=torch.float32)
y_tr, y_va = torch.tensor(y_tr), torch.tensor(y_va)
model = nn.Sequential(nn.BatchNorm1d(13, momentum=momentum), nn.Linear(13, 64), nn.BatchNorm1d(64, momentum=momentum),
                      nn.ReLU(), nn.Linear(64, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_tr, y_tr), batch_size=16, shuffle=True,
                                     drop_last=True)
for epoch in range(epochs):
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(X_va).argmax(1) == y_va).float().mean().item()
print("val acc", acc)
"""


@pytest.mark.parametrize("momentum", ["0.001", "0.1"])
def test_batchnorm_statistics_still_at_their_start(diagnosed, momentum):
    _, report = diagnosed(SCRIPT, momentum, "30")
    found = {f["id"]: f for f in report["findings"]}
    if momentum == "0.1":
        assert "graph.node_mode" not in found, found["graph.node_mode"]
        assert "fit.overfitting" not in found, found["fit.overfitting"]
        return
    f = found["graph.node_mode"]
    assert (f["severity"], f["location"], f["step"]) == ("error", "0", 210), f
    assert f["evidence"]["batchnorm_layers"]["0"]["momentum"] == 0.001, f["evidence"]
    assert report["findings"][0]["id"] == "graph.node_mode", [g["id"] for g in report["findings"]]
