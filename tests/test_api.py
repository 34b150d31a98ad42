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


def _digits_with_percent_accuracy(tmp_path, name: str, shuffle_val_labels: bool, target: float):
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
    Xt, yt, Xv, yv = X[:1400], y[:1400], X[1400:], y[1400:]
    if shuffle_val_labels:
        yv = yv[torch.randperm(len(yv))]
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name=name, target={"val_acc": target}) as td:
        for epoch in range(8):
            for i in range(0, len(Xt), 50):
                opt.zero_grad()
                nn.functional.cross_entropy(model(Xt[i:i + 50]), yt[i:i + 50]).backward()
                opt.step()
            with torch.no_grad():
                td.log(val_acc=100.0 * float((model(Xv).argmax(1) == yv).float().mean()))  # in percent
    return traindoctor.diagnose(td.path)


def test_an_accuracy_logged_in_percent_is_compared_as_a_fraction(tmp_path):
    """``td.log(val_acc=93.5)`` with ``target={"val_acc": 85}``: the target and the majority baseline are met or
    not on the metric's own scale; an accuracy at chance in percent (10.0) used to beat every fraction."""
    good = _digits_with_percent_accuracy(tmp_path, "good", False, 85)
    assert good.accuracy["targets"]["val_acc"]["met"] is True
    assert 0.85 < good.accuracy["targets"]["val_acc"]["final"] <= 1.0
    assert good.accuracy["verdict"] == "accuracy meets the expectation on every stage recorded"
    bad = _digits_with_percent_accuracy(tmp_path, "bad", True, 85)
    assert bad.accuracy["targets"]["val_acc"]["met"] is False
    val = [s for s in bad.accuracy["stages"] if s["stage"] == "val"][0]
    assert val["final"] < 0.2 and val["met"] is False
    assert "validation" in bad.accuracy["verdict"] and "meets" not in bad.accuracy["verdict"]
