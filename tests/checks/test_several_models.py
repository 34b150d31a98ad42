"""Several models in one script: each is a network of its own for the gradient depth profile, and each has
names of its own."""
from __future__ import annotations

from traindoctor import open_run

from ..conftest import doctor_json

GAN = """
import torch
from torch import nn
torch.manual_seed(0)
real = torch.randn(4096, 2) * 0.5 + torch.tensor([2.0, -1.0])
G = nn.Sequential(nn.Linear(8, 32), nn.LeakyReLU(0.2), nn.Linear(32, 2))
D = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
og = torch.optim.Adam(G.parameters(), 1e-3, betas=(0.5, 0.999))
od = torch.optim.Adam(D.parameters(), 1e-3, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
for i in range(0, 4096, 64):
    x, z = real[i:i + 64], torch.randn(64, 8)
    fake = G(z)
    ld = bce(D(x), torch.ones(64, 1)) + bce(D(fake.detach()), torch.zeros(64, 1))
    od.zero_grad(); ld.backward(); od.step()
    lg = bce(D(fake), torch.ones(64, 1))
    og.zero_grad(); lg.backward(); og.step()
"""


def test_a_gans_generator_is_not_compared_with_its_discriminator(run_script):
    """The generator's first layer has 1/100 of the gradient ratio of the discriminator's last: taken as one
    four-layer network, that read as a vanishing gradient (a warning on a healthy GAN)."""
    proc, run_dir = run_script(GAN)
    assert proc.returncode == 0, proc.stderr
    report = doctor_json(run_dir)
    vanishing = next(c for c in report["checklist"] if c["id"] == "grad.vanishing")
    assert vanishing["status"] == "pass", [(f["id"], f["title"]) for f in report["findings"]]
    run = open_run(str(run_dir))
    keys = run.table("grad").keys  # the second Sequential's root name is taken: Sequential2
    assert {"0.weight", "2.weight", "Sequential2.0.weight", "Sequential2.2.weight"} <= set(keys), keys


def test_a_gans_two_losses_are_two_series_and_not_judged_for_convergence(run_script):
    """D's and G's losses were averaged into one training loss that swings by design: loss.oscillating and
    loss.not_converging warned on a healthy GAN. Each optimizer's own loss is now a series of its own, and the
    convergence checks say why they do not judge the run."""
    proc, run_dir = run_script(GAN)
    assert proc.returncode == 0, proc.stderr
    run = open_run(str(run_dir))
    g, d = run.scalar("train/loss_opt0"), run.scalar("train/loss_opt1")  # og was built first
    assert len(d) >= 60 and list(d.step) == list(g.step)
    assert d.value[0] > 1.0 > g.value[0]  # D's two BCE terms, G's one: each its own
    total = run.scalar("train/loss")
    at = {int(s): v for s, v in zip(total.step, total.value)}
    assert all(abs(at[int(s)] - (a + b) / 2) < 1e-5 for s, a, b in zip(d.step, d.value, g.value))
    status = {c["id"]: (c["status"], c["note"]) for c in doctor_json(run_dir)["checklist"]}
    for cid in ("loss.not_converging", "loss.oscillating"):
        assert status[cid][0] == "not_checked" and "2 optimizers" in status[cid][1], status[cid]
    assert status["loss.nan_inf"][0] == "pass"  # the rest of the loss checks still run


def test_one_optimizer_gets_no_per_optimizer_series(run_script):
    proc, run_dir = run_script("""
import torch
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)); opt = torch.optim.SGD(model.parameters(), 0.05)
X = torch.randn(256, 4); Y = X.sum(1, keepdim=True)
for i in range(0, 256, 16):
    for k in range(2):  # gradient accumulation: two backward calls, one optimizer step
        loss = ((model(X[i + 8 * k:i + 8 * k + 8]) - Y[i + 8 * k:i + 8 * k + 8]) ** 2).mean() / 2
        loss.backward()
    opt.step(); opt.zero_grad()
""")
    assert proc.returncode == 0, proc.stderr
    assert not [t for t in open_run(str(run_dir)).scalar_tags() if t.startswith("train/loss_opt")]


PHASES = """
import torch
from torch import nn
import torch.nn.functional as F
torch.manual_seed(0)
X = torch.randn(1024, 20); Y = (X[:, :4].sum(1) > 0).long()
teacher = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
ot = torch.optim.Adam(teacher.parameters(), 1e-3)
for i in range(0, 1024, 64):  # 16 steps: the teacher first
    l = F.cross_entropy(teacher(X[i:i + 64]), Y[i:i + 64]); ot.zero_grad(); l.backward(); ot.step()
teacher.eval()
backbone = nn.Sequential(nn.Linear(20, 16), nn.ReLU())
student = nn.Sequential(backbone, nn.Linear(16, 2))
for p in backbone.parameters():
    p.requires_grad_(False)
opt = torch.optim.SGD(student[1].parameters(), lr=0.05, momentum=0.9)
for epoch in range(3):  # 48 steps: the student, its backbone unfrozen for the last 16
    if epoch == 2:
        for p in backbone.parameters():
            p.requires_grad_(True)
        opt.add_param_group({"params": backbone.parameters(), "lr": 0.01})
    for i in range(0, 1024, 64):
        with torch.no_grad():
            t = teacher(X[i:i + 64])
        s = student(X[i:i + 64])
        loss = F.cross_entropy(s, Y[i:i + 64]) + F.kl_div(F.log_softmax(s, 1), F.softmax(t, 1), reduction="batchmean")
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_a_teacher_then_a_student_with_a_backbone_unfrozen_later(run_script):
    """The teacher's optimizer stopped stepping: every later step waited for it, and the student's 48 steps were
    counted as one. The backbone's parameters, added with opt.add_param_group, had no gradient recorded, and
    the layer frozen at first read as 'frozen and never trains' (an error)."""
    proc, run_dir = run_script(PHASES)
    assert proc.returncode == 0, proc.stderr
    run = open_run(str(run_dir))
    g = run.table("grad")
    assert len(set(g.step.tolist())) == 64, sorted(set(g.step.tolist()))
    backbone = [k for k in g.keys if k.endswith("0.0.weight")]
    assert len(backbone) == 1, g.keys
    steps = sorted(set(g.step[g.key == g.keys.index(backbone[0])].tolist()))
    assert steps[0] in (47, 48) and steps[-1] == 63, steps  # from the unfreezing on (a step either side)
    report = doctor_json(run_dir)
    frozen = next(c for c in report["checklist"] if c["id"] == "graph.frozen_weights")
    assert frozen["status"] == "pass", [(f["id"], f["title"]) for f in report["findings"]]
