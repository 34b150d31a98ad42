"""hparam.lr_too_small names what made a usual learning rate take tiny steps: a schedule stepped once per batch
(the lr fell from 0.05 to ~1e-68), or clip_grad_norm_ with a max_norm far below the gradients' norm; a weight
decay that shrinks the weights 5% a step is named in the advice of the flat loss it causes. The same script
with the scheduler stepped per epoch, clipping at 1.0, or a usual weight decay gets no alarm."""
from __future__ import annotations

import pytest


SCRIPT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
torch.manual_seed(3)
X, y = load_digits(return_X_y=True)
ds = TensorDataset(torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y))
loader = DataLoader(ds, batch_size=32, shuffle=True)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
mode = sys.argv[1]
wd = float(mode[5:]) if mode.startswith("decay") else 0.0
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=wd)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.7)
for epoch in range(6):
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        if mode.startswith("clip"):
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=float(mode[4:]))
        if mode.startswith("value"):
            torch.nn.utils.clip_grad_value_(model.parameters(), float(mode[5:]))
        opt.step()
        if mode == "per_batch":
            sched.step()
    if mode != "per_batch":
        sched.step()
"""


def _finding(report: dict, id_: str) -> dict | None:
    return next((f for f in report["findings"] if f["id"] == id_ and f["severity"] in ("error", "warning")), None)


def test_a_scheduler_stepped_per_batch_is_named_with_its_settings(diagnosed):
    run_dir, report = diagnosed(SCRIPT, "per_batch")
    top = [f for f in report["findings"] if f["severity"] in ("error", "warning")][0]
    assert top["id"] == "hparam.lr_too_small", [(f["id"], f["title"]) for f in report["findings"]]
    assert "StepLR(step_size=1, gamma=0.7)" in top["title"] and top["location"] == "optimizer SGD lr schedule"
    # 0.05 * 0.7**k < 1e-4 (SGD's usual floor) from k = 18
    assert top["step"] == 18 and top["evidence"]["scheduler"] == "StepLR"
    assert "once per batch" in top["advice"] and "after the batch loop" in top["advice"]


def test_clip_grad_norm_far_below_the_gradients_norm_is_named(diagnosed):
    run_dir, report = diagnosed(SCRIPT, "clip1e-4")
    f = _finding(report, "hparam.lr_too_small")
    assert f is not None, [(f["id"], f["title"]) for f in report["findings"]]
    assert f["location"] == "clip_grad_norm_ max_norm" and "max_norm=1.00e-04" in f["title"]
    assert f["evidence"]["max_norm"] == pytest.approx(1e-4) and f["evidence"]["median_factor"] < 1e-2
    assert f["evidence"]["clipped_share"] == 1.0


def test_clip_grad_value_capping_every_gradient_is_named(diagnosed):
    run_dir, report = diagnosed(SCRIPT, "value1e-5")
    f = _finding(report, "hparam.lr_too_small")
    assert f is not None, [(f["id"], f["title"]) for f in report["findings"]]
    assert f["location"] == "clip_grad_value_ clip_value" and f["evidence"]["capped_share"] == 1.0


def test_a_weight_decay_that_shrinks_the_weights_each_step_is_named_with_the_flat_loss(diagnosed):
    run_dir, report = diagnosed(SCRIPT, "decay0.2")  # 0.05 / (1 - 0.9) x 0.2: 10% a step
    flat = [f for f in report["findings"] if f["id"] in ("loss.not_converging", "fit.underfitting")]
    assert flat, [(f["id"], f["title"]) for f in report["findings"]]
    for f in flat:
        assert f["evidence"]["weight_decay"]["shrink_per_step"] == pytest.approx(0.1)
        assert "weight_decay=0.2 with lr=0.05 (SGD) shrinks the weights by 10.0% at every step" in f["advice"]


@pytest.mark.parametrize("mode", ["per_epoch", "clip1.0", "value1.0", "decay5e-4"])
def test_the_same_script_set_up_right_gets_no_alarm(diagnosed, mode):
    run_dir, report = diagnosed(SCRIPT, mode)
    assert _finding(report, "hparam.lr_too_small") is None
    assert [f["id"] for f in report["findings"] if f["severity"] in ("error", "warning")] == []
