"""The batches an evaluation loader yields are not always what the model gets. A script that keeps its
validation split raw in the loader and standardises each batch inside the evaluation loop, with the
training scaler, evaluates as well as it trains: data.preprocess_mismatch read the raw loader batches and
called it an error. The collector now records what the model got of each sampled batch (model_input), and
the check compares those. The same script without the scaling in the loop is still an error."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

in_loop = sys.argv[1] == "in_loop"
torch.manual_seed(35)
X, y = load_wine(return_X_y=True)
X_tr, X_val, y_tr, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
scaler = StandardScaler().fit(X_tr)
mu, sd = torch.tensor(scaler.mean_, dtype=torch.float32), torch.tensor(scaler.scale_, dtype=torch.float32)
train_loader = DataLoader(TensorDataset(torch.tensor(scaler.transform(X_tr), dtype=torch.float32),
                                        torch.tensor(y_tr)), batch_size=16, shuffle=True)
val_loader = DataLoader(TensorDataset(torch.tensor(X_val, dtype=torch.float32), torch.tensor(y_val)), batch_size=64)
model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
crit = nn.CrossEntropyLoss()
for epoch in range(10):
    model.train()
    for xb, yb in train_loader:
        opt.zero_grad()
        crit(model(xb), yb).backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            crit(model((xb - mu) / sd if in_loop else xb), yb)
"""


@pytest.mark.parametrize("how", ["in_loop", "raw"])
def test_evaluation_batches_scaled_in_the_loop(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    if how == "raw":
        assert found["data.preprocess_mismatch"]["severity"] == "error"
        return
    assert "data.preprocess_mismatch" not in found, found["data.preprocess_mismatch"]
    status = {c["id"]: c for c in report["checklist"]}["data.preprocess_mismatch"]
    assert status["status"] == "pass" and "match training inputs" in status["note"], status
