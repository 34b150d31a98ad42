"""The epoch checks on a run whose evaluation counts its accuracy by hand and calls no loss (probe I 04, 13): the
checklist said 'needs 5 evaluations, the run has 0' and 'no validation curve' beside a verdict quoting ten
validation accuracies. They now judge the validation accuracy (its error) where no validation loss was recorded."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
Xt, yt, Xv, yv = X[:1000], y[:1000].clone(), X[1000:], y[1000:]
flip = torch.rand(1000) < NOISE
yt[flip] = torch.randint(0, 10, (int(flip.sum()),))
model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
opt = torch.optim.OPT(model.parameters(), lr=LR)
for epoch in range(EPOCHS):
    model.train()
    perm = torch.randperm(1000)
    for i in range(0, 1000, 50):
        idx = perm[i:i + 50]
        loss = nn.functional.cross_entropy(model(Xt[idx]), yt[idx])
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(Xv).argmax(1) == yv).float().mean().item()
    print(epoch, round(acc, 3))
"""


def _script(noise, epochs, opt="Adam", lr=1e-3):
    return SCRIPT.replace("NOISE", str(noise)).replace("EPOCHS", str(epochs)).replace("OPT", opt) \
        .replace("LR", str(lr))


def _check(report, cid):
    return next(c for c in report["checklist"] if c["id"] == cid)


def test_accuracy_falling_after_its_best_is_too_many_epochs(diagnosed):
    # half the training labels flipped: validation accuracy peaks near 0.92 by epoch 9, then the model memorises
    # the noise and it falls towards 0.65
    _, report = diagnosed(_script(0.5, 40))
    found = next(f for f in report["findings"] if f["id"] == "hparam.epochs_too_many")
    assert found["location"] == "epochs" and found["evidence"]["best_eval_acc"] > 0.85, found
    assert found["evidence"]["eval_acc_drop_from_best"] > 0.1 and found["step"] < 20 * 20, found
    assert found["advice"].startswith("Stop around step "), found


def test_accuracy_still_rising_is_too_few_epochs(diagnosed):
    # SGD 0.01 with momentum for 6 epochs: the accuracy climbs 0.58 -> 0.79 -> 0.89, the training loss 2.2 -> 0.5
    _, report = diagnosed(_script(0.0, 6, opt="SGD", lr="0.01, momentum=0.9"))
    found = next((f for f in report["findings"] if f["id"] == "hparam.epochs_too_few"), None)
    assert found is not None and "validation error (1 - accuracy) was still falling" in found["title"], \
        (_check(report, "hparam.epochs_too_few"), [f["id"] for f in report["findings"]])


def test_a_healthy_run_judged_by_accuracy_passes(diagnosed):
    _, report = diagnosed(_script(0.0, 12))
    assert not [f for f in report["findings"] if f["id"].startswith("hparam.epochs")], report["findings"]
    note = _check(report, "hparam.epochs_too_many")
    assert note["status"] == "pass" and "judged by accuracy" in note["note"], note


def test_still_improving_but_the_target_is_met_is_info(run_script):
    from tests.conftest import doctor_json

    body = _script(0.0, 6, opt="SGD", lr="0.01, momentum=0.9")
    for target, severity in (("val_acc=0.8", "info"), ("val_acc=0.95", "warning")):
        proc, run_dir = run_script(body, extra=("--target", target), name=target.replace("=", "_"))
        assert proc.returncode == 0, proc.stderr
        found = next(f for f in doctor_json(run_dir)["findings"] if f["id"] == "hparam.epochs_too_few")
        assert found["severity"] == severity, (target, found)
        assert found["title"].endswith("the target is met") == (severity == "info"), found["title"]
