"""A script that crashes: the report says so, with the exception and the script's line, instead of "No problem
found. Every check that could run passed." over a run that never took a step."""
from __future__ import annotations

from tests.conftest import td

SCRIPT = """
import torch
from torch import nn
model = nn.Linear(4, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(5):
    x, y = torch.randn(8, 4), torch.randint(0, 2, (8,))
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
    if step == 3:
        nn.functional.cross_entropy(model(x), y[:5])  # the batch sizes disagree
"""


def test_a_crash_is_named_with_its_line(run_script, tmp_path):
    proc, run_dir = run_script(SCRIPT)
    assert proc.returncode == 1
    r = td("doctor", str(run_dir))
    assert r.returncode == 0, r.stderr
    text = " ".join(r.stdout.split())
    assert "the script crashed after 4 steps with ValueError: Expected input batch_size (8) to match target " \
           "batch_size (5). (train.py, line 11)" in text, text
    assert "Every check that could run passed" not in text
