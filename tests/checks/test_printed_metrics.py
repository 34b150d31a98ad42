"""The accuracy a script prints, read off its output, beside the one the collector counts on the same passes.

- ``pred, _ = torch.max(out, 1)`` in the script's accuracy code (probe D f09, probe L f04): the script prints 0.000
  at every epoch while the model's top class matches the label for 0.94 of the samples. graph.wrong_operator names
  the script's val_acc, and the verdict says its figures are the counted ones.
- A script whose val_acc is another measure than the collector's count (probe L h03: a greedy generation's exact
  match against teacher-forced tokens; here a top-3 accuracy): its target is judged on the printed number, and
  the training accuracy the collector counts is not held to it ("fix training first" before).
- A script whose accuracy the collector cannot count (labels kept in a numpy array, compared with the argmax
  there): the printed val_acc is what the target is judged by, where before "val_acc was never recorded".
- A correct script: no finding, the printed and the counted accuracy agree, the verdict is as before.
"""
from __future__ import annotations

import json

import pytest


SCRIPT = """
import sys
import torch
from torch import nn
from sklearn.datasets import load_digits
how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
perm = torch.randperm(len(X)); X, y = X[perm], y[perm]
Xtr, ytr, Xva, yva = X[:1300], y[:1300], X[1300:], y[1300:]
tr = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)
va = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xva, yva), batch_size=128)
hidden = 16 if how == "top3" else 64
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    def forward(self, x):
        return self.body(x)
model = Net()
opt = torch.optim.Adam(model.parameters(), 3e-3)
lossf = nn.CrossEntropyLoss()
logits = model
answers, held = yva.numpy(), Xva.clone()
for epoch in range(8):
    model.train(); tot = 0.0
    for xb, yb in tr:
        opt.zero_grad(); loss = lossf(logits(xb), yb); loss.backward(); opt.step(); tot += loss.item()
    model.eval(); correct = n = 0
    with torch.no_grad():
        if how == "numpy":
            correct = int((model(held).numpy().argmax(1) == answers).sum()); n = len(answers)
        for xb, yb in va if how != "numpy" else ():
            out = logits(xb)
            if how == "max_values":
                pred, _ = torch.max(out, 1)
                correct += (pred == yb).sum().item()
            elif how == "top3":
                correct += (out.topk(3, 1).indices == yb[:, None]).any(1).sum().item()
            else:
                correct += (out.argmax(1) == yb).sum().item()
            n += len(yb)
    print(f"epoch {epoch} | train loss {tot / len(tr):.4f} | val acc {100.0 * correct / n:.2f}%")
"""


@pytest.fixture
def run_with_target(tmp_path):
    from tests.conftest import write_script
    from traindoctor.collect.autorun import run_script
    from traindoctor.collect.torch import CollectOptions
    from traindoctor.report import diagnose

    def go(how: str, target: float):
        script = write_script(tmp_path, SCRIPT, name=f"{how}.py")
        run_dir = tmp_path / "runs" / how
        code, status = run_script(str(script), [how], str(run_dir), how, CollectOptions(target={"val_acc": target}))
        assert code == 0, status
        return json.loads(diagnose(str(run_dir)).dumps())

    return go


def test_the_script_prints_zero_while_the_model_learned(run_with_target):
    report = run_with_target("max_values", 0.9)
    f = report["findings"][0]
    assert (f["id"], f["severity"], f["location"]) == ("graph.wrong_operator", "error", "the script's val_acc"), \
        [(g["id"], g["title"]) for g in report["findings"]]
    assert f["evidence"]["printed"] == 0 and f["evidence"]["counted"] > 0.9 and f["evidence"]["evaluations"] == 8
    acc = report["accuracy"]
    assert acc["targets"]["val_acc"]["met"] is True and acc["targets"]["val_acc"]["tag"] == "eval/acc", acc
    assert acc["printed"]["val_acc"]["used"] == "counted" and "accuracy code is wrong" in acc["verdict"], acc


def test_another_measure_printed_is_what_its_target_judges(run_with_target):
    report = run_with_target("top3", 0.95)
    acc = report["accuracy"]
    t = acc["targets"]["val_acc"]
    assert t["tag"] == "printed/val_acc" and t["met"] is True and t["final"] > 0.95, acc
    assert "fix training first" not in acc["verdict"], acc["verdict"]
    assert "judged as the script prints it" in acc["verdict"], acc["verdict"]
    train = next(s for s in acc["stages"] if s["stage"] == "train")
    assert train["reference_kind"] != "target", train
    assert all(g["id"] != "graph.wrong_operator" for g in report["findings"]), report["findings"]


def test_a_printed_accuracy_the_collector_cannot_count(run_with_target):
    report = run_with_target("numpy", 0.9)
    t = report["accuracy"]["targets"]["val_acc"]
    assert t["tag"] == "printed/val_acc" and t["met"] is True, report["accuracy"]
    assert "never recorded" not in report["accuracy"]["verdict"], report["accuracy"]["verdict"]


def test_a_correct_script_agrees(run_with_target):
    report = run_with_target("argmax", 0.9)
    acc = report["accuracy"]
    assert acc["targets"]["val_acc"]["tag"] == "eval/acc" and "printed" not in acc, acc
    assert acc["verdict"] == "accuracy meets the expectation on every stage recorded", acc["verdict"]
    assert all(g["severity"] == "info" for g in report["findings"]), report["findings"]


@pytest.mark.parametrize("line,expected", [
    ("epoch 3 train_loss 0.41 val_acc 0.873", [("train_loss", 0.41), ("val_acc", 0.873)]),
    ("Epoch [3/10], Loss: 0.4123, Val Accuracy: 87.30%", [("loss", 0.4123), ("val_acc", 0.873)]),
    ("Test set: Average loss: 0.0331, Accuracy: 9892/10000 (99%)", [("test_loss", 0.0331), ("test_acc", 0.9892)]),
    ("loss: 0.4 - acc: 0.8 - val_loss: 0.5 - val_acc: 0.7",
     [("loss", 0.4), ("acc", 0.8), ("val_loss", 0.5), ("val_acc", 0.7)]),
    ("train loss 0.4, acc 0.9 | val loss 0.5, acc 0.8",
     [("train_loss", 0.4), ("train_acc", 0.9), ("val_loss", 0.5), ("val_acc", 0.8)]),
    ("valAcc=0.5 trainLoss=1e-3", [("val_acc", 0.5), ("train_loss", 0.001)]),
    ("ep 3 best val acc 0.9 top5 acc 0.99 token acc 0.5 lr 0.001", []),
    ("Epoch 3/10", []),
])
def test_parse_printed_metrics(line, expected):
    from traindoctor.collect.printed import parse_metrics

    assert parse_metrics(line) == expected


def test_the_tee_passes_everything_through(capsys):
    import sys

    from traindoctor.collect import printed

    seen = []
    restore = printed.install(lambda name, value: seen.append((name, value)))
    try:
        print("val_acc", 0.5, end="")
        print(" val_loss 0.25")
        sys.stdout.write("progress 10%\rval acc 0.75\n")
        assert sys.stdout.isatty() in (True, False) and sys.stdout.encoding
    finally:
        restore()
    assert not isinstance(sys.stdout, printed.Tee)
    assert capsys.readouterr().out == "val_acc 0.5 val_loss 0.25\nprogress 10%\rval acc 0.75\n"
    assert seen == [("val_acc", 0.5), ("val_loss", 0.25), ("val_acc", 0.75)]
