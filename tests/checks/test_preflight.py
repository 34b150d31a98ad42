"""``traindoctor.preflight``: static faults before training, on a copy of the model."""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import traindoctor


def _data(n=256, sorted_labels=False):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 8, generator=g)
    y = (x[:, 0] > 0).long()
    if sorted_labels:
        order = torch.argsort(y, stable=True)
        x, y = x[order], y[order]
    return TensorDataset(x, y)


def test_preflight_reports_a_frozen_head_and_a_softmax_before_cross_entropy(tmp_path):
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2), nn.Softmax(dim=1))
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model[0].parameters(), lr=0.1)
    report = traindoctor.preflight(model, DataLoader(_data(), batch_size=32, shuffle=True), nn.CrossEntropyLoss(),
                                   opt, logdir=str(tmp_path))
    found = {f.id: f for f in report.findings if f.severity in ("warning", "error")}
    assert found["graph.frozen_weights"].location == "2" and found["graph.frozen_weights"].step == 0
    assert found["graph.loss_function"].step == 0
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # the user's model is untouched
    statuses = {c["id"]: c["status"] for c in report.checklist()}
    assert statuses["hparam.epochs_too_many"] == "not_checked"


def test_preflight_of_a_sound_setup_has_no_alarm(tmp_path):
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    report = traindoctor.preflight(model, DataLoader(_data(), batch_size=32, shuffle=True), nn.CrossEntropyLoss(),
                                   opt, val_loader=DataLoader(_data(64), batch_size=32), logdir=str(tmp_path))
    assert [f.id for f in report.findings if f.severity in ("warning", "error")] == []


def test_preflight_sees_label_sorted_unshuffled_data(tmp_path):
    model = nn.Sequential(nn.Linear(8, 2))
    report = traindoctor.preflight(model, DataLoader(_data(sorted_labels=True), batch_size=32), logdir=str(tmp_path),
                                   steps=6)
    top = [f for f in report.findings if f.severity in ("warning", "error")][0]
    assert top.id == "data.not_shuffled"


def test_lr_probe_flags_a_learning_rate_where_the_loss_diverges(tmp_path):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = torch.optim.SGD(model.parameters(), lr=50.0)
    report = traindoctor.preflight(model, DataLoader(_data(), batch_size=32, shuffle=True), nn.CrossEntropyLoss(),
                                   opt, logdir=str(tmp_path), lr_probe=True)
    lr_findings = [f for f in report.findings if f.id == "hparam.lr_too_large"]
    assert lr_findings and lr_findings[0].evidence["suggested"] < 50.0
