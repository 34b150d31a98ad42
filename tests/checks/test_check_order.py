"""A check that needs another's answer before that one's turn asks the context, and nothing runs twice: the
different-losses rule (graph family) asks whether the data checks (which run after it) find the evaluation's data
apart. It used to run ``data.preprocess_mismatch`` itself, which then ran again in its own turn."""
from traindoctor.checks.base import Context, Outcome
from traindoctor.checks.causes.data import NotShuffled, PreprocessMismatch
from traindoctor.checks.diagnose import run_checks
from traindoctor.record.reader import TDRun

from .test_eval_measures_another import SCRIPT, _found


def test_a_check_asked_for_early_runs_once(diagnosed, monkeypatch):
    run_dir, report = diagnosed(SCRIPT, "reversed")
    assert _found(report)  # the rule reached the point where it asks the data checks
    calls = []
    for cls in (NotShuffled, PreprocessMismatch):
        original = cls.run
        monkeypatch.setattr(cls, "run", lambda self, ctx, _o=original: calls.append(type(self)) or _o(self, ctx))
    findings, outcomes, _ = run_checks(TDRun(str(run_dir)))
    assert sorted(c.__name__ for c in calls) == ["NotShuffled", "PreprocessMismatch"], calls
    assert [f.id for f in findings] == [f["id"] for f in report["findings"]]


def test_a_check_that_raises_is_not_checked_once(diagnosed, monkeypatch):
    run_dir, _ = diagnosed(SCRIPT, "right")
    calls = []

    def broken(self, ctx):
        calls.append(1)
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(PreprocessMismatch, "run", broken)
    ctx = Context(TDRun(str(run_dir)))
    first = ctx.outcome(PreprocessMismatch)
    assert first.status == "not_checked" and "ZeroDivisionError: planted" in first.note
    assert ctx.outcome(PreprocessMismatch) is first and calls == [1]
    assert ctx.failed == [(PreprocessMismatch.id, "ZeroDivisionError: planted")]
    assert isinstance(first, Outcome)
