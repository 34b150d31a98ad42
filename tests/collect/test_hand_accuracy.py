"""A validation accuracy the script computes by hand on whole tensors, with no DataLoader and no loss function:
``(model(X_val).argmax(1) == y_val).float().mean()``. The collector pairs the input with the labels the script
keeps beside it (``X_val``/``y_val``, ``Xte``/``yte``), so the run has the accuracy the script printed. Before,
nothing was recorded, and with the validation labels shuffled the verdict said the accuracy "meets the
expectation" on the training accuracy alone."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from traindoctor import open_run

SCRIPT = """
import sys
import numpy as np
import torch
from torch import nn
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
X_train, y_train, X_val, y_val = X[:1200], y[:1200], X[1200:], y[1200:]
if how == "shuffled":
    y_val = y_val[torch.randperm(len(y_val))]  # the bug: validation labels apart from their inputs
Xte_np, yte_np = X_val.numpy().copy(), y_val.numpy().copy()
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
teacher = nn.Sequential(nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

def evaluate(net, inputs, labels):
    with torch.no_grad():
        return (net(inputs).argmax(1) == labels).float().mean().item()

for epoch in range(8):
    perm = torch.randperm(len(X_train))
    for i in range(0, len(X_train), 64):
        xb, yb = X_train[perm[i:i + 64]], y_train[perm[i:i + 64]]
        with torch.no_grad():
            soft = teacher(xb)  # a helper's forward on the batch: no evaluation
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()
    model.eval()
    if how in ("plain", "shuffled"):
        with torch.no_grad():
            acc = (model(X_val).argmax(1) == y_val).float().mean().item()
    elif how == "function":
        acc = evaluate(model, X_val, y_val)
    elif how == "unnamed":
        with torch.no_grad():
            acc = (model(X_val.contiguous()).argmax(1) == y_val).float().mean().item()
    elif how == "numpy":
        with torch.no_grad():
            acc = float((model(torch.from_numpy(Xte_np)).argmax(1).numpy() == yte_np).mean())
    model.train()
    print(f"acc {acc:.6f}")
"""


@pytest.mark.parametrize("how", ["plain", "function", "unnamed", "shuffled"])
def test_a_hand_computed_accuracy_on_whole_tensors_is_recorded(diagnosed, how, capfd):
    run_dir, report = diagnosed(SCRIPT, how)
    printed = [float(v) for v in re.findall(r"acc ([0-9.]+)", capfd.readouterr().out)]
    run = open_run(run_dir)
    acc = run.scalar("eval/acc")
    assert len(printed) == 8 and np.allclose(acc.value, printed, atol=1e-6)
    assert not len(run.scalar("train_eval/acc"))  # the teacher's no_grad forwards on xb are no evaluation
    stages = {s["stage"]: s for s in report["accuracy"]["stages"]}
    if how == "shuffled":
        assert stages["val"]["final"] < 0.2 and stages["val"]["met"] is False
        assert report["findings"][0]["id"] == "data.label_errors"
    else:
        assert stages["val"]["final"] > 0.85 and stages["val"]["met"] is True


def test_the_test_split_is_named_by_its_inputs(diagnosed, capfd):
    # numpy arrays: the model's input is a tensor made from Xte_np (sharing its memory), which pairs it with
    # yte_np, and "te" names the test split
    run_dir, _ = diagnosed(SCRIPT, "numpy")
    printed = [float(v) for v in re.findall(r"acc ([0-9.]+)", capfd.readouterr().out)]
    run = open_run(run_dir)
    assert np.allclose(run.scalar("test/acc").value, printed, atol=1e-6)
    assert not len(run.scalar("eval/acc"))


def test_a_target_that_nothing_recorded_is_not_met(run_script):
    # the validation labels live inside a dict: nothing pairs them with X_val, and no val_acc is recorded
    body = SCRIPT.replace("X_train, y_train, X_val, y_val = X[:1200], y[:1200], X[1200:], y[1200:]",
                          "X_train, y_train, X_val = X[:1200], y[:1200], X[1200:]; truth = {'val': y[1200:]}") \
        .replace("yte_np = X_val.numpy().copy(), y_val.numpy().copy()", "yte_np = None, None") \
        .replace("== y_val).float().mean().item()\n    elif how == \"function\"",
                 "== truth['val']).float().mean().item()\n    elif how == \"function\"")
    assert "truth['val']" in body
    proc, run_dir = run_script(body, "plain", extra=("--target", "val_acc=0.9"))
    assert proc.returncode == 0, proc.stderr
    from traindoctor.report import diagnose

    acc = json.loads(diagnose(str(run_dir)).dumps())["accuracy"]
    assert acc["targets"]["val_acc"]["met"] is None
    assert acc["verdict"].startswith("val_acc (target 0.9) was never recorded"), acc["verdict"]
    assert "traindoctor.log(val_acc=" in acc["verdict"]


def test_traindoctor_log_records_into_the_running_script(run_script):
    body = SCRIPT.replace('print(f"acc {acc:.6f}")', 'print(f"acc {acc:.6f}"); import traindoctor; '
                                                     'assert traindoctor.log(my_acc=acc)')
    proc, run_dir = run_script(body, "numpy")
    assert proc.returncode == 0, proc.stderr
    printed = [float(v) for v in re.findall(r"acc ([0-9.]+)", proc.stdout)]
    assert np.allclose(open_run(str(run_dir)).scalar("my_acc").value, printed, atol=1e-6)
    import traindoctor

    assert traindoctor.log(my_acc=1.0) is False  # nothing records in this process


TUPLE_OUTPUT = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits

how = sys.argv[1]
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
train = DataLoader(TensorDataset(X[:1400], y[:1400]), batch_size=64, shuffle=True)
val = DataLoader(TensorDataset(X[1400:], y[1400:]), batch_size=128)

class Net(nn.Module):  # an autoencoder with a classifier: (reconstruction, logits), or an embedding
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(64, 32), nn.ReLU())
        self.dec = nn.Linear(32, 64)
        self.cls = nn.Linear(32, 10)
        self.emb = nn.Linear(32, 16)
    def forward(self, x):
        h = self.enc(x)
        return (self.dec(h), self.cls(h)) if how == "tuple" else self.emb(h)

model = Net()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(6):
    model.train()
    for xb, yb in train:
        opt.zero_grad()
        if how == "tuple":
            rec, logits = model(xb)
            loss = nn.functional.mse_loss(rec, xb) + nn.functional.cross_entropy(logits, yb)
        else:  # a contrastive loss on embeddings: same-class pairs close, others apart
            e = nn.functional.normalize(model(xb), dim=1)
            same = (yb[:, None] == yb[None]).float()
            loss = ((e @ e.T - (2 * same - 1)) ** 2).mean()
        loss.backward(); opt.step()
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for xb, yb in val:
            out = model(xb)
            if how == "tuple":
                correct += (out[1].argmax(1) == yb).sum().item(); n += len(yb)
    if n:
        print(f"acc {correct / n:.6f}")
"""


def test_the_accuracy_of_a_tuple_output_is_read_from_its_class_scores(diagnosed, capfd):
    # the reconstruction came first in the tuple and its argmax was taken as the prediction: 0.06 against 0.96,
    # and data.label_errors said the validation never rose above chance
    run_dir, report = diagnosed(TUPLE_OUTPUT, "tuple")
    printed = [float(v) for v in re.findall(r"acc ([0-9.]+)", capfd.readouterr().out)]
    acc = open_run(run_dir).scalar("eval/acc")
    assert len(printed) == 6 and np.allclose(acc.value, printed, atol=1e-6)
    assert "data.label_errors" not in [f["id"] for f in report["findings"]]


def test_an_embedding_is_no_class_scores(diagnosed):
    run_dir, report = diagnosed(TUPLE_OUTPUT, "embedding")
    assert not len(open_run(run_dir).scalar("eval/acc"))  # 16 wide, 10 classes: the argmax of an embedding
    assert not report.get("accuracy", {}).get("stages"), report.get("accuracy")


BOTH_SPLITS = """
import torch
from torch import nn
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

torch.manual_seed(0)
X, y = load_iris(return_X_y=True)
perm = torch.randperm(150)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32)[perm]; y = torch.tensor(y)[perm]
Xtr, ytr, Xva, yva = X[:105], y[:105], X[105:], y[105:]
model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
crit = nn.CrossEntropyLoss()
for epoch in range(40):
    for i in range(0, 105, 15):
        opt.zero_grad(); crit(model(Xtr[i:i + 15]), ytr[i:i + 15]).backward(); opt.step()
    if epoch % 10 == 9:
        with torch.no_grad():  # both splits in one block, each through the loss function
            vl = crit(model(Xva), yva).item()
            tl = crit(model(Xtr), ytr).item()
        print(f"losses {tl:.6f} {vl:.6f}")
"""


def test_training_and_validation_evaluations_in_one_block_stay_apart(diagnosed, capfd):
    # the loss on model(Xtr) went to the validation pass: eval/loss alternated between the two splits
    run_dir, _ = diagnosed(BOTH_SPLITS)
    printed = [tuple(map(float, v)) for v in re.findall(r"losses ([0-9.]+) ([0-9.]+)", capfd.readouterr().out)]
    run = open_run(run_dir)
    assert np.allclose(run.scalar("eval/loss").value, [v for _, v in printed], atol=1e-5)
    assert np.allclose(run.scalar("train_eval/loss").value, [t for t, _ in printed], atol=1e-5)


EMBEDDING_ON_TENSORS = """
import torch
from torch import nn
from sklearn.datasets import load_digits

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
X_train, y_train, X_val, y_val = X[:1400], y[:1400], X[1400:], y[1400:]
tower = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16))
opt = torch.optim.Adam(tower.parameters(), lr=3e-3)
for step in range(150):  # a contrastive loss on random pairs, no loader, no cross-entropy
    i, j = torch.randint(0, 1400, (64,)), torch.randint(0, 1400, (64,))
    d = (tower(X_train[i]) - tower(X_train[j])).norm(dim=1)
    same = (y_train[i] == y_train[j]).float()
    loss = (same * d ** 2 + (1 - same) * torch.relu(2.0 - d) ** 2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
    if step % 50 == 49:
        with torch.no_grad():  # nearest centroid in the embedding space
            centroids = torch.stack([tower(X_train[y_train == c]).mean(0) for c in range(10)])
            acc = (torch.cdist(tower(X_val), centroids).argmin(1) == y_val).float().mean().item()
        print(f"acc {acc:.3f}")
"""


def test_no_accuracy_from_an_embedding_evaluated_by_hand_on_tensors(diagnosed):
    # tower(X_val) beside y_val: 16 wide for 10 classes, and no training cross-entropy or sampled labels to say
    # how wide class scores would be: no accuracy (it recorded 0.002 against a printed 0.97)
    run_dir, _ = diagnosed(EMBEDDING_ON_TENSORS)
    assert not len(open_run(run_dir).scalar("eval/acc"))
