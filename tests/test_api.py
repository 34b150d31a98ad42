"""The Python API: ``traindoctor.watch``."""
from __future__ import annotations

import torch
from torch import nn

import traindoctor


def test_watch_records_the_same_signals_and_user_metrics(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    X, y = torch.randn(120, 6), torch.randint(0, 3, (120,))
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="w", target={"val_acc": 0.9}) as td:
        for step in range(20):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(X), y)
            loss.backward()
            opt.step()
        td.log(val_acc=0.5)
    run = traindoctor.open_run(td.path)
    assert run.steps == 20 and run.status == "finished"
    assert len(run.table("grad").series("0.weight", "norm")) == 20
    assert len(run.table("activation")) > 0
    assert run.scalar("val_acc").value.tolist() == [0.5]
    report = traindoctor.diagnose(td.path)
    assert report.accuracy["targets"]["val_acc"]["met"] is False
    # hooks are removed once the session is closed
    assert not getattr(torch.autograd.backward, "__wrapped_by_traindoctor__", None)
