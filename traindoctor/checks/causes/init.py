"""Weight-initialisation causes: all-zero/all-equal weights, ranks that start apart."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..base import Check, Context, Finding, Outcome, register
from . import _signals as sig
from .graph import STATIC_STEP, _last_layer


def _layer_weights(ctx: Context) -> list[tuple[str, dict, dict]]:
    """``(param, param info, step-0 stats)`` for the matrix weights of learned layers, in model order."""
    params = sig.module_params(ctx)
    w0 = sig.weights_at(ctx)
    out = []
    for name, p in params.items():
        if p["module_class"] not in sig.LAYER_CLASSES or len(p.get("shape", [])) < 2:
            continue
        if not p.get("requires_grad", True) or name not in w0:
            continue
        out.append((name, p, w0[name]))
    return out


def _step0_stds(ctx: Context) -> list[tuple[str, float]]:
    """Each module output's spread at the first recorded step, ``(activation key, std)`` in forward order."""
    def compute() -> list[tuple[str, float]]:
        act = ctx.run.table("activation")
        if not len(act):
            return []
        rows = act.rows_at(int(act.step.min()))
        rows = rows[np.argsort(act.seq[rows])]
        std = act.col("std")
        return [(act.keys[int(act.key[r])], float(std[r])) for r in rows]

    return ctx.cached("init.step0_stds", compute)


def _block_ends(modules: list[str]) -> set[str]:
    """The last layer of each repeated block (``blocks.3.fc2`` of ``blocks.0`` ... ``blocks.15``, in model
    order), where there are two or more blocks."""
    ends: dict[str, str] = {}
    for name in modules:
        parts = name.split(".")
        for i, part in enumerate(parts[:-1]):
            if part.isdigit():
                ends[".".join(parts[:i + 1])] = name  # the block's last layer so far
    siblings = Counter(block.rpartition(".")[0] for block in ends)
    return {layer for block, layer in ends.items() if siblings[block.rpartition(".")[0]] >= 2}


def _constant(w: dict) -> bool:
    """A weight whose values are all one: its minimum equals its maximum (exactly; the recorded std of 8192
    weights of 0.01 is 3e-5, float32's rounding in the fused reduction), or, without them, a std of zero."""
    if "min" in w and "max" in w:
        return w["min"] == w["max"]
    return w["std"] == 0


@register
class AllZeroInit(Check):
    """``init.all_zero``: a layer's weights start all zero or all equal.

    All units of such a layer compute the same function and get the same gradient,
    so they stay identical (and with zeros everywhere downstream, get no gradient at
    all). Reported: a hidden layer whose weights all share one non-zero value, two
    or more all-zero hidden layers, or a model whose every layer is constant. A
    single zero layer between random ones (a zero output head, LoRA's B matrix) is
    a known recipe: the first update already gives its rows different values.
    "Equal" means a minimum equal to the maximum at step 0.
    """

    id = "init.all_zero"
    needs = frozenset({"weight"})
    #: Zero hidden layers that make units symmetric: one zero layer between random ones is broken by the
    #: first update (its gradient differs per row), two or more leave the units between them identical.
    MIN_ZERO_LAYERS = 2

    #: normalisation layers whose weight (gamma) scales their whole output
    NORM_CLASSES = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "InstanceNorm1d",
                    "InstanceNorm2d", "InstanceNorm3d", "RMSNorm")

    def _norms_zeroed(self, ctx: Context) -> Finding | None:
        """Every normalisation layer's weight (gamma) at zero: each outputs its bias alone, the same for every
        input, the ReLUs after it are dead or constant, and nothing before it gets a gradient (probe O f08: an
        init helper that zeroes every 1-D parameter, BatchNorm weights included, 0.10 against 0.99). Not the
        last layer of repeated blocks (zero_init_residual: the block starts as the identity, the first
        normalisation of the stem keeps 1)."""
        params = sig.module_params(ctx)
        w0 = sig.weights_at(ctx)
        norms = [(n, p) for n, p in params.items() if p["module_class"] in self.NORM_CLASSES
                 and n.endswith("weight") and p.get("requires_grad", True) and n in w0]
        if not norms or not all(_constant(w0[n]) and w0[n].get("min", w0[n]["mean"]) == 0 for n, _ in norms):
            return None
        ends = _block_ends([p["module"] for p in params.values()])
        zeroed = [n for n, p in norms if p["module"] not in ends]
        if not zeroed:
            return None
        first = params[zeroed[0]]["module"]
        return Finding(
            self.id, f"Every normalisation layer's weight starts at zero ({len(norms)}: "
                     f"{', '.join(n for n, _ in norms[:4])}{'…' if len(norms) > 4 else ''}): each outputs its bias "
                     f"alone, the same for every input, and nothing before it gets a gradient",
            severity="error", confidence=0.9, location=first, step=STATIC_STEP,
            evidence={"zero_norm_weights": [n for n, _ in norms],
                      "classes": sorted({p["module_class"] for _, p in norms})},
            advice="Leave normalisation weights at 1 (their default): an init loop that zeroes every 1-D "
                   "parameter should zero the biases only (if name.endswith('bias')), or skip norm layers "
                   "(isinstance(m, (nn.Linear, nn.Conv2d))).",
            explains=["activation.dead_relu", "weight.not_updating", "grad.vanishing", "loss.not_converging",
                      "fit.underfitting", "weight.change_too_small"])

    def run(self, ctx: Context) -> Outcome:
        norms = self._norms_zeroed(ctx)
        if norms is not None:
            return Outcome.found(norms)
        layers = _layer_weights(ctx)
        if not layers:
            return Outcome.not_checked("no layer weights were recorded at the first step")
        head = _last_layer(ctx)
        constant = [(n, p, w) for n, p, w in layers if _constant(w) and w["numel"] > 1]
        branches = _block_ends([p["module"] for _, p, _ in layers])
        # the last layer of each repeated block, zero: the residual recipe (Fixup, zero-init residual), each
        # block starting as the identity; its input is the block's own, random, so it trains
        hidden = [c for c in constant if c[1]["module"] != head
                  and not (c[1]["module"] in branches and c[2].get("min", c[2]["mean"]) == 0)]
        equal = [c for c in hidden if c[2]["mean"] != 0]
        zero = [c for c in hidden if c[2]["mean"] == 0]
        # a linear model (its one trained layer the output head: a read-out on fixed features, logistic
        # regression) has no hidden units to keep symmetric: zeros are its usual start
        linear = len(layers) == 1 and layers[0][1]["module"] == head
        if not equal and len(zero) < self.MIN_ZERO_LAYERS and (len(constant) < len(layers) or linear):
            note = "layer weights start random"
            if constant:
                note += f" (zero-initialised: {', '.join(c[0] for c in constant)}; a single zero layer between " \
                        f"random ones is a known recipe, e.g. LoRA or zero-init heads)"
            return Outcome.passed(note)
        name, p, w = (equal or zero or constant)[0]
        value = w.get("min", w["mean"])
        what = "all zero" if value == 0 else f"all equal to {sig.fmt_num(value)}"
        return Outcome.found(Finding(
            self.id, f"{name} starts {what}: its units stay symmetric and learn the same thing",
            severity="error", confidence=0.9, location=p["module"], step=STATIC_STEP,
            evidence={"constant_layers": {n: {"value": w.get("min", w["mean"]), "numel": int(w["numel"])}
                                          for n, _, w in constant},
                      "layers": len(layers)},
            advice="Initialise weights randomly (keep PyTorch's default, or nn.init.kaiming_normal_/xavier_uniform_); "
                   "constant initialisation is fine only for biases and normalisation layers.",
            explains=["weight.not_updating", "weight.change_too_small", "grad.vanishing", "loss.not_converging",
                      "fit.underfitting", "activation.dead_relu"],
            plots={f"{name} std": {"table": "weight", "key": name, "field": "std"}}))


def init_gains(ctx: Context) -> dict[str, tuple[float, dict]]:
    """Each layer weight's gain at the first step, ``std * sqrt(fan_in)``, with its parameter record; constant
    layers are left out (init.all_zero's)."""
    gains = {}
    for name, p, w in _layer_weights(ctx):
        fan = int(np.prod(p["shape"][1:]))
        if p["module_class"] in ("RNN", "LSTM", "GRU") and "weight_hh" in name:
            fan = p["shape"][1]
        if w["std"] > 0 and not _constant(w):
            gains[name] = (w["std"] * np.sqrt(fan), p)
    return gains


@register
class InitScale(Check):
    """``hparam.init_scale``: initial weight scale far off the variance-preserving range.

    The gain of a layer, ``std(W) * sqrt(fan_in)``, is what multiplies the scale of
    its input: PyTorch's default gives 0.58, Xavier about 1, Kaiming for ReLU 1.41,
    a GPT-style std of 0.02 at width 64..1024 gives 0.16..0.64. ``MAX_GAIN`` sits
    above every such scheme (tanh's Xavier gain 5/3 included); ``MIN_GAIN`` below the
    smallest of them, and must hold on ``MIN_SMALL_LAYERS`` hidden layers, because a
    small output head is a deliberate recipe and one small layer is absorbed by the
    next. Step-0 activation scales are attached as evidence.
    """

    id = "hparam.init_scale"
    needs = frozenset({"weight"})
    MAX_GAIN = 4.0
    MIN_GAIN = 0.04
    MIN_SMALL_LAYERS = 2

    def run(self, ctx: Context) -> Outcome:
        layers = _layer_weights(ctx)
        if not layers:
            return Outcome.not_checked("no layer weights were recorded at the first step")
        head = _last_layer(ctx)
        gains = init_gains(ctx)
        large = [(n, g, p) for n, (g, p) in gains.items() if g > self.MAX_GAIN]
        small = [(n, g, p) for n, (g, p) in gains.items() if g < self.MIN_GAIN and p["module"] != head]
        act = self._activation_scales(ctx)
        ev_gains = {n: round(float(g), 4) for n, (g, _) in gains.items()}
        if large:
            n, g, p = large[0]
            return Outcome.found(Finding(
                self.id, f"{n} is initialised {g / 1.0:.1f}x larger than a variance-preserving scale "
                         f"(std {sig.fmt_num(g / np.sqrt(np.prod(p['shape'][1:])))})",
                severity="error", confidence=0.85, location=p["module"], step=STATIC_STEP,
                evidence={"gain_std_x_sqrt_fan_in": ev_gains, "too_large": [x[0] for x in large],
                          "activation_std_step0": act},
                advice="Use a fan-in-scaled initialisation (PyTorch's default, nn.init.kaiming_normal_ for ReLU, "
                       "nn.init.xavier_uniform_ for tanh), i.e. std about 1/sqrt(fan_in), not a fixed std.",
                explains=["loss.blowup", "loss.nan_inf", "grad.exploding", "activation.saturated",
                          "tensor.overflow", "loss.oscillating", "activation.dead_relu", "loss.not_converging"]))
        if len(small) >= self.MIN_SMALL_LAYERS:
            n, g, p = small[0]
            return Outcome.found(Finding(
                self.id, f"{len(small)} layers are initialised far below a variance-preserving scale "
                         f"(gain {g:.3g} at {n})",
                severity="error", confidence=0.8, location=p["module"], step=STATIC_STEP,
                evidence={"gain_std_x_sqrt_fan_in": ev_gains, "too_small": [x[0] for x in small],
                          "activation_std_step0": act},
                advice="Use a fan-in-scaled initialisation (std about 1/sqrt(fan_in), or nn.init.kaiming_normal_) "
                       "so that signals and gradients keep their scale from layer to layer.",
                explains=["grad.vanishing", "weight.change_too_small", "loss.not_converging", "fit.underfitting",
                          "weight.not_updating"]))
        growth = self._growth_across_blocks(ctx)
        if growth is not None:
            g = growth
            return Outcome.found(Finding(
                self.id, f"Activations grow {g['growth']:.0f}x across {g['blocks']} repeated blocks at the first step "
                         f"({g['first_block']} std {sig.fmt_num(g['first_std'])} → {g['last_block']} std "
                         f"{sig.fmt_num(g['last_std'])}), {g['growth_per_block']:.2f}x per block",
                severity="error", confidence=0.85, location=g["last_block"], step=STATIC_STEP,
                evidence={**g, "gain_std_x_sqrt_fan_in": ev_gains},
                advice=("A growth of 2x per block is the input added to the stream twice (out += x; return "
                        "out + x): check each block's forward adds its skip once. " if g["growth_per_block"] >= 1.9
                        else "") +
                       "Each residual block adds its output to the stream with about the stream's own scale, so "
                       "the scale compounds with depth. Scale the branches down at init (zero-initialise each "
                       "block's last layer, or multiply its weights by 1/sqrt(2 x blocks)), or put a "
                       "normalisation (LayerNorm/BatchNorm) in each block.",
                explains=["loss.blowup", "loss.nan_inf", "grad.exploding", "tensor.overflow", "loss.oscillating",
                          "weight.change_too_large", "activation.saturated"]))
        return Outcome.passed("layer gains std*sqrt(fan_in) within "
                              f"[{self.MIN_GAIN}, {self.MAX_GAIN}]")

    #: repeated blocks (modules named alike but for an index: blocks.0 ... blocks.15) whose outputs' step-0 spread
    #: grows by this factor from the first to the last, rising at most blocks: no normalisation and branches at
    #: full scale (16 residual blocks with Kaiming init: 4000x, 1.7x per block). A pre-norm transformer's residual
    #: stream grows about as the square root of its depth (4x at 16 layers).
    BLOCK_GROWTH = 100.0
    MIN_BLOCKS = 4

    def _growth_across_blocks(self, ctx: Context) -> dict | None:
        """The repeated blocks whose outputs grow the most at the first step, past ``BLOCK_GROWTH``."""
        stds = dict(_step0_stds(ctx))
        groups: dict[str, list[tuple[int, str]]] = {}
        for key in stds:
            parts = key.split(".")
            for i, part in enumerate(parts):
                if part.isdigit():
                    pattern = ".".join(parts[:i] + ["#"] + parts[i + 1:])
                    groups.setdefault(pattern, []).append((int(part), key))
        best = None
        for pattern, members in groups.items():
            members.sort()
            idx = [i for i, _ in members]
            if len(members) < self.MIN_BLOCKS or idx != list(range(idx[0], idx[0] + len(idx))):
                continue
            v = np.array([stds[k] for _, k in members])
            if not np.all(np.isfinite(v)) or v[0] <= 0:
                continue
            ratio = float(v[-1] / v[0])
            # the blocks' own outputs (blocks.#) before their inner layers (blocks.#.fc1), then the largest growth
            rank = (pattern.endswith("#"), ratio)
            if ratio >= self.BLOCK_GROWTH and np.mean(v[1:] > v[:-1]) >= 0.75 and (best is None or rank > best[0]):
                best = rank, {"first_block": members[0][1], "last_block": members[-1][1], "growth": round(ratio, 1),
                        "blocks": len(members), "growth_per_block": round(ratio ** (1 / (len(members) - 1)), 3),
                        "first_std": float(v[0]), "last_std": float(v[-1])}
        return best[1] if best else None

    def _activation_scales(self, ctx: Context) -> dict[str, float]:
        return dict(_step0_stds(ctx)[:16])


@register
class DistributedMismatch(Check):
    """``init.distributed_mismatch``: ranks start training from different weights.

    Every rank records its own stream; the per-parameter statistics (mean, std,
    norm) of each rank at its first step are compared with rank 0's. Identical
    initial weights give identical statistics to the last bit; ``REL_TOL`` allows
    for reductions summed in another order on another device.
    """

    id = "init.distributed_mismatch"
    needs = frozenset({"weight"})
    REL_TOL = 1e-4

    #: loads of the evaluated model from averaged state, at least, and trained copies of it
    AVERAGE_LOADS = 3
    AVERAGE_COPIES = 2
    #: the averaged model's evaluation this far below the copies' training accuracy
    AVERAGE_GAP = 0.2

    def _averaged_apart(self, ctx: Context) -> Finding | None:
        """Federated averaging (or any weight averaging of several trained copies) without the broadcast: the
        evaluated model is loaded again and again from state that is none of its own (the copies' average), while
        the copies, built from different random inits, are never loaded from it and train apart; the average of
        unrelated networks is no network (probe R f06: 0.68 against 0.96 with the averaged weights sent back to
        each client at the start of its round; data.too_few_samples led). From the ``state_restore`` events, the
        models' parameter shapes and optimizers, and the evaluation gap."""
        from ..signals import helper_models

        loads: dict[str, int] = {}
        restored = set()
        per_class = Counter(ev.get("class") for ev in sig.events(ctx, "model"))
        for e in sig.events(ctx, "state_restore"):
            if e.get("model") == e.get("class") and per_class[e.get("class")] > 1:
                continue  # a load before the model first ran, named by a class several models share
            restored.add(e.get("model"))
            if e.get("tensors") and not e.get("own_tensors"):
                loads[e.get("model")] = loads.get(e.get("model"), 0) + 1
        helpers = helper_models(ctx)
        evaluated = {e.get("model") for e in sig.events(ctx, "eval")}
        models = sig.model_param_shapes(ctx)
        gap = sig.eval_accuracy_gap(ctx)
        for root, n in loads.items():
            if n < self.AVERAGE_LOADS or root not in evaluated or root not in helpers or not models.get(root):
                continue
            copies = [r for r, sh in models.items() if r != root and r not in helpers and sh == models[root]]
            if len(copies) < self.AVERAGE_COPIES or any(c in restored for c in copies):
                continue
            if gap is None or gap["gap"] < self.AVERAGE_GAP:
                continue
            return Finding(
                self.id, f"{root}, the model the evaluations run, is loaded {n} times with state that is none of its "
                         f"own (an average), while the {len(copies)} trained copies of its architecture "
                         f"({', '.join(copies[:4])}) are never loaded from it: they train apart from different "
                         f"starts, and their average evaluates at {gap['eval_acc']:.3f} against their "
                         f"{gap['train_acc']:.3f}",
                severity="error", confidence=0.8, location=root, step=STATIC_STEP,
                evidence={"evaluated_model": root, "loads": n, "trained_copies": copies,
                          "eval_acc": round(gap["eval_acc"], 4), "train_acc": round(gap["train_acc"], 4)},
                advice="Send the averaged weights back to every copy before it trains again "
                       "(client.load_state_dict(global_model.state_dict()) at the start of each round), or build "
                       "every copy from one initialisation: averaging works only for networks with a common start.",
                explains=["fit.overfitting", "data.too_few_samples", "fit.underfitting", "data.label_errors",
                          "graph.weight_sharing"])
        return None

    def run(self, ctx: Context) -> Outcome:
        averaged = self._averaged_apart(ctx)
        if averaged is not None:
            return Outcome.found(averaged)
        if not hasattr(ctx.run, "rank_table"):
            return Outcome.not_checked("this source records a single rank")
        ranks = sorted({int(e.get("rank", 0) or 0) for e in ctx.run.events("meta")} - {0})
        if not ranks:
            return Outcome.not_checked("single-process run: no other rank to compare")
        w0 = sig.weights_at(ctx)
        if not w0:
            return Outcome.not_checked("rank 0 recorded no weights")
        diffs: dict[int, list[tuple[str, float]]] = {}
        compared = 0
        for r in ranks:
            other = self._rank_weights(ctx, r)
            for name, st in other.items():
                if name not in w0:
                    continue
                compared += 1
                a, b = w0[name], st
                rel = max(abs(a[f] - b[f]) / max(abs(a[f]), abs(b[f]), 1e-12) for f in ("mean", "std", "norm"))
                if rel > self.REL_TOL:
                    diffs.setdefault(r, []).append((name, rel))
        if not compared:
            return Outcome.not_checked("no weights of other ranks to compare")
        if not diffs:
            return Outcome.passed(f"{len(ranks) + 1} ranks start from identical weights")
        r, items = next(iter(diffs.items()))
        name, rel = items[0]
        return Outcome.found(Finding(
            self.id, f"Rank {r} starts from different weights than rank 0 ({len(items)} parameters differ)",
            severity="error", confidence=0.9, location=name, step=STATIC_STEP,
            evidence={"ranks_differing": sorted(diffs), "params_differing": {str(k): [n for n, _ in v][:10]
                                                                            for k, v in diffs.items()},
                      "max_relative_difference": float(max(x for v in diffs.values() for _, x in v)),
                      "rank0": w0[name], "compared_params": compared},
            advice="Seed every rank identically (torch.manual_seed(seed) before building the model) or broadcast "
                   "rank 0's parameters (torch.distributed.broadcast, or wrap the model in "
                   "DistributedDataParallel, which does it).",
            explains=["loss.not_converging", "loss.oscillating", "fit.underfitting"]))

    def _rank_weights(self, ctx: Context, rank: int) -> dict[str, dict[str, float]]:
        blocks = ctx.run.rank_table("weight", rank)
        first: dict[str, dict[str, float]] = {}
        s0 = min((int(c["step"].min()) for _, c in blocks if len(c["step"])), default=None)
        if s0 is None:
            return first
        from ...record.run import TENSOR_FIELDS

        for keys, cols in blocks:
            vals = cols["values"].reshape(len(cols["step"]), -1)
            for i in np.nonzero(cols["step"] == s0)[0]:
                first.setdefault(keys[int(cols["key"][i])], dict(zip(TENSOR_FIELDS, (float(x) for x in vals[i]))))
        return first
