"""A model that only runs under no_grad and that no optimizer holds (a distillation teacher, an EMA or target
network) is a frozen helper: its forward on the training batch is not an evaluation, its loader stays the
training loader, and its weights not changing is no fault. A model that runs with autograd on and is in no
optimizer (built again after the optimizer) still is one."""
from __future__ import annotations

from traindoctor.record.reader import TDRun


DISTILL = """
import sys
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
torch.manual_seed(11)
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32); y = torch.tensor(y)
train = DataLoader(TensorDataset(X[:1400], y[:1400]), batch_size=32, shuffle=True)
val = DataLoader(TensorDataset(X[1400:], y[1400:]), batch_size=128)
teacher = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
with torch.no_grad():  # stands for a pretrained teacher: not PyTorch's default initialisation
    for p in teacher.parameters():
        p.mul_(2.0)
teacher.eval()
student = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
opt = torch.optim.Adam(student.parameters(), lr=2e-3)
if sys.argv[1] == "rebuilt":
    student = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))  # after the optimizer: untrained
for epoch in range(4):
    student.train()
    for xb, yb in train:
        with torch.no_grad():
            soft = teacher(xb).softmax(1)
        out = student(xb)
        loss = nn.functional.cross_entropy(out, yb) + 0.5 * nn.functional.kl_div(
            out.log_softmax(1), soft, reduction="batchmean")
        opt.zero_grad(); loss.backward(); opt.step()
    student.eval()
    with torch.no_grad():
        for xb, yb in val:
            nn.functional.cross_entropy(student(xb), yb)
"""


def test_a_no_grad_teacher_is_neither_an_evaluation_nor_a_frozen_layer(diagnosed):
    run_dir, report = diagnosed(DISTILL, "distill")
    run = TDRun(str(run_dir))
    roles = {ev["loader"]: ev["role"] for ev in run.events("dataloader") if ev.get("role")}
    for ev in run.events("loader_role"):
        roles[ev["loader"]] = ev["role"]
    assert roles == {0: "train", 1: "eval"}
    evals = run.events("eval")
    assert len(evals) == 4 and {e["loader"] for e in evals} == {1}  # one per epoch, on the validation loader
    assert all(e["role"] == "train" for e in run.events("batch") if e["loader"] == 0 and e["step"] > 0)
    assert [f["id"] for f in report["findings"] if f["severity"] in ("error", "warning")] == []
    checklist = {c["id"]: c for c in report["checklist"]}
    assert checklist["graph.frozen_weights"]["status"] == "pass"
    assert "Sequential ran only under no_grad" in checklist["graph.frozen_weights"]["note"]
    assert checklist["weight.not_updating"]["status"] == "pass"


def test_a_model_built_again_after_its_optimizer_is_still_found_frozen(diagnosed):
    run_dir, report = diagnosed(DISTILL, "rebuilt")
    frozen = [f for f in report["findings"] if f["id"] == "graph.frozen_weights" and f["severity"] == "error"]
    assert frozen and frozen[0]["location"].startswith("Sequential2"), [(f["id"], f["title"]) for f in
                                                                          report["findings"]]
    assert frozen[0]["title"].startswith("No layer of the model is in an optimizer")
    assert len(frozen[0]["evidence"]["optimizer_tensors_of_no_model"]) == 4  # the first student's


MEAN_TEACHER = """
import copy
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
torch.manual_seed(1)
X, y = load_digits(return_X_y=True)
train = DataLoader(TensorDataset(torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)), batch_size=64,
                   shuffle=True)
student = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 10))
teacher = copy.deepcopy(student)  # an EMA of the student, left in training mode: its dropout is the noise
opt = torch.optim.Adam(student.parameters(), lr=1e-3)
for epoch in range(4):
    for xb, yb in train:
        with torch.no_grad():
            target = teacher(xb + 0.05 * torch.randn_like(xb)).softmax(1)
        out = student(xb)
        loss = nn.functional.cross_entropy(out, yb) + nn.functional.mse_loss(out.softmax(1), target)
        opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            for pt, ps in zip(teacher.parameters(), student.parameters()):
                pt.lerp_(ps, 0.01)
"""


def test_a_mean_teacher_in_training_mode_is_not_dropout_during_evaluation(diagnosed):
    run_dir, report = diagnosed(MEAN_TEACHER)
    assert [f["id"] for f in report["findings"] if f["severity"] in ("error", "warning")] == []
    assert not TDRun(str(run_dir)).events("eval")
    assert not [e for e in TDRun(str(run_dir)).events("modes") if e["phase"] == "eval"]
