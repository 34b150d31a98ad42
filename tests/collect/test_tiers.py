"""The collector's two tiers: norms, non-finite counts and updates every step; full statistics on the
first steps and then on a budgeted cadence; histograms on theirs."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

import traindoctor
from traindoctor.record import TDRun
from traindoctor.record.run import TENSOR_FIELDS


def _train(tmp_path, steps=30, nan_at=None, **options):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(600, 300), nn.ReLU(), nn.Linear(300, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(64, 600), torch.randint(0, 4, (64,))
    after = [model[0].weight.detach().clone()]
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="t", **options):
        for step in range(steps):
            opt.zero_grad()
            out = model(x if step != nan_at else x * float("nan"))
            nn.functional.cross_entropy(out, y).backward()
            opt.step()
            after.append(model[0].weight.detach().clone())
    return TDRun(str(tmp_path / "t")), after


def test_update_ratio_matches_the_weights_change_sampled_and_exact(tmp_path):
    run, after = _train(tmp_path, steps=8)
    upd = run.table("update")
    # step s: ||w(s+1) - w(s)|| / ||w(s+1)|| for the 180,000-element weight (a strided sample, scaled)
    ratio = upd.series("0.weight", "ratio")
    norm = upd.series("0.weight", "norm")
    assert len(ratio) >= 6
    for s, r, n in zip(ratio.step, ratio.value, norm.value):
        d = float((after[s + 1] - after[s]).norm())
        assert abs(n - d) / d < 0.03
        assert abs(r - d / float(after[s + 1].norm())) / r < 0.03
    # the 4-element bias is measured exactly
    w = run.table("weight").series("2.bias", "norm").value
    assert np.all(np.isfinite(w)) and len(w) == 8


def test_updates_follow_non_contiguous_and_replaced_parameters(tmp_path):
    """The sampled views of the parameters are kept between steps: a non-contiguous parameter (whose flat
    sample is a copy) and a parameter whose storage is replaced (``p.data = ...``) still get their change."""
    torch.manual_seed(0)
    model = nn.Linear(400, 300)
    model.weight = nn.Parameter(torch.randn(400, 300).t() * 0.05)  # [300, 400], not contiguous
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    x, y = torch.randn(32, 400), torch.randn(32, 300)
    after = [(model.weight.detach().clone(), model.bias.detach().clone())]
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="t"):
        for step in range(8):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()
            if step == 3:  # a new storage, ten times the values
                model.bias.data = model.bias.detach() * 10
            after.append((model.weight.detach().clone(), model.bias.detach().clone()))
    assert not model.weight.is_contiguous()
    upd = TDRun(str(tmp_path / "t")).table("update")
    for k, name in enumerate(("weight", "bias")):
        norm = upd.series(name, "norm")
        assert len(norm) >= 6, name
        for s, n in zip(norm.step, norm.value):
            d = float((after[s + 1][k] - after[s][k]).norm())
            assert abs(n - d) / d < 0.05, (name, int(s), n, d)


def test_full_statistics_on_the_first_steps_then_on_a_cadence(tmp_path):
    run, _ = _train(tmp_path, steps=100, stats_budget=0.02)
    w = run.table("weight")
    mean = w.series("0.weight", "mean")
    norm = w.series("0.weight", "norm")
    assert len(norm) == 100 and np.all(np.isfinite(norm.value))  # the norm every step
    full = mean.step[np.isfinite(mean.value)]
    assert list(full[:5]) == [0, 1, 2, 3, 4]  # the first steps always
    assert 5 < len(full) < 80  # then every k steps, k from the budget
    act = run.table("activation")
    # every module's output every step: its mean (the sum of whole samples, scaled), the rest on full steps
    recorded = [act.keys[k] for k in np.unique(act.key)]
    assert recorded == ["0", "1", "2"]
    for key in recorded:
        amean, astd = act.series(key, "mean"), act.series(key, "std")
        assert len(amean) == 100 and np.all(np.isfinite(amean.value)), key
        assert set(astd.step[np.isfinite(astd.value)]) <= set(full.tolist()) | {int(s) + 1 for s in full}
        assert np.all(act.series(key, "nonfinite").value == 0)


def test_every_step_is_full_when_the_budget_allows(tmp_path):
    run, _ = _train(tmp_path, steps=20, stats_budget=1e9)
    mean = run.table("weight").series("0.weight", "mean")
    assert np.all(np.isfinite(mean.value)) and len(mean) == 20


def test_a_non_finite_tensor_between_full_steps_gets_its_full_row_and_origin(tmp_path):
    run, _ = _train(tmp_path, steps=30, stats_budget=0.001, nan_at=20)
    act = run.table("activation")
    bad = act.col("nonfinite") > 0
    assert bad.any() and int(act.step[bad].min()) == 20
    first = np.nonzero(bad & (act.step == 20))[0]
    assert act.keys[int(act.key[first[np.argmin(act.seq[first])]])] == "0"  # the first Linear
    g = run.table("grad")
    rows = np.nonzero((g.step == 20) & (g.col("nonfinite") > 0))[0]
    assert len(rows) and np.all(g.col("nonfinite")[rows] >= 1)
    # full statistics for the bad step's gradients: the count is exact (every element of the first weight)
    k = g.keys.index("0.weight")
    r = rows[g.key[rows] == k]
    assert g.values[r[0], TENSOR_FIELDS.index("nonfinite")] == 600 * 300


def test_manual_sgd_histograms_follow_their_budget(tmp_path, monkeypatch):
    torch.manual_seed(0)
    w = torch.randn(200, 50, requires_grad=True)
    x = torch.randn(64, 200)
    with traindoctor.watch(logdir=str(tmp_path), name="m"):
        for _ in range(60):
            loss = (x @ w).pow(2).mean()
            loss.backward()
            with torch.no_grad():
                w -= 0.01 * w.grad
                w.grad.zero_()
    run = TDRun(str(tmp_path / "m"))
    steps = sorted({h.step for h in run.histograms("weight")})
    assert steps and steps[0] == 0 and len(steps) < 30  # not every step (they were, before the fix)


def test_histograms_every_n_steps_when_asked_whatever_their_cost(tmp_path):
    torch.manual_seed(0)
    w = torch.randn(200, 50, requires_grad=True)
    x = torch.randn(64, 200)
    opt = torch.optim.SGD([w], lr=0.01)
    with traindoctor.watch(logdir=str(tmp_path), name="m", histogram_every=7, histogram_budget=1e-9):
        for _ in range(30):
            opt.zero_grad()
            (x @ w).pow(2).mean().backward()
            opt.step()
    run = TDRun(str(tmp_path / "m"))
    assert sorted({h.step for h in run.histograms("weight")}) == [0, 7, 14, 21, 28]
    assert sorted({h.step for h in run.histograms("grad")}) == [0, 7, 14, 21, 28]
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="histogram_every"):
            traindoctor.watch(logdir=str(tmp_path), name=f"bad{bad}", histogram_every=bad)


def test_sums_between_full_steps_expand_to_rows_that_flag_a_non_finite_sum():
    # the accelerator path: the sums stay on the device and the flush marks a non-finite one (count >= 1)
    from traindoctor.collect.stats import finish_activation_rows, sums_raw
    from traindoctor.record.run import ACTIVATION_FIELDS

    sums = torch.tensor([6.0, float("inf"), float("nan"), 2.0])
    rows = finish_activation_rows(sums_raw(sums, torch.tensor([1.0, 1.0, 1.0, 4.0])), torch.tensor([3.0, 3.0, 3.0, 8.0]),
                                  torch.tensor([3.0, 3.0, 3.0, 2.0]))
    f = {name: rows[:, i] for i, name in enumerate(ACTIVATION_FIELDS)}
    assert f["mean"][0] == 2.0 and f["mean"][3] == 1.0  # the sampled sum scaled by numel / sample
    assert f["nonfinite"].tolist() == [0.0, 1.0, 1.0, 0.0]
    assert torch.isnan(f["std"]).all() and torch.isnan(f["dead_frac"]).all()


def test_an_overflow_watchpoint_gets_whole_sums_and_finds_a_nan_outside_the_sample(tmp_path):
    """With tensor_overflow watched, the collector sums large outputs whole between full steps (the mean
    is then exact, not estimated from the first samples), and the debugger reads those sums: a NaN in the
    last sample of a 64x300 output, which a 32,768-element sample would not see, hits at its step."""

    class NanLastRow(nn.Module):
        def __init__(self):
            super().__init__()
            self.at = -1
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            if self.calls - 1 == self.at:
                x = x.clone()
                x[-1, 0] = float("nan")
            return x

    torch.manual_seed(0)
    poke = NanLastRow()
    poke.at = 25
    model = nn.Sequential(nn.Linear(600, 600), poke, nn.ReLU(), nn.Linear(600, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(64, 600), torch.randint(0, 4, (64,))
    exact = []
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="t", stats_budget=0.001,
                           watch=["tensor_overflow"]):
        for step in range(30):
            opt.zero_grad()
            with torch.no_grad():
                exact.append(float(model[0](x).mean()))
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    run = TDRun(str(tmp_path / "t"))
    act = run.table("activation")
    mean, std = act.series("0", "mean"), act.series("0", "std")
    light = [int(s) for s in mean.step if s not in set(std.step[np.isfinite(std.value)].tolist())]
    assert len(light) > 10  # 64 x 600 = 38,400 elements: above the sample, summed whole here
    for s in light[:10]:
        assert abs(mean.value[list(mean.step).index(s)] - exact[s]) <= 1e-5 * max(1.0, abs(exact[s]))
    hits = [h for h in run.events("hit") if h["condition"] == "tensor_overflow"]
    assert hits and (hits[0]["node"], hits[0]["step"]) == ("1", 25)


def test_outputs_kept_finite_by_their_module_need_no_whole_sum(tmp_path, monkeypatch):
    """With an overflow watchpoint, the ReLU of an output whose whole sum was finite is finite: the collector
    takes no whole pass over it (a sample's sum serves for its mean) and the debugger records it finite.
    The inference rests on the input only: -Inf before the ReLU (which zeroes it) hits the poking module
    alone, +Inf hits it and the ReLU, each at its step."""
    from traindoctor.collect.plugins import FINITE_OUTPUT
    from traindoctor.collect.torch import Collector

    class Poke(nn.Module):
        def __init__(self):
            super().__init__()
            self.values = {}
            self.calls = 0

        def forward(self, x):
            self.calls += 1
            if self.calls - 1 in self.values:
                x = x.clone()
                x[-1, 0] = self.values[self.calls - 1]
            return x

    returned: list[tuple[int, object]] = []
    orig = Collector._activation_sum

    def spy(self, idx, output, module=None, args=()):
        out = orig(self, idx, output, module, args)
        returned.append((self._forward_step(), type(module).__name__, out is FINITE_OUTPUT))
        return out

    monkeypatch.setattr(Collector, "_activation_sum", spy)
    torch.manual_seed(0)
    poke = Poke()
    poke.values = {20: -math.inf, 25: math.inf}
    model = nn.Sequential(nn.Linear(600, 600), poke, nn.ReLU(), nn.Flatten(), nn.Linear(600, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x, y = torch.randn(64, 600), torch.randint(0, 4, (64,))
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="t", stats_budget=0.001,
                           watch=["tensor_overflow"]):
        for step in range(27):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    inferred = {(s, cls) for s, cls, finite in returned if finite}
    light = sorted({s for s, cls, _ in returned if cls == "Linear"})
    assert len(light) > 10
    for s in light:  # healthy steps: the ReLU and the Flatten were known finite, never summed whole
        if s < 20:
            assert (s, "ReLU") in inferred and (s, "Flatten") in inferred and (s, "Linear") not in inferred
    assert (20, "ReLU") not in inferred and (25, "ReLU") not in inferred
    hits = [(h["node"], h["step"]) for h in TDRun(str(tmp_path / "t")).events("hit")
            if h["condition"] == "tensor_overflow"]
    assert hits[0] == ("1", 20) and ("2", 20) not in hits  # -Inf: the ReLU's output is finite again
    assert ("1", 25) in hits and ("2", 25) in hits and ("3", 25) in hits


def test_parameters_without_a_gradient_are_reported_when_the_set_changes(tmp_path):
    """A branch outside the loss gets no gradient: reported once (not every step), and reported again,
    empty, when it joins the loss."""
    torch.manual_seed(0)
    a, b = nn.Linear(4, 2), nn.Linear(4, 2)
    opt = torch.optim.SGD(list(a.parameters()) + list(b.parameters()), lr=0.1)
    x = torch.randn(8, 4)
    with traindoctor.watch(nn.ModuleDict({"a": a, "b": b}), opt, logdir=str(tmp_path), name="g"):
        for step in range(6):
            opt.zero_grad()
            out = a(x) + (b(x) if step >= 3 else 0.0)
            out.pow(2).mean().backward()
            opt.step()
    events = TDRun(str(tmp_path / "g")).events("grad_missing")
    assert [(e["step"], e["params"]) for e in events] == [(0, ["b.weight", "b.bias"]), (3, [])]


def test_update_sample_covers_the_columns_of_a_weight_with_dead_inputs():
    """SGD's update of a first layer is zero in the columns of inputs that are always zero (an image's
    border). The sample's runs must not all start at the same columns: with 256 runs over a 512x784 weight
    every run began at one of a few columns and the update norm was off by 8-17%."""
    import math

    from traindoctor.collect.stats import change_sample
    from traindoctor.collect.torch import UPDATE_CHUNKS, UPDATE_SAMPLE

    torch.manual_seed(0)
    mask = torch.zeros(28, 28)
    mask[4:24, 4:24] = 1
    errors = []
    for _ in range(20):
        x = torch.relu(torch.randn(128, 784)) * mask.reshape(-1) * (torch.rand(128, 784) < 0.3)
        g = torch.randn(128, 512)
        d = g.t() @ x  # the gradient of a Linear(784, 512) weight: [512, 784]
        s = change_sample(d, UPDATE_SAMPLE, UPDATE_CHUNKS)
        est = float(s.norm()) * math.sqrt(d.numel() / s.numel())
        errors.append(abs(est - float(d.norm())) / float(d.norm()))
    assert max(errors) < 0.06, errors


def test_the_writer_waits_for_every_block_of_device_tensors_it_reads(tmp_path, monkeypatch):
    """Blocks of tensors are handed to the writer thread with a wait (``stats.device_ready``: on CUDA an
    event on the training's stream), which the writer calls before it reads them. Here every waiter made
    for a block that holds tensors is called by the time the run is closed, and the records are intact."""
    import traindoctor.collect.torch as T

    made: list[int] = []
    waited: set[int] = set()

    def ready(tensors):
        i = len(made)
        made.append(len(list(tensors)))
        return lambda: waited.add(i)

    monkeypatch.setattr(T, "device_ready", ready)
    run, _ = _train(tmp_path, steps=12)
    must = {i for i, n in enumerate(made) if n}
    assert must and must <= waited
    assert len(run.table("grad").series("0.weight", "norm")) == 12 and len(run.scalar("train/loss")) == 12


def test_training_accuracy_counted_at_flush_matches_each_step(tmp_path, monkeypatch):
    """The training accuracy is counted at flush from the kept logits and labels (``_Predictions``): the
    same figure per step as counting at once, with gradient accumulation (two losses per step), for logits
    above the kept size (counted at once), and a step whose labels the script overwrote in place before the
    flush gets no accuracy rather than a wrong one."""
    import traindoctor.collect.torch as T

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 5))
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    xs, ys = torch.randn(6, 40, 20), torch.randint(0, 5, (6, 40))
    wide = nn.Linear(20, 5000)  # logits above _Predictions.MAX elements: counted at once
    expected, reused = [], torch.zeros(40, dtype=torch.long)
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name="acc") as td:
        for step in range(12):
            opt.zero_grad()
            k = step % 6
            if step == 4:  # the labels go through a buffer the script writes into again after the step
                reused.copy_(ys[k])
                y = reused
            else:
                y = ys[k]
            out = model(xs[k])
            if step % 3 == 1:  # accumulation: two halves, two losses in one step
                n = 0
                for half in (slice(0, 25), slice(25, 40)):
                    nn.functional.cross_entropy(out[half], y[half]).backward(retain_graph=True)
                    n += int((out[half].argmax(1) == y[half]).sum())
                expected.append(n / 40)
            elif step == 7:
                logits = wide(xs[k])
                nn.functional.cross_entropy(logits, y).backward()
                expected.append(float((logits.argmax(1) == y).float().mean()))
            else:
                nn.functional.cross_entropy(out, y).backward()
                expected.append(float((out.argmax(1) == y).float().mean()))
            opt.step()
            if step == 4:
                reused.fill_(0)  # before the flush: the kept labels changed
    acc = TDRun(str(tmp_path / "acc")).scalar("train/acc")
    got = dict(zip(acc.step.tolist(), acc.value.tolist()))
    assert sorted(got) == list(range(12))
    for s in range(12):
        if s == 4:
            assert math.isnan(got[s])
        else:
            assert abs(got[s] - expected[s]) < 1e-6, (s, got[s], expected[s])


def _train_weights(tmp_path, name, steps=40, poison_at=None, where=(0, 0), **options):
    """SGD with momentum on a 600x300 first layer (180,000 elements: sampled between full steps); the exact
    norm of that weight at each step, as the step's forward pass saw it."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(600, 300), nn.ReLU(), nn.Linear(300, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = torch.randn(64, 600), torch.randint(0, 4, (64,))
    exact = []
    with traindoctor.watch(model, opt, logdir=str(tmp_path), name=name, stats_budget=0.001, **options):
        for step in range(steps):
            if step == poison_at:
                with torch.no_grad():
                    model[0].weight[where] = float("inf")  # a write by the script
            exact.append(float(model[0].weight.detach().norm()))
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    return TDRun(str(tmp_path / name)), exact


def test_weight_norms_between_full_steps_follow_the_exact_ones(tmp_path):
    """Between full steps a CPU weight's norm comes from the update's sample, calibrated against the exact norm
    at the last full step: within 0.5% of the exact norm at every step while the weight grows by 5%+."""
    run, exact = _train_weights(tmp_path, "sampled")
    w = run.table("weight").series("0.weight", "norm")
    assert list(w.step) == list(range(40))
    rel = np.abs(w.value - np.array(exact)) / np.array(exact)
    assert exact[-1] / exact[0] > 1.05
    assert rel.max() < 5e-3, rel
    full = run.table("weight").series("0.weight", "std")
    assert np.isfinite(full.value).sum() < 40  # most steps were not full ones: the sample was used
    # exact_weight_norms=True: every step's norm is the exact one
    run, exact = _train_weights(tmp_path, "exact", exact_weight_norms=True)
    w = run.table("weight").series("0.weight", "norm")
    assert np.allclose(w.value, exact, rtol=1e-5)


def test_a_weight_written_non_finite_outside_the_sample_is_seen_at_that_step(tmp_path):
    """An Inf written by the script into an element no run of the sample covers: the forward pass's check
    sees the output go non-finite, and that step's weights get the exact pass."""
    from traindoctor.collect.stats import change_sample
    from traindoctor.collect.torch import UPDATE_CHUNKS, UPDATE_SAMPLE

    probe = torch.zeros(300, 600)
    change_sample(probe, UPDATE_SAMPLE, UPDATE_CHUNKS).fill_(1.0)
    where = tuple(int(i) for i in (probe == 0).nonzero()[0])  # an element outside the sample
    run, _ = _train_weights(tmp_path, "poison", steps=30, poison_at=20, where=where)
    w = run.table("weight")
    bad = (w.col("nonfinite") > 0) & (w.key == w.keys.index("0.weight"))
    assert bad.any() and int(w.step[bad].min()) == 20
