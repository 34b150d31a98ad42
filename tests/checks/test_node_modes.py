"""graph.node_mode on purpose and by mistake.

Two healthy patterns were reported as errors: a BatchNorm frozen for fine-tuning (``model.train()`` and then
``bn.eval()`` on each BatchNorm), and an EMA copy of the model (``AveragedModel``) evaluated while the trained
model stays in train mode. The mistake next to them, ``model.eval()`` in the evaluation and no
``model.train()`` after it, is still an error, at the step training resumed in eval mode."""
from __future__ import annotations

import pytest

SCRIPT = """
import sys
import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
Xt, yt, Xv, yv = X[:1400], y[:1400], X[1400:], y[1400:]
model = nn.Sequential(nn.Linear(64, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.99)) if how == "ema" else None
lossf = nn.CrossEntropyLoss()
model.train()
for epoch in range(5):
    if how == "frozen_bn":
        model.train()
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.eval()
    elif how == "ema":
        model.train()
    # how == "forgot_train": model.train() only once, before the first epoch
    for i in range(0, 1400, 50):
        opt.zero_grad()
        lossf(model(Xt[i:i + 50]), yt[i:i + 50]).backward()
        opt.step()
        if ema is not None:
            ema.update_parameters(model)
    evaluated = ema if ema is not None else model
    evaluated.eval()
    with torch.no_grad():
        lossf(evaluated(Xv), yv)
"""


@pytest.mark.parametrize("how", ["frozen_bn", "ema", "forgot_train"])
def test_modes_set_on_purpose_are_not_errors(diagnosed, how):
    _, report = diagnosed(SCRIPT, how)
    found = {f["id"]: f for f in report["findings"]}
    status = {c["id"]: c for c in report["checklist"]}["graph.node_mode"]
    if how == "forgot_train":
        f = found["graph.node_mode"]
        assert f["severity"] == "error" and f["location"] == "1" and f["step"] == 28, f
        assert "eval mode while the model trains" in f["title"]
        return
    assert "graph.node_mode" not in found, found["graph.node_mode"]
    assert status["status"] == "pass", status
    if how == "frozen_bn":
        assert "on purpose" in status["note"], status
