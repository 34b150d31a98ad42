"""The metrics a script prints: its own accuracy and loss, read off its stdout and stderr as they pass.

A script that computes its validation accuracy by hand and prints it (``epoch 3 train_loss 0.41 val_acc
0.873``, ``Test set: Average loss: 0.0331, Accuracy: 9892/10000 (99%)``) tells traindoctor what its author
sees. The report judges a stated target on that number, and sets it beside the accuracy the collector
counts on the same evaluation passes: a script's accuracy code can be wrong (``pred, _ = torch.max(out, 1)``
compares the top scores, not the classes, with the labels), and a script can measure something else than the
collector does (whole generated sequences against teacher-forced tokens).

Only keys made of a stage word (train, val, test and their spellings), a metric word (accuracy, loss) and a
few neutral words (set, average, final) are read: ``best val acc``, ``top5 acc`` or ``token acc`` are other
metrics and are left alone. A number followed by ``%`` is a percentage, ``9892/10000`` a fraction.
"""
from __future__ import annotations

import re
import threading
from typing import Any, Callable

_NUM = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"(?P<key>[A-Za-z][A-Za-z0-9_. \-]*?)\s*(?:[:=]\s*|\s+)(?P<num>{_NUM})"
                   rf"(?:\s*/\s*(?P<den>\d+)(?![\d.]))?(?P<pct>\s*%)?")
_WORD = re.compile(r"[A-Za-z]+|\d+")
_STAGES = {"train": "train", "training": "train", "trn": "train",
           "val": "val", "valid": "val", "validation": "val", "eval": "val", "evaluation": "val", "dev": "val",
           "holdout": "val", "test": "test", "testing": "test", "tst": "test"}
_METRICS = {"acc": "acc", "accuracy": "acc", "loss": "loss"}
_NEUTRAL = {"set", "average", "avg", "mean", "final", "overall", "total", "top", "1", "epoch"}

#: Printed values kept per run at most (a script printing every batch of a long run).
MAX_VALUES = 200_000
#: Longest line read (a progress bar's redraws, a dumped tensor).
MAX_LINE = 2000


def _words(text: str) -> list[str]:
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # valAcc
    return [w.lower() for w in _WORD.findall(text)]


def _stage(words: list[str]) -> str | None:
    found = {_STAGES[w] for w in words if w in _STAGES}
    return found.pop() if len(found) == 1 else None


def parse_metrics(line: str) -> list[tuple[str, float]]:
    """The ``(name, value)`` pairs of accuracies and losses in one printed line: ``name`` is ``val_acc``,
    ``train_loss``, ``test_acc``, or ``acc``/``loss`` with no stage. A key that names no stage takes the
    last stage named before it on the line (``Test set: Average loss: 0.03, Accuracy: 98%``, ``train loss 0.4
    acc 0.9``)."""
    out: list[tuple[str, float]] = []
    context: str | None = None
    pos = 0
    for m in _PAIR.finditer(line):
        between = _stage(_words(line[pos:m.start()]))
        if between is not None:
            context = between
        pos = m.end()
        words = _words(m.group("key"))
        metric = [_METRICS[w] for w in words if w in _METRICS]
        if len(metric) != 1:
            if _stage(words) is not None and not metric:
                context = _stage(words)  # "Validation 3" (an epoch number after the stage's name)
            continue
        if any(w not in _STAGES and w not in _METRICS and w not in _NEUTRAL for w in words):
            continue  # best val acc, top5 acc, token acc, lr: another number
        stage = _stage(words) or context
        context = stage  # "train loss 0.41 acc 0.87 | val loss 0.52 acc 0.83": each acc its loss's stage
        try:
            value = float(m.group("num"))
        except ValueError:
            continue
        if m.group("den"):
            den = float(m.group("den"))
            if den <= 0 or not 0 <= value <= den:
                continue
            value /= den
        elif m.group("pct"):
            value /= 100.0
        if value != value or value in (float("inf"), float("-inf")):
            continue
        out.append((f"{stage}_{metric[0]}" if stage else metric[0], value))
    return out


class Tee:
    """Stands in for ``sys.stdout``/``sys.stderr``: every write goes to the stream it replaces first, as it
    came; whole lines are then handed to ``sink`` (what follows a carriage return only: a progress bar's last
    state). Everything else is the stream's own (``fileno``, ``isatty``, ``buffer``, ``encoding``)."""

    def __init__(self, inner: Any, sink: Callable[[str], None]) -> None:
        self._td_inner = inner
        self._td_sink = sink
        self._td_partial = ""
        self._td_lock = threading.Lock()

    def write(self, s: Any) -> Any:
        n = self._td_inner.write(s)
        if isinstance(s, str) and self._td_sink is not None:
            try:
                self._td_take(s)
            except Exception:
                self._td_sink = None  # never the script's problem
        return n

    def _td_take(self, s: str) -> None:
        with self._td_lock:
            text = self._td_partial + s
            if "\n" not in s:
                self._td_partial = text[-MAX_LINE:]
                return
            lines = text.split("\n")
            self._td_partial = lines.pop()[-MAX_LINE:]
        for line in lines:
            self._td_sink(line.rsplit("\r", 1)[-1][:MAX_LINE])

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._td_inner, name)

    def __iter__(self) -> Any:
        return iter(self._td_inner)


def install(on_metric: Callable[[str, float], None]) -> Callable[[], None]:
    """Tee ``sys.stdout`` and ``sys.stderr``; ``on_metric(name, value)`` for each metric printed. Returns the
    function that puts the streams back (each only where it is still ours: a script that replaced
    ``sys.stdout`` itself keeps its own)."""
    import sys

    count = [0]

    def sink(line: str) -> None:
        if count[0] >= MAX_VALUES or not line or not any(c.isdigit() for c in line):
            return
        for name, value in parse_metrics(line):
            count[0] += 1
            on_metric(name, value)

    tees = {}
    for attr in ("stdout", "stderr"):
        inner = getattr(sys, attr, None)
        if inner is None or isinstance(inner, Tee):
            continue
        tee = Tee(inner, sink)
        setattr(sys, attr, tee)
        tees[attr] = (tee, inner)

    def restore() -> None:
        for attr, (tee, inner) in tees.items():
            if getattr(sys, attr, None) is tee:
                setattr(sys, attr, inner)
            tee._td_sink = None

    return restore
