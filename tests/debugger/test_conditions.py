"""Every condition hits on a fault that should trigger it, stays quiet on a healthy run, and says
"cannot check" (kept apart from "not hit") where a tensor holds NaN/Inf or has no previous value."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

from traindoctor.debugger import conditions as C
from traindoctor.debugger.watchpoints import parse_spec

from debugger_helpers import outcome, train

# (watch spec, fault, expected state, node the hit must name or None)
CASES = [
    ("weight_initialization", "zero_init", "hit", "fc1.weight"),
    ("weight_initialization", "healthy", "not_hit", None),
    ("weight_initialization(max_gt=10)", "nan_init", "cannot_check", None),
    ("weight_overflow", "nan_weight_at_2", "hit", "fc2.weight"),
    ("weight_overflow", "healthy", "not_hit", None),
    ("weight_too_large(abs_mean_gt=0.01)", "healthy", "hit", "fc1.weight"),
    ("weight_too_large(abs_mean_gt=100)", "healthy", "not_hit", None),
    ("weight_too_large(max_gt=100)", "nan_weight_at_2", "cannot_check", None),
    ("weight_too_small(abs_mean_lt=100)", "healthy", "hit", "fc1.weight"),
    ("weight_too_small(abs_mean_lt=1e-6)", "healthy", "not_hit", None),
    ("weight_too_small(min_lt=-100)", "nan_weight_at_2", "cannot_check", None),
    ("weight_not_changed", "frozen", "hit", "fc1.weight"),
    ("weight_not_changed", "healthy", "not_hit", None),
    ("weight_not_changed", "nan_weight_at_2", "cannot_check", None),
    ("weight_change_too_large", "lr_huge", "hit", "fc1.weight"),
    ("weight_change_too_large", "lr_tiny", "not_hit", None),
    ("weight_change_too_large", "nan_weight_at_2", "cannot_check", None),
    ("weight_change_too_small", "lr_tiny", "hit", "fc1.weight"),
    ("weight_change_too_small", "lr_huge", "not_hit", None),
    ("weight_change_too_small", "nan_weight_at_2", "cannot_check", None),
    ("gradient_vanishing(abs_mean_lt=1e-9)", "zero_output", "hit", "fc1.weight"),
    ("gradient_vanishing(abs_mean_lt=1e-9)", "healthy", "not_hit", None),
    ("gradient_vanishing(abs_mean_lt=1e-9)", "nan_loss_at_2", "cannot_check", None),
    ("gradient_too_large(abs_mean_gt=1e-4)", "healthy", "hit", "fc2.weight"),
    ("gradient_too_large(abs_mean_gt=1e3)", "healthy", "not_hit", None),
    ("gradient_too_large(max_gt=1e3)", "nan_loss_at_2", "cannot_check", None),
    ("gradient_exploding", "nan_loss_at_2", "hit", "fc1.weight"),
    ("gradient_exploding", "healthy", "not_hit", None),
    ("tensor_overflow", "nan_weight_at_2", "hit", "fc2"),
    ("tensor_overflow", "healthy", "not_hit", None),
    ("operator_overflow", "fp16_overflow", "hit", "half_branch"),
    ("operator_overflow", "fp16_ok", "not_hit", None),
    ("operator_overflow", "scaler_skip", "hit", "GradScaler"),
    ("tensor_too_large(max_gt=0.5)@fc2", "healthy", "hit", "fc2"),
    ("tensor_too_large(max_gt=1e6)", "healthy", "not_hit", None),
    ("tensor_too_large(mean_gt=0)@fc2", "nan_weight_at_2", "cannot_check", None),
    ("tensor_too_small(min_lt=-0.1)@fc2", "healthy", "hit", "fc2"),
    ("tensor_too_small(min_lt=-1e6)", "healthy", "not_hit", None),
    ("tensor_too_small(mean_lt=0)", "nan_weight_at_2", "cannot_check", None),
    ("tensor_all_zero@act", "dead_relu", "hit", "act"),
    ("tensor_all_zero", "healthy", "not_hit", None),
    ("tensor_all_zero@fc2", "nan_weight_at_2", "cannot_check", None),
    ("recommended", "dead_relu", "hit", "act"),  # the ReLU preset of activation_range
    ("activation_range(range_start_inclusive=-1,range_end_inclusive=0,range_percentage_gt=99.9)@act",
     "healthy", "not_hit", None),
    ("activation_range(range_start_inclusive=-1,range_end_inclusive=1,range_percentage_lt=50)@fc2",
     "nan_weight_at_2", "cannot_check", None),
    ("tensor_range(range_start_inclusive=0,range_end_inclusive=0,range_percentage_gt=99)@act",
     "dead_relu", "hit", "act"),
    ("tensor_range(max_min_lt=1e-6)", "healthy", "not_hit", None),
    ("tensor_range(max_min_gt=0)@fc2", "nan_weight_at_2", "cannot_check", None),
]


@pytest.mark.parametrize("spec,fault,expected,node", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_condition_outcome(run_dir, spec, fault, expected, node):
    condition = parse_spec(spec)[0].condition if not spec.startswith("recommended") else "activation_range"
    run = train(run_dir, [spec], fault=fault)
    out = outcome(run, condition)
    counts, hits = out["counts"], out["hits"]
    if expected == "hit":
        assert hits, f"{spec} on {fault}: no hit ({counts})"
        assert node in {h["node"] for h in hits}
        h = next(h for h in hits if h["node"] == node)
        assert h["target"] in ("weight", "gradient", "activation", "tensor") and h["stats"]
    elif expected == "not_hit":
        assert not hits, f"{spec} on {fault}: unexpected hits {hits[:2]}"
        assert counts["not_hit"] > 0 and counts["cannot_check"] == 0
    else:
        assert counts["cannot_check"] > 0, f"{spec} on {fault}: {counts}"
        broken_from = 0 if fault == "nan_init" else 2
        late = [h for h in hits if h["step"] >= broken_from]
        assert not late, f"a tensor that cannot be checked must not hit: {late[:2]}"
        assert out["reasons"] == {"tensor holds NaN/Inf"}


def test_weight_overflow_hits_at_the_step_the_weight_broke(run_dir):
    run = train(run_dir, ["weight_overflow"], fault="nan_weight_at_2")
    hits = run.events("hit")
    assert min(h["step"] for h in hits) == 2
    fc2 = next(h for h in hits if h["node"] == "fc2.weight")
    assert fc2["step"] == 2 and fc2["stats"]["nonfinite"] >= 1


def test_weight_initialization_is_checked_before_the_first_update_only(run_dir):
    run = train(run_dir, ["weight_initialization"], fault="zero_init", steps=3)
    hits = run.events("hit")
    assert {h["step"] for h in hits} == {0}
    assert hits[0]["stats"]["zero_percentage"] == 100


def test_no_previous_value_is_cannot_check_not_a_miss():
    cond = C.get("weight_change_too_large")
    params = cond.resolve({})
    cols = {f: np.array([1.0, 1.0]) for f in C.BASE_FIELDS}
    cols.update(numel=np.array([4.0, 4.0]), abs_sum=np.array([4.0, 4.0]), nonfinite=np.array([0.0, 0.0]),
                update_abs_sum=np.array([2.0, math.nan]), prev_abs_sum=np.array([4.0, math.nan]))
    out = C.evaluate(cond, params, cols)
    assert [C.STATE_NAMES[s] for s in out.state] == ["hit", "cannot_check"]
    assert out.reason[1] == "no previous value"
    assert out.derived["abs_mean_update_ratio"][0] == pytest.approx(0.5)


@pytest.mark.parametrize("spec,message", [
    ("tensor_all_zero(zero_percentage_ge=101)", "percentage"),
    ("weight_too_large(abs_mean_gt=-1)", ">= 0"),
    ("weight_too_large(max_gt=inf)", "finite"),
    ("weight_too_large", "set at least one"),
    ("activation_range(range_percentage_lt=5)", "needs range_start_inclusive"),
    ("tensor_range(range_start_inclusive=1,range_end_inclusive=0,range_percentage_lt=5)", "must not exceed"),
    ("weight_overflow(max_gt=1)", "unknown parameter"),
    ("no_such_condition", "unknown condition"),
])
def test_validation_as_in_mindinsight(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_spec(spec)


def test_defaults_as_in_mindinsight():
    assert parse_spec("weight_change_too_large")[0].params == {"abs_mean_update_ratio_gt": 0.1, "epsilon": 1e-9}
    assert parse_spec("weight_change_too_small")[0].params["abs_mean_update_ratio_lt"] == 1e-4
    nc = parse_spec("weight_not_changed")[0].params
    assert (nc["rtol"], nc["atol"], nc["equal_nan"]) == (1e-5, 1e-8, False)
    assert parse_spec("tensor_all_zero")[0].params == {"zero_percentage_ge": 100.0}
    # a set trigger parameter replaces the defaults of the others
    assert parse_spec("weight_initialization(max_gt=3)")[0].params == {"max_gt": 3.0}
    names = [c.name for c in C.CONDITIONS]
    assert len(names) == 17 and len(set(names)) == 17


def test_node_patterns_select_nodes():
    wp = parse_spec("weight_overflow@fc1")[0]
    assert wp.selects("fc1.weight", "weight") and wp.selects("fc1.bias", "weight")
    assert not wp.selects("fc10.weight", "weight") and not wp.selects("fc1.weight", "gradient")
    glob = parse_spec("gradient_exploding@*.bias")[0]
    assert glob.selects("fc2.bias", "gradient") and not glob.selects("fc2.weight", "gradient")


def test_change_ratio_of_a_large_weight_from_its_sample_matches_the_exact_ratio(run_dir):
    import torch
    from torch import nn

    from traindoctor.collect.torch import CollectOptions, Collector
    from traindoctor.record import TDRun

    torch.manual_seed(0)
    collector = Collector(run_dir, options=CollectOptions(
        watch=["weight_change_too_large(abs_mean_update_ratio_gt=0)@0.weight"])).install()
    try:
        model = nn.Sequential(nn.Linear(400, 300), nn.Linear(300, 2))  # 120000 elements: sampled
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        before = model[0].weight.detach().clone()
        x, y = torch.randn(32, 400), torch.randint(0, 2, (32,))
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        exact = float((model[0].weight.detach() - before).abs().mean() / before.abs().mean())
    finally:
        collector.close()
    hit = TDRun(run_dir).events("hit")[0]
    assert hit["node"] == "0.weight" and hit["step"] == 0
    assert hit["stats"]["abs_mean_update_ratio"] == pytest.approx(exact, rel=0.02)


def test_marked_tensors_are_watched_by_tensor_conditions(run_dir):
    import torch

    from traindoctor.collect.torch import CollectOptions, Collector
    from traindoctor.debugger import mark
    from traindoctor.record import TDRun

    collector = Collector(run_dir, options=CollectOptions(watch=["tensor_too_large(max_gt=10)@scores"])).install()
    try:
        w = torch.ones(3, requires_grad=True)
        opt = torch.optim.SGD([w], lr=0.1)
        for step in range(3):
            scores = w * (100.0 if step == 1 else 1.0)
            mark("scores", scores)
            mark("other", scores)  # not selected by the pattern
            opt.zero_grad()
            scores.sum().backward()
            opt.step()
    finally:
        collector.close()
    hits = TDRun(run_dir).events("hit")
    assert [(h["node"], h["target"], h["step"]) for h in hits] == [("scores", "tensor", 1)]
    assert hits[0]["stats"]["max"] == pytest.approx(90.0)  # 100 * w after one SGD step (w = 0.9)


def test_a_persisting_fault_writes_bounded_hit_events_but_offline_finds_every_step(run_dir, monkeypatch):
    from traindoctor.debugger import engine
    from traindoctor.debugger.offline import evaluate_run
    from traindoctor.debugger.watchpoints import parse_all

    monkeypatch.setattr(engine, "HIT_EVENTS_PER_NODE", 2)
    run = train(run_dir, ["weight_overflow@fc2.weight"], fault="nan_weight_at_2", steps=7)
    assert [h["step"] for h in run.events("hit")] == [2, 3]
    assert run.event("watch_summary")["hits_not_written"] == 3
    offline = evaluate_run(run, parse_all(["weight_overflow@fc2.weight"]))
    assert [h["step"] for h in offline["hits"]] == [2, 3, 4, 5, 6]


def test_recommended_presets_cover_functional_activations(run_dir):
    import torch
    from torch import nn

    from traindoctor.collect.torch import CollectOptions, Collector
    from traindoctor.record import TDRun

    class FunctionalNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 6)
            self.out = nn.Linear(6, 2)

        def forward(self, x):
            return self.out(torch.sigmoid(self.fc(x) * 1e6))  # saturated: almost every value at 0 or 1

    torch.manual_seed(0)
    collector = Collector(run_dir, options=CollectOptions(watch=["recommended"])).install()
    try:
        net = FunctionalNet()
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        x, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
        for _ in range(2):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
    finally:
        collector.close()
    hits = [h for h in TDRun(run_dir).events("hit") if h["condition"] == "activation_range"]
    assert {h["node"] for h in hits} == {"FunctionalNet.sigmoid[0]"}
    assert hits[0]["stats"]["range_percentage"] < 0.1


def test_l2_bounds_decide_abs_mean_without_the_abs_sum():
    """L2/n <= abs_mean <= L2/sqrt(n): a row whose abs sum was not taken is not hit where its bounds rule
    every abs-mean parameter out, and "cannot check" (never "not hit") where they do not."""
    import torch

    torch.manual_seed(0)
    for t in (torch.randn(1000), torch.zeros(999).index_fill_(0, torch.tensor([3]), 5.0), torch.full((50,), -2.0)):
        lo, hi = C.abs_mean_bounds(np.array([float(t.norm())]), np.array([float(t.numel())]))
        assert lo[0] <= float(t.abs().mean()) * (1 + 1e-6) and float(t.abs().mean()) <= hi[0] * (1 + 1e-6)
    cond = C.get("gradient_vanishing")
    params = cond.resolve({"abs_mean_lt": 1e-3})
    cols = {f: np.full(4, np.nan) for f in C.BASE_FIELDS}
    # rows: ruled out by the bounds (L2/n = 1e-2 >= 1e-3), left open (bounds [1e-4, 1e-2]), an exact abs
    # sum, surely below (L2/sqrt(n) = 1e-4 < 1e-3)
    cols.update(numel=np.full(4, 1e4), nonfinite=np.zeros(4), l2=np.array([100.0, 1.0, 1.0, 1e-2]),
                abs_sum=np.array([np.nan, np.nan, 5.0, np.nan]))
    out = C.evaluate(cond, params, cols)
    assert [C.STATE_NAMES[s] for s in out.state] == ["not_hit", "cannot_check", "hit", "hit"]
    assert out.reason[1] == "statistic not recorded"
    assert C.hit_stats(cond, params, out, 3)["l2"] == pytest.approx(1e-2)
    # without an l2 column (a run recorded before it existed) a missing abs sum cannot be checked
    del cols["l2"]
    assert C.STATE_NAMES[C.evaluate(cond, params, cols).state[0]] == "cannot_check"


def test_gradient_abs_sums_are_taken_only_where_the_collector_norms_leave_it_open(run_dir):
    """The debugger reads the gradients' norms that the collector took (no second pass) and takes an abs
    sum only for a gradient its bounds do not settle: none on a healthy run, every one on a zero gradient,
    whose hit carries the exact abs mean."""
    from traindoctor.debugger.offline import evaluate_run
    from traindoctor.debugger.watchpoints import parse_all

    run = train(run_dir, ["gradient_vanishing(abs_mean_lt=1e-9)"], fault="healthy")
    tab = run.table("watch")
    grads = np.array([tab.keys[int(k)].startswith("gradient:") for k in tab.key])
    fields = list(tab.fields)
    assert grads.any() and np.isnan(tab.values[grads, fields.index("abs_sum")]).all()
    l2 = tab.values[grads, fields.index("l2")]
    assert np.isfinite(l2).all() and (l2 > 0).all()
    grad_tab = run.table("grad")  # the same norms as the collector's own gradient table
    assert sorted(np.round(l2, 5)) == sorted(np.round(grad_tab.col("norm"), 5))
    # offline, from the watch table: the same outcome; a threshold the bounds cannot settle cannot be checked
    same = evaluate_run(run, parse_all(["gradient_vanishing(abs_mean_lt=1e-9)"]))["outcomes"][0]
    assert same["hit"] == 0 and same["cannot_check"] == 0 and same["not_hit"] == int(grads.sum())
    open_ = evaluate_run(run, parse_all(["gradient_vanishing(abs_mean_lt=0.05)"]))["outcomes"][0]
    assert open_["cannot_check"] > 0 and open_["cannot_check_reasons"] == ["statistic not recorded"]

    zero = train(run_dir + "-zero", ["gradient_vanishing(abs_mean_lt=1e-9)"], fault="zero_output")
    hits = zero.events("hit")
    assert {h["node"] for h in hits} >= {"fc1.weight", "fc2.weight"}
    assert all(h["stats"]["abs_mean"] == 0 for h in hits)


def test_offline_gradient_vanishing_from_the_collector_tables_between_full_steps(run_dir):
    """A run recorded without watchpoints: between full steps the grad table holds the norm alone, which
    settles gradient_vanishing on a healthy gradient instead of leaving it "cannot check"."""
    from traindoctor.debugger.offline import evaluate_run
    from traindoctor.debugger.watchpoints import parse_all

    run = train(run_dir, [], fault="healthy", steps=12)
    doc = evaluate_run(run, parse_all(["gradient_vanishing(abs_mean_lt=1e-9)"]))
    assert doc["source"] == "tables"
    out = doc["outcomes"][0]
    assert out["hit"] == 0 and out["cannot_check"] == 0 and out["not_hit"] == 12 * 4


def test_weight_norms_are_shared_with_the_recording_only_while_the_weights_are_unchanged(tmp_path):
    """The debugger's weight detector takes the norms after the optimizer step; the next step's recording
    reuses them (one pass over the weights, not two) unless something wrote to a weight in between: then
    the version counter changed and the recording measures again. Either way the recorded norm is exact."""
    import torch
    from torch import nn

    import traindoctor
    from traindoctor.collect.torch import Collector
    from traindoctor.record import TDRun

    reused = []
    orig = Collector._norms_unchanged

    def spy(self, idxs, ts):
        out = orig(self, idxs, ts)
        reused.append(out is not None)
        return out

    for clamp in (False, True):
        reused.clear()
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(20, 30), nn.ReLU(), nn.Linear(30, 3))
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        x, y = torch.randn(64, 20), torch.randint(0, 3, (64,))
        begin = []
        name = f"clamp{int(clamp)}"
        Collector._norms_unchanged = spy
        try:
            with traindoctor.watch(model, opt, logdir=str(tmp_path), name=name, watch=["recommended"],
                                   stats_budget=1e-9):
                for step in range(12):
                    opt.zero_grad()
                    begin.append([float(p.detach().norm()) for p in model.parameters()])
                    nn.functional.cross_entropy(model(x), y).backward()
                    opt.step()
                    if clamp:  # written after the step, before the next one begins
                        with torch.no_grad():
                            model[0].weight.clamp_(-0.05, 0.05)
        finally:
            Collector._norms_unchanged = orig
        w = TDRun(str(tmp_path / name)).table("weight")
        for k, pname in enumerate(["0.weight", "0.bias", "2.weight", "2.bias"]):
            norm = w.series(pname, "norm")
            assert len(norm) == 12
            for s, v in zip(norm.step, norm.value):
                assert abs(v - begin[int(s)][k]) <= 1e-5 * max(1.0, begin[int(s)][k]), (clamp, pname, int(s))
        # the recording's between-full-steps lookups (steps 5-11) all hit without the clamp, none with it
        assert sum(reused) >= 7 if not clamp else not any(reused), (clamp, reused)


def test_a_tensor_at_a_dead_tensors_address_is_not_taken_for_it(run_dir):
    """The engine may reuse a tensor's columns when the same tensor comes again in a step (a container's
    output is its last child's). A tensor freed in the forward pass gives its memory to a later one of the
    same shape: the same address, shape, strides, dtype and version. The later one must get its own
    columns: the CUDA caching allocator did this with a Linear's output, and its overflow was missed.
    Made deterministic here: the second tensor is set on the first one's storage, at the same version."""
    import torch

    from traindoctor.collect.torch import CollectOptions, Collector
    from traindoctor.debugger import mark
    from traindoctor.record import TDRun

    collector = Collector(run_dir, options=CollectOptions(watch=["tensor_overflow@*"])).install()
    try:
        w = torch.ones(3, requires_grad=True)
        opt = torch.optim.SGD([w], lr=0.1)
        for step in range(2):
            first = torch.ones(64, 300)
            first.mul_(1.0)  # version 1
            mark("first", first)
            storage = first.untyped_storage()
            first.fill_(float("inf"))
            del first
            second = torch.empty(0).set_(storage, 0, (64, 300), (300, 1))  # same address, version 1
            assert second._version == 1
            mark("second", second)
            opt.zero_grad()
            w.sum().backward()
            opt.step()
    finally:
        collector.close()
    hits = [(h["node"], h["step"]) for h in TDRun(run_dir).events("hit")]
    assert hits == [("second", 0), ("second", 1)], hits


def test_range_share_lower_bound_settles_unsaturated_outputs_and_counts_saturated_ones():
    """The recommended tanh/sigmoid presets (inside share below 0.1%: saturated) read a Chebyshev lower
    bound of the inside share from one dot product where it settles them, and count where it does not."""
    import torch

    from traindoctor.debugger.engine import _count_in_range, _inside_lower_bound

    lo, hi = math.tanh(-8.8), math.tanh(8.8)
    torch.manual_seed(0)
    healthy = torch.tanh(torch.randn(256, 1024))
    b = _inside_lower_bound(healthy, lo, hi, 0.1)
    exact = float(_count_in_range(healthy, lo, hi))
    assert b is not None and 0 < -float(b) <= exact  # a bound, below the (sampled) count
    saturated = torch.tanh(torch.randn(256, 1024) * 1e4)  # ~0.01% inside: the preset hits
    assert _inside_lower_bound(saturated, lo, hi, 0.1) is None
    assert _inside_lower_bound(torch.full((8,), float("nan")), lo, hi, 0.1) is None
    # sigmoid's range is centred on 0.5
    s = torch.sigmoid(torch.randn(64, 100))
    sb = _inside_lower_bound(s, 1 / (1 + math.exp(16.2)), 1 / (1 + math.exp(-16.2)), 0.1)
    assert sb is not None and -float(sb) <= float(_count_in_range(s, 0.0, 1.0))


def test_a_lower_bound_row_is_evaluated_as_a_bound():
    f = C.range_field(-1.0, 1.0)
    n = np.array([100.0, 100.0, 100.0, 100.0])
    cols = {k: np.full(4, np.nan) for k in C.BASE_FIELDS}
    cols.update(numel=n, nonfinite=np.zeros(4))
    cols[f] = np.array([-50.0, -0.05, 0.05, 60.0])  # bounds 50% and 0.05%; exact 0.05% and 60%
    lt = C.evaluate(C.BY_NAME["activation_range"], {"range_start_inclusive": -1.0, "range_end_inclusive": 1.0,
                                                    "range_percentage_lt": 0.1}, cols)
    assert lt.state.tolist() == [C.NOT_HIT, C.CANNOT_CHECK, C.HIT, C.NOT_HIT]
    gt = C.evaluate(C.BY_NAME["activation_range"], {"range_start_inclusive": -1.0, "range_end_inclusive": 1.0,
                                                    "range_percentage_gt": 40.0}, cols)
    assert gt.state.tolist() == [C.HIT, C.CANNOT_CHECK, C.NOT_HIT, C.HIT]
    assert C.hit_stats(C.BY_NAME["activation_range"], {"range_percentage_gt": 40.0}, gt, 0)["range_percentage_lb"] == 50


def test_change_ratios_of_every_weight_every_step_match_the_exact_ratios(run_dir):
    """The change conditions' previous values of sampled weights live in padded buffers of several lengths
    (``engine._ChangeBuffers``), whose order differs from the weights': each weight keeps its own ratio, from
    the initial values on the first step and from the last step's values after."""
    import torch
    from torch import nn

    import traindoctor
    from traindoctor.record import TDRun

    torch.manual_seed(0)
    # weights of 120,000 (sampled), 300, 15,000 (whole), 50, 150 and 3 elements: five buffer lengths
    model = nn.Sequential(nn.Linear(400, 300), nn.ReLU(), nn.Linear(300, 50), nn.ReLU(), nn.Linear(50, 3))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    names = [n for n, _ in model.named_parameters()]
    x, y = torch.randn(32, 400), torch.randint(0, 3, (32,))
    expect: dict[tuple[int, str], float] = {}
    logdir, name = os.path.split(run_dir)
    with traindoctor.watch(model, opt, logdir=logdir, name=name,
                           watch=["weight_change_too_large(abs_mean_update_ratio_gt=0)"]):
        for step in range(5):
            before = [p.detach().clone() for p in model.parameters()]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            for n, b, p in zip(names, before, model.parameters()):
                expect[(step, n)] = float((p.detach() - b).abs().mean() / b.abs().mean())
    got = {(h["step"], h["node"]): h["stats"]["abs_mean_update_ratio"] for h in TDRun(run_dir).events("hit")}
    assert set(got) == set(expect)
    for key, ratio in expect.items():
        assert got[key] == pytest.approx(ratio, rel=0.02 if key[1] == "0.weight" else 1e-4), key


@pytest.mark.parametrize("update", ["optimizer built before watch", "hand-written"])
def test_change_ratios_are_those_of_each_steps_update_whatever_the_update(run_dir, update):
    """Without an optimizer known to the collector a step completes at its backward, before the update. The
    change conditions then read the weights when the next step begins (a hand-written update), or once the
    optimizer that the collector meets at its first update has stepped: step s's ratio is always the change
    made by step s's update (step 0's was missing and step 1's counted two updates)."""
    import torch
    from torch import nn

    import traindoctor
    from traindoctor.record import TDRun

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(40, 30), nn.ReLU(), nn.Linear(30, 3))
    opt = torch.optim.SGD(model.parameters(), lr=0.1) if update != "hand-written" else None
    x, y = torch.randn(32, 40), torch.randint(0, 3, (32,))
    expect = {}
    logdir, name = os.path.split(run_dir)
    with traindoctor.watch(model, logdir=logdir, name=name,
                           watch=["weight_change_too_large(abs_mean_update_ratio_gt=0)@0.weight"]):
        for step in range(5):
            before = model[0].weight.detach().clone()
            model.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            if opt is not None:
                opt.step()
            else:
                with torch.no_grad():
                    for p in model.parameters():
                        p -= 0.1 * p.grad
            expect[step] = float((model[0].weight.detach() - before).abs().mean() / before.abs().mean())
    got = {h["step"]: h["stats"]["abs_mean_update_ratio"] for h in TDRun(run_dir).events("hit")}
    assert sorted(got) == list(range(5))
    for step, ratio in expect.items():
        assert got[step] == pytest.approx(ratio, rel=1e-4), step
