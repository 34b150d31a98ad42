"""The report's contract (DESIGN.md) and its human formats."""
from __future__ import annotations

import json

from traindoctor.checks import ids

from ..conftest import td

NAN_SCRIPT = """
import torch
from torch import nn
torch.manual_seed(0)
X = torch.randn(256, 8); y = torch.randn(256, 1)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.SGD(model.parameters(), lr=50.0)
for step in range(60):
    loss = nn.functional.mse_loss(model(X), y * 100)
    opt.zero_grad(); loss.backward(); opt.step()
"""


def test_json_contract_and_formats(run_script, tmp_path):
    proc, run_dir = run_script(NAN_SCRIPT, name="nan")
    assert proc.returncode == 0, proc.stderr
    r = td("doctor", str(run_dir), "--format", "json")
    report = json.loads(r.stdout)
    assert report["schema"] == "traindoctor.report/1"
    assert set(report["run"]) == {"name", "path", "source", "steps", "status"}
    assert report["run"]["source"] == "traindoctor" and report["run"]["status"] == "finished"
    assert report["run"]["steps"] == 60
    f = report["findings"][0]
    assert set(f) >= {"id", "kind", "category", "severity", "confidence", "title", "location", "step", "evidence",
                      "advice", "explains"}
    # the cause (a learning rate of 50) leads, above the symptoms it explains
    assert f["id"] in ("hparam.lr_too_large", "loss.nan_inf", "loss.blowup") and f["severity"] == "error"
    if f["kind"] == "cause":
        assert {"loss.nan_inf", "loss.blowup"} & set(f["explains"])
    assert [c["id"] for c in report["checklist"]] == ids.ALL_IDS
    assert {c["status"] for c in report["checklist"]} <= {"fail", "warn", "pass", "not_checked"}
    nan = next(x for x in report["findings"] if x["id"] == "loss.nan_inf")
    assert nan["kind"] == "symptom" and nan["category"] == "loss" and 0 < nan["step"] < 60
    md = td("doctor", str(run_dir), "--format", "markdown").stdout
    assert "loss.nan_inf" in md and "| `data.not_shuffled` |" in md
    out = tmp_path / "r.html"
    td("doctor", str(run_dir), "--format", "html", "-o", str(out))
    html = out.read_text()
    assert "Plotly.newPlot('plot-loss'" in html and "loss.nan_inf" in html
    assert "<script src=" not in html  # self-contained
    text = td("doctor", str(run_dir)).stdout
    assert "loss.nan_inf" in text and "advice" in text


def test_target_is_reported_met_or_not(run_script):
    body = """
import torch
from torch import nn
torch.manual_seed(0)
X = torch.randn(600, 10); Y = (X[:, 0] + X[:, 1] > 0).long()
train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:500], Y[:500]), batch_size=50, shuffle=True)
val_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[500:], Y[500:]), batch_size=100)
model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(5):
    for x, y in train:
        opt.zero_grad(); nn.functional.cross_entropy(model(x), y).backward(); opt.step()
    with torch.no_grad():
        acc = sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader) / 100
"""
    proc, run_dir = run_script(body, name="t", extra=("--target", "val_acc=0.999"))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(td("doctor", str(run_dir), "--format", "json").stdout)
    tgt = report["accuracy"]["targets"]["val_acc"]
    assert tgt["met"] is False and tgt["target"] == 0.999 and 0.8 < tgt["final"] < 0.999
    assert tgt["tag"] == "eval/acc"  # measured from the model's outputs and the batches' labels


def test_a_check_that_raises_is_a_warning_not_a_silent_pass(tmp_path, monkeypatch):
    """A check that raises (a traindoctor bug) must not read as "no problem found": the report names it in
    its warnings, and the headline says that checks failed. (The weights-phase NaN origin raised a
    NameError, and a run whose loss went NaN was reported as healthy.)"""
    import torch
    from torch import nn

    import traindoctor
    from traindoctor.checks import symptoms
    from traindoctor.report.render import render_markdown

    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="h"):
        for _ in range(10):
            opt.zero_grad()
            nn.functional.mse_loss(model(torch.randn(8, 4)), torch.zeros(8, 2)).backward()
            opt.step()

    def broken(self, ctx):
        raise KeyError("boom")

    monkeypatch.setattr(symptoms.LossNanInf, "run", broken)
    report = traindoctor.diagnose(str(tmp_path / "h"))
    assert report.failed == ["loss.nan_inf"]
    assert any("loss.nan_inf failed (KeyError: 'boom')" in w for w in report.warnings), report.warnings
    assert report.to_json()["warnings"] == report.warnings
    assert not report.findings, [f.id for f in report.findings]  # a healthy run: the headline is the point
    md = render_markdown(report)
    assert "1 failed" in md and "No problem found." not in md


def test_text_keeps_square_brackets_of_code_in_findings(tmp_path):
    """Advice and titles quote code (``out[torch.arange(n), lengths - 1]``, ``x[mask]``): the terminal report
    printed them through Rich's markup, which took ``[torch.arange(n), lengths - 1]`` for a style tag and dropped
    it."""
    import io

    from rich.console import Console

    from traindoctor.checks.base import Finding
    from types import SimpleNamespace

    from traindoctor.report.render import render_text

    f = Finding("graph.wrong_operator", "reads out[:, -1] and [bold]", severity="error", confidence=0.8,
                location="Net[0]", step=0, evidence={"index": "[red]"},
                advice="gather it: out[torch.arange(len(out)), lengths - 1]")
    report = SimpleNamespace(run_json={"name": "run[1]", "source": "traindoctor", "status": "finished", "steps": 3},
                             warnings=["w [b]x[/b]"], findings=[f], failed=[], accuracy={"verdict": "v [i]"})
    buf = io.StringIO()
    render_text(report, console=Console(file=buf, width=200), checklist=False)
    out = buf.getvalue()
    for text in ("out[torch.arange(len(out)), lengths - 1]", "out[:, -1] and [bold]", "Net[0]", "index=[red]",
                 "run[1]", "w [b]x[/b]", "v [i]"):
        assert text in out, (text, out)
