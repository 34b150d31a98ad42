"""Regression targets sorted before batching, with a loader that does not shuffle: each batch a narrow band of
values. data.not_shuffled read label sequences only, and called these batches "still mixing classes" (info)."""
from __future__ import annotations

import pytest

from ..report.test_eval_baseline import SORTED


@pytest.mark.parametrize("presorted, error", [(True, True), (False, False)])
def test_regression_targets_sorted_and_not_shuffled(diagnosed, presorted, error):
    body = SORTED if presorted else SORTED.replace("order = torch.argsort(y)", "order = torch.randperm(2000)")
    _, report = diagnosed(body, "regression")
    hit = [f for f in report["findings"] if f["id"] == "data.not_shuffled"]
    assert hit, [(f["id"], f["title"]) for f in report["findings"]]
    assert (hit[0]["severity"] == "error") == error, hit[0]
    if error:
        assert "ordered by target" in hit[0]["title"] and hit[0]["evidence"]["within_share"] < 0.05
