"""Optimizer hyperparameters follow every change, however the script makes it."""
from __future__ import annotations

import torch
from torch import nn

import traindoctor
from traindoctor.record import TDRun


def test_hparams_follow_a_scheduler_a_hand_edit_and_an_lr_tensor_changed_in_place(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(8, 3)
    sgd = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(sgd, max_lr=0.5, total_steps=12)  # lr and momentum each step
    head = nn.Linear(3, 3)
    adam = torch.optim.Adam(head.parameters(), lr=torch.tensor(0.01))
    x, y = torch.randn(16, 8), torch.randint(0, 3, (16,))
    seen_momentum, seen_lr = [], []
    with traindoctor.watch(model, sgd, logdir=str(tmp_path), name="hp"):
        for step in range(10):
            sgd.zero_grad()
            adam.zero_grad()
            nn.functional.cross_entropy(head(model(x)), y).backward()
            if step == 6:
                sgd.param_groups[0]["weight_decay"] = 1e-3  # by hand, mid-run
            seen_momentum.append(sgd.param_groups[0]["momentum"])
            seen_lr.append(float(adam.param_groups[0]["lr"]))
            sgd.step()
            adam.step()
            sched.step()
            adam.param_groups[0]["lr"].mul_(0.5)  # in place: the same tensor object, a new value
    run = TDRun(str(tmp_path / "hp"))
    events = [e for e in run.events("hparams") if e["optimizer"] == 0]
    by_step = {}
    for e in events:
        by_step[e["step"]] = e
    momentum = {}
    for s in range(10):  # the latest event at or before each step gives that step's values
        last = max((k for k in by_step if k <= s), default=None)
        momentum[s] = by_step[last]["momentum"]
        assert by_step[last]["weight_decay"] == (1e-3 if s >= 6 else 0)
    assert [round(momentum[s], 9) for s in range(10)] == [round(m, 9) for m in seen_momentum]
    adam_lr = run.scalar("opt1/group0/lr")
    assert [round(v, 9) for v in adam_lr.value.tolist()] == [round(v, 9) for v in seen_lr]
