"""Graph-structure causes: freezing, sharing, connection, modes, loss function, operators, optimizer."""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from ..base import Check, Context, Finding, Outcome, register
from ..signals import finite, helper_models, last_tenth_mean, module_forward_order, printed_accuracy_wrong, \
    train_loader, train_loss_scale
from . import _signals as sig

STATIC_STEP = 0

_NOT_UPDATING = ["weight.not_updating", "loss.not_converging", "fit.underfitting"]


def _looks_default_init(w: dict[str, float], fan_in: int) -> bool:
    """PyTorch's default for Linear/Conv/RNN is U(-1/sqrt(fan_in), 1/sqrt(fan_in)): std = bound/sqrt(3)."""
    if not fan_in:
        return False
    bound = 1.0 / math.sqrt(fan_in)
    return w["max"] <= bound * 1.0001 and w["min"] >= -bound * 1.0001 and \
        abs(w["std"] - bound / math.sqrt(3)) <= 0.1 * bound / math.sqrt(3)


def _fan_in(shape: list[int]) -> int:
    if len(shape) < 2:
        return 0
    return int(np.prod(shape[1:]))


def _last_layer(ctx: Context) -> str | None:
    """The module of the last parameterised layer in forward order (the output head)."""
    act = ctx.run.table("activation")
    params = sig.module_params(ctx)
    modules_with_params = {p["module"] for p in params.values() if p["module_class"] in sig.LAYER_CLASSES}
    if len(act):
        s0 = int(act.step.min())
        rows = act.rows_at(s0)
        order = [act.keys[int(act.key[r])] for r in rows[np.argsort(act.seq[rows])]]
        layers = [m for m in order if m in modules_with_params]
        if layers:
            return layers[-1]
    names = [p["module"] for p in params.values() if p["module"] in modules_with_params]
    return names[-1] if names else None


@register
class FrozenWeights(Check):
    """``graph.frozen_weights``: trainable-looking layers that never train.

    A layer is frozen when its weights have ``requires_grad`` off or sit in no
    optimizer's param groups. Freezing a pretrained backbone is normal, so the check
    tells frozen *random* weights (still exactly PyTorch's default initialisation,
    which a pretrained layer never is) from frozen trained ones, and treats a frozen
    output head as an error either way: nothing else can map features to classes.
    A layer frozen at first and trained later (a backbone unfrozen after a few epochs,
    ``opt.add_param_group``) got gradients: it is not frozen.
    """

    id = "graph.frozen_weights"
    needs = frozenset({"graph"})
    #: an Embedding's padding id that is this share of the tokens or more, and sits between other tokens (not in
    #: a run at either end of its sequence) at ``INSIDE`` of its occurrences or more, is a real token
    PAD_SHARE = 0.01
    INSIDE = 0.5
    #: ... while another id ends this share of the sequences in a run of two or more: the data's padding
    PADDED_ROWS = 0.3

    def _padding_is_a_token(self, ctx: Context) -> Finding | None:
        """``nn.Embedding(..., padding_idx=p)`` where p is a token the data uses: its embedding row stays zero and
        gets no gradient, so the model never learns it (probe K f06: padding_idx=1 where the data pads with 0
        and the label counts token 1; 0.75 against 1.00). Padding fills the ends of sequences; from the
        collector's reading of the first training batches, this id sits between other tokens, and another id
        ends ``PADDED_ROWS`` of the sequences in a run (the padding the data really uses). Without such an id,
        nothing is said: a padding_idx for a missing category in a table sits anywhere by design."""
        last: dict[str, dict] = {}
        first: dict[str, int] = {}
        for ev in sig.events(ctx, "embedding_padding"):
            last[ev["module"]] = ev
            first.setdefault(ev["module"], int(ev.get("step", 0)))
        for name, ev in last.items():
            pad, tokens = int(ev.get("padding_tokens", 0)), max(int(ev.get("tokens", 0)), 1)
            inside = int(ev.get("padding_inside", 0))
            if pad < self.PAD_SHARE * tokens or inside < self.INSIDE * pad:
                continue
            p, other = ev["padding_idx"], ev.get("commonest_last")
            other_share = ev.get("commonest_last_rows", 0) / max(int(ev.get("rows", 0)), 1)
            if other is None or other == p or other_share < self.PADDED_ROWS:
                continue  # no other id pads the sequences: padding_idx may mark a missing value by design
            return Finding(
                self.id, f"{name} has padding_idx={p}, but id {p} is a token the data uses: {inside / pad:.0%} of "
                         f"its {pad} occurrences sit between other tokens, while id {other} ends "
                         f"{other_share:.0%} of the sequences; the embedding of id {p} stays zero and never trains",
                severity="error", confidence=0.8, location=name, step=first[name],
                evidence={"padding_idx": p, "padding_id_share_of_tokens": round(pad / tokens, 4),
                          "share_inside_sequences": round(inside / pad, 4), "commonest_last_id": other,
                          "rows_ending_with_it": round(other_share, 4)},
                advice=f"Set padding_idx to the id the data pads with ({other}, it seems), or leave it out: "
                       f"padding_idx only zeroes and freezes that one row.",
                explains=["fit.underfitting", "fit.overfitting", "loss.not_converging", "weight.not_updating"])
        return None

    #: updates recorded after the re-initialisation, all zero, for a part to count as never trained again
    UNTRAINED_AFTER = 10

    def _trained_then_reinitialised(self, ctx: Context) -> Finding | None:
        """Weights trained, then re-initialised by ``torch.nn.init`` and never updated again: a pretrained encoder
        that ``classifier.apply(init_weights)`` (meant for the new head) reset, and that was then frozen for a linear
        probe: the head learns on random features (probe M f11: 0.64 against 0.90; nothing was found, the
        encoder's freezing came after the model was recorded). From the collector's ``reinit`` events and the
        update table: updates before the call, none of the ``UNTRAINED_AFTER`` or more recorded after it."""
        at: dict[str, tuple[int, str]] = {}
        for ev in sig.events(ctx, "reinit"):
            at.setdefault(ev["param"], (int(ev["step"]), ev.get("function", "init")))
        if not at:
            return None
        steps, keys, mat = sig.update_ratios(ctx)
        lost = []
        for name, (step, fn) in at.items():
            if name not in keys:
                continue
            col = mat[:, keys.index(name)]
            before, after = col[steps <= step], col[steps > step]
            before, after = before[np.isfinite(before)], after[np.isfinite(after)]
            if np.count_nonzero(before > 0) >= 3 and len(after) >= self.UNTRAINED_AFTER and not np.any(after > 0):
                lost.append((name, step, fn, int(np.count_nonzero(before > 0))))
        if not lost:
            return None
        name, step, fn, trained = lost[0]
        mods = sorted(_modules_of(sig.module_params(ctx), [n for n, *_ in lost]))
        return Finding(
            self.id, f"{name} was trained for {trained} steps, then re-initialised by torch.nn.init.{fn} at step "
                     f"{step} and never updated after it" + (f" ({len(lost)} parameters of {', '.join(mods[:4])} "
                                                             f"so)" if len(lost) > 1 else "")
                     + ": what it learned is thrown away, and the model runs on random weights that nothing trains",
            severity="error", confidence=0.85, location=mods[0], step=step,
            evidence={"parameters": [n for n, *_ in lost], "function": fn, "reinit_step": step,
                      "updated_steps_before": trained, "modules": mods},
            advice="Initialise only the new layers (head.apply(init_weights), not the model that holds the "
                   "pretrained part), or load the trained weights back; a part that is frozen keeps the values it "
                   "has when it is frozen.",
            explains=["fit.underfitting", "loss.not_converging", "data.label_errors", "fit.overfitting",
                      "hparam.lr_too_small", "weight.not_updating"])

    def _unregistered(self, ctx: Context) -> Finding | None:
        """Layers the model uses but does not hold: kept in a plain Python list or dict (``self.hidden =
        [nn.Linear(...) for ...]`` for ``nn.ModuleList``), or a tensor made with requires_grad=True for an
        ``nn.Parameter``. ``model.parameters()`` misses them, so no optimizer updates them: they stay at their
        random init (probe R f03: three hidden layers of a spiral MLP, 0.55 against 1.00; nothing was found).
        From the op graph of the model's first training forward: trainable leaf tensors that are neither its
        parameters nor any optimizer's."""
        for g in sig.events(ctx, "opgraph"):
            seen: dict[int, tuple[list, str]] = {}
            for op in g.get("ops", []):
                for t in op.get("in", []):
                    if t.get("leaf_grad") and "input" in t:
                        seen.setdefault(t["input"], (t.get("shape") or [], op.get("module") or g.get("root")))
            if not seen:
                continue
            shapes = [tuple(v[0]) for v in seen.values()]
            numel = sum(math.prod(sh) for sh in shapes)
            where = next(iter(seen.values()))[1] or g.get("root") or "the model"
            return Finding(
                self.id, f"{len(shapes)} trainable tensor(s) that {where}'s forward uses are not its parameters "
                         f"({', '.join(str(sh) for sh in shapes[:4])}{', ...' if len(shapes) > 4 else ''}; "
                         f"{numel} values): layers kept in a plain list or dict are not registered, so "
                         f"model.parameters() and the optimizer miss them and they never train",
                severity="error", confidence=0.9, location=where, step=int(g.get("step", STATIC_STEP)),
                evidence={"unregistered_tensors": len(shapes), "shapes": [list(sh) for sh in shapes[:10]],
                          "numel": numel, "model": g.get("root")},
                advice="Hold sub-layers in nn.ModuleList / nn.ModuleDict (not a list or dict), and trainable "
                       "tensors as nn.Parameter (not torch.randn(..., requires_grad=True)), so that "
                       "model.parameters() returns them; build the optimizer after that.",
                explains=_NOT_UPDATING + ["weight.change_too_small"])
        return None

    def _loaded_nothing(self, ctx: Context) -> Finding | None:
        """A trained state loaded with ``strict=False`` into a model none of whose keys it names: its keys carry
        another prefix (``swa_model.state_dict()``'s ``module.``, a DataParallel checkpoint's), nothing loads and
        nothing says so, and the model evaluated after it is its random initialisation (probe S f03: an SWA average
        exported into a fresh model, 0.18 against 0.93; hparam.epochs_too_many led). A partial load (a pretrained
        backbone into a new model) names most of its keys; strict=True raises on it."""
        for e in sig.events(ctx, "state_restore"):
            if e.get("strict", True) or not e.get("module_keys") or e.get("matched_keys", 1) or not e.get("tensors"):
                continue
            theirs, ours = e.get("state_keys_sample") or [], e.get("module_keys_sample") or []
            return Finding(
                self.id, f"load_state_dict(..., strict=False) at step {e['step']} loaded none of {e['model']}'s "
                         f"{e['module_keys']} keys: the state's {e['tensors']} tensors are named otherwise "
                         f"({', '.join(theirs[:2])} against {', '.join(ours[:2])}), so {e['model']} keeps its "
                         f"random initialisation",
                severity="error", confidence=0.9, location=f"{e['model']}.load_state_dict", step=int(e["step"]),
                evidence={"model": e["model"], "module_keys": e["module_keys"], "matched_keys": 0,
                          "state_tensors": e["tensors"], "state_keys": theirs, "model_keys": ours},
                advice="Load with strict=True (the default): it names the missing and unexpected keys. Strip the "
                       "prefix the state carries: swa_model.module.state_dict() for an AveragedModel, "
                       "model.module.state_dict() for DataParallel/DDP, or {k.removeprefix('module.'): v for k, v "
                       "in state.items()}.",
                explains=["fit.overfitting", "hparam.epochs_too_many", "fit.underfitting", "weight.not_updating",
                          "data.label_errors"])
        return None

    def run(self, ctx: Context) -> Outcome:
        params = sig.module_params(ctx)
        if not params:
            return Outcome.not_checked("no model was recorded")
        replaced = _replaced_after_optimizer(ctx)
        if replaced is not None:
            return Outcome.found(replaced)
        padding = self._padding_is_a_token(ctx)
        if padding is not None:
            return Outcome.found(padding)
        thrown = self._trained_then_reinitialised(ctx) or self._unregistered(ctx) or self._loaded_nothing(ctx)
        if thrown is not None:
            return Outcome.found(thrown)
        in_opt = sig.optimizer_params(ctx)
        w0 = sig.weights_at(ctx)
        head = _last_layer(ctx)
        helpers = helper_models(ctx)
        helper_params = {n for names in helpers.values() for n in names}
        frozen: dict[str, list[str]] = {}
        how: dict[str, str] = {}
        for name, p in params.items():
            if p["module_class"] not in sig.LAYER_CLASSES and p["module_class"] not in ("Embedding",):
                continue
            if name in helper_params:
                continue
            if not p.get("requires_grad", True):
                frozen.setdefault(p["module"], []).append(name)
                how[p["module"]] = "requires_grad=False"
            elif in_opt is not None and name not in in_opt:
                frozen.setdefault(p["module"], []).append(name)
                how[p["module"]] = "in no optimizer param group"
        unfrozen = _trained_later(ctx, [n for names in frozen.values() for n in names])
        if unfrozen:
            frozen = {m: names for m, names in frozen.items() if not any(n in unfrozen for n in names)}
        if not frozen:
            if unfrozen:
                first = min(unfrozen.values())
                return Outcome.passed(f"{len(unfrozen)} parameter(s) frozen at first were trained from step {first} on")
            if helpers:
                return Outcome.passed(f"the trained model's layers are all trainable; {', '.join(helpers)} ran only "
                                      f"under no_grad and in no optimizer (a frozen teacher, EMA or target model)")
            return Outcome.passed("every layer's weights are trainable and handed to an optimizer")
        random_frozen, head_frozen = [], []
        for mod, names in frozen.items():
            weight = next((n for n in names if n.endswith("weight") or "weight_ih" in n), names[0])
            stats = w0.get(weight)
            fan = _fan_in(params[weight]["shape"])
            if params[weight]["module_class"] in ("RNN", "LSTM", "GRU"):
                hidden = params[weight]["shape"][0]
                fan = max(1, hidden // {"RNN": 1, "LSTM": 4, "GRU": 3}[params[weight]["module_class"]])
            if mod == head:
                head_frozen.append(mod)
            elif stats is not None and _looks_default_init(stats, fan):
                random_frozen.append(mod)
        bad = head_frozen + [m for m in random_frozen if m not in head_frozen]
        if not bad:
            return Outcome.found(Finding(
                self.id, f"{len(frozen)} layer(s) frozen (trained weights, likely a deliberate fine-tuning setup)",
                severity="info", confidence=0.3, location=next(iter(frozen)), step=STATIC_STEP,
                evidence={"frozen_modules": {m: how[m] for m in frozen}},
                advice="If these layers should adapt to this task, pass their parameters to the optimizer "
                       "and set requires_grad=True."))
        n_frozen = sum(params[n]["numel"] for m in bad for n in frozen[m])
        total = sum(p["numel"] for p in params.values())
        where = bad[0]
        reasons = {m: how[m] + (" (output head)" if m in head_frozen else " (still at its random initialisation)")
                   for m in bad}
        first = frozen[where][0]
        # no layer of any model in an optimizer, which holds tensors that no model ran: the model was built
        # again after the optimizer was (a "reset" before training), or the optimizer got another model's
        orphans = sorted(n for n in (in_opt or ()) if n not in params)
        if orphans and not any(n in in_opt for n in params if n not in helper_params):
            return Outcome.found(Finding(
                self.id, f"No layer of the model is in an optimizer: it holds {len(orphans)} tensor(s) of no model "
                         f"that ran (the model copied, copy.deepcopy, or built again after the optimizer?)",
                severity="error", confidence=0.9, location=where, step=STATIC_STEP,
                evidence={"frozen_modules": reasons, "optimizer_tensors_of_no_model": orphans[:20],
                          "frozen_params": n_frozen, "total_params": total},
                advice="Build the optimizer from the model that trains, after it is built (model = build(); "
                       "opt = torch.optim.Adam(model.parameters())), and again whenever the model is replaced.",
                explains=_NOT_UPDATING,
                plots={f"{first} weight norm": {"table": "weight", "key": first, "field": "norm"}}))
        return Outcome.found(Finding(
            self.id, f"Layer {where} is frozen ({how[where]}) and never trains",
            severity="error", confidence=0.9 if where in head_frozen or len(bad) > 1 else 0.85,
            location=where, step=STATIC_STEP,
            evidence={"frozen_modules": reasons, "frozen_params": n_frozen, "total_params": total,
                      "frozen_fraction": round(n_frozen / max(total, 1), 3), "output_head": head},
            advice=f"Unfreeze {', '.join(bad)}: set requires_grad=True on its parameters and hand them to the "
                   f"optimizer (e.g. torch.optim.Adam(model.parameters()) rather than a subset).",
            explains=_NOT_UPDATING,
            plots={f"{first} weight norm": {"table": "weight", "key": first, "field": "norm"}}))


def _replaced_after_optimizer(ctx: Context) -> Finding | None:
    """The collector's ``opt_loose_params``: at an optimizer's first step without gradients, the model had
    parameters with gradients in no optimizer. A layer replaced after the optimizer was built, or the whole model
    copied: the optimizer steps the old tensors, nothing the new ones. Where the optimizer's tensors belong to no
    model that ran, FrozenWeights' own orphan finding says it."""
    evs = sig.events(ctx, "opt_loose_params")
    if not evs:
        return None
    ev = evs[0]
    names = ev["params"]
    loose = set(names)
    layers = sorted({n.rsplit(".", 1)[0] if "." in n else n for n in names})
    opts = {e["index"]: e for e in sig.events(ctx, "optimizer")}
    cls = opts.get(ev["optimizer"], {}).get("class", "the optimizer")
    where = layers[0]
    title = (f"Layer {where} gets gradients but is in no optimizer: {cls} holds "
             f"{ev['optimizer_tensors_outside_models']} tensor(s) that the model no longer uses (the layer replaced "
             f"after the optimizer was built?)")
    whole = False
    for model in sig.events(ctx, "model"):
        own = {p["name"] for m in model.get("modules", []) for p in m.get("params", []) if p.get("requires_grad", True)}
        if own and own == loose:  # a whole model in no optimizer
            params = sig.module_params(ctx)
            if any(n not in params for n in sig.optimizer_params(ctx) or ()):
                return None  # the optimizer's tensors belong to no model that ran: the check's own finding says so
            title = (f"No layer of the model is in an optimizer: {model.get('root')} trains, and {cls} holds the "
                     f"tensors of another model (the model copied, copy.deepcopy, or built again after the optimizer?)")
            whole = True
            break
    return Finding(
        "graph.frozen_weights", title,
        severity="error", confidence=0.9, location=where, step=int(ev["step"]),
        evidence={"params_in_no_optimizer": names[:20], "count": ev["count"],
                  "optimizer_tensors_outside_models": ev["optimizer_tensors_outside_models"],
                  "optimizer_tensors": ev.get("optimizer_tensors")},
        advice=(f"Build the optimizer from the model that trains, after it is copied or built "
                f"(model = copy.deepcopy(net); opt = torch.optim.{cls}(model.parameters()))." if whole else
                f"Build the optimizer after the model is complete (replace {', '.join(layers)} first, then "
                f"torch.optim.{cls}(...)), or hand the new layer's parameters to it with "
                f"optimizer.add_param_group({{'params': model.{where}.parameters()}})."),
        explains=_NOT_UPDATING + ["graph.optimizer"],
        plots={"train loss": "train/loss"})


def _trained_later(ctx: Context, names: list[str]) -> dict[str, int]:
    """Of these parameters, those that got a non-zero gradient at some step, with the first such step."""
    g = ctx.run.table("grad")
    if not len(g) or not names:
        return {}
    steps, norms = g.pivot("norm")  # cached: the gradient checks read it too
    out = {}
    for n in names:
        if n in g.keys:
            col = norms[:, g.keys.index(n)]
            hit = np.nonzero(np.isfinite(col) & (col > 0))[0]
            if len(hit):
                out[n] = int(steps[hit[0]])
    return out


_TYING_CLASSES = {"Embedding", "Linear"}


@register
class WeightSharing(Check):
    """``graph.weight_sharing``: one Parameter reached under several module paths.

    The model event lists every parameter that ``named_parameters(remove_duplicate=False)``
    returns more than once. Tying an input embedding to an output projection
    (Embedding + Linear) is a known, deliberate pattern and passes; any other sharing,
    typically ``[layer] * n`` or one module object registered twice, is reported.
    """

    id = "graph.weight_sharing"
    needs = frozenset({"graph"})

    def run(self, ctx: Context) -> Outcome:
        evs = sig.events(ctx, "model")
        if not evs:
            return Outcome.not_checked("no model was recorded")
        classes = {m["name"]: m["class"] for ev in evs for m in ev.get("modules", [])}
        root_classes = {m.get("path", ""): m["class"] for ev in evs for m in ev.get("modules", [])}
        suspicious, tied = [], []
        for ev in evs:
            for paths in ev.get("shared", []):
                owners = [p.rsplit(".", 1)[0] if "." in p else "" for p in paths]
                owner_classes = {classes.get(o) or root_classes.get(o) for o in owners}
                owner_classes |= {_class_by_suffix(o, classes) for o in owners}
                owner_classes.discard(None)
                if "Embedding" in owner_classes and owner_classes <= _TYING_CLASSES | {"Embedding"}:
                    tied.append(paths)
                else:
                    suspicious.append(paths)
        if not suspicious:
            note = "no parameter is shared" if not tied else f"only embedding/output tying ({len(tied)})"
            return Outcome.passed(note)
        paths = suspicious[0]
        n_modules = len({p.rsplit(".", 1)[0] for group in suspicious for p in group})
        return Outcome.found(Finding(
            self.id, f"One parameter is shared by {len(paths)} module paths: {', '.join(paths[:4])}",
            severity="error", confidence=0.85, location=paths[0], step=STATIC_STEP,
            evidence={"shared_groups": suspicious[:10], "modules_sharing": n_modules,
                      "known_tying": tied[:4]},
            advice="Build a separate layer for each position (e.g. nn.ModuleList([make_layer() for _ in range(n)]) "
                   "instead of [layer] * n); share weights only where the design says so.",
            explains=["loss.not_converging", "fit.underfitting", "grad.exploding"],
            plots={}))


def _class_by_suffix(owner: str, classes: dict[str, str]) -> str | None:
    for name, cls in classes.items():
        if name.endswith("." + owner) or name == owner:
            return cls
    return None


@register
class NodeConnection(Check):
    """``graph.node_connection``: trainable parameters that never receive a gradient.

    When a block's output does not reach the loss (a result computed and dropped,
    a ``.detach()`` or ``.data`` in the middle, a branch left out of the sum), its
    parameters get no ``.grad`` at all, step after step. Parameters frozen on purpose
    (requires_grad off) and parameters in no optimizer (``graph.frozen_weights``) are
    left out; a parameter must miss its gradient in the first and the last recorded
    state to count, so conditional branches that run now and then pass. When another
    optimizer took over (a cross-validation's next fold), only its parameters count,
    from the step it did.
    """

    id = "graph.node_connection"
    needs = frozenset({"graph"})

    #: share of the training steps whose loss had no graph behind it
    LEAF_SHARE = 0.5
    #: share of a module's repeated calls in one forward whose state input is its own detached output
    CUT_SHARE = 0.5
    #: class names of recurrent cells (torch's GRUCell, LSTMCell, RNNCell and hand-written ones named so)
    RECURRENT_WORDS = ("Cell", "GRU", "LSTM", "RNN", "Recurrent")

    def _state_detached(self, ctx: Context) -> Finding | None:
        """A module called again and again in one forward (a GRUCell, an LSTMCell, a hand-written cell over the
        time steps) whose state input is its own previous output detached, at most steps: no gradient flows
        through time, and an output read at the last step cannot learn from the early inputs (probe P f08: ``h =
        self.cell(x[:, t], h.detach())``, 0.24 against 1.00; a loss at a constant answer's led). A truncation
        every k steps (``if t % k == 0: h = h.detach()``) cuts a few links and passes; so does a module that is no
        recurrent cell by its class name (iterative refinement detaches its estimate between iterations on
        purpose). From the op graph: detach ops outside the module taking its output and feeding it again."""
        for g in sig.events(ctx, "opgraph"):
            ops = g.get("ops", [])
            made_in = {i: op.get("module") for i, op in enumerate(ops)}
            cuts: dict[str, list[int]] = {}
            for i, op in enumerate(ops):
                if op.get("op") != "aten.detach" or not op.get("in"):
                    continue
                src = (op["in"][0].get("from") or [None])[0]
                owner = made_in.get(src)
                if owner is None or owner == op.get("module") or not owner:
                    continue
                fed_back = any(later.get("module") == owner and any(t.get("from", [None])[0] == i
                                                                    for t in later.get("in", []))
                               for later in ops[i + 1:i + 200])
                if fed_back:
                    cuts.setdefault(owner, []).append(i)
            for owner, at in cuts.items():
                first = next((t.get("param") for op in ops if op.get("module") == owner
                              for t in op.get("in", []) if t.get("param")), None)
                calls = sum(1 for op in ops if op.get("module") == owner
                            and any(t.get("param") == first for t in op.get("in", []))) if first else 0
                if len(at) < 2 or calls < 3 or len(at) < self.CUT_SHARE * (calls - 1):
                    continue
                cls = next((m.get("class") for m in ctx.modules() if m["name"] in _qualified(g, owner)), None)
                if not cls or not any(w in cls for w in self.RECURRENT_WORDS):
                    continue  # an iterative refinement (a flow estimate detached between its iterations) may mean it
                what = f"{owner} ({cls})"
                return Finding(
                    self.id, f"{what} is called {calls} times in one forward, and {len(at)} times its state input is "
                             f"its own previous output detached: no gradient flows back through the steps, so "
                             f"what it reads early cannot shape the output",
                    severity="error", confidence=0.85, location=owner, step=int(g.get("step", STATIC_STEP)),
                    evidence={"module": owner, "class": cls, "calls": calls, "detached_links": len(at)},
                    advice="Drop the .detach() inside the time loop (h = self.cell(x[:, t], h)). Truncated "
                           "backpropagation detaches the state between batches, or every k steps, not at every "
                           "step.",
                    explains=["loss.not_converging", "fit.underfitting", "data.label_errors", "grad.vanishing",
                              "weight.change_too_small"])
        return None

    def _future_visible(self, ctx: Context) -> Finding | None:
        """A decoder's self-attention trained without a causal mask (``nn.Transformer(src, tgt)`` without
        ``tgt_mask``), and a validation far below training: under teacher forcing each position reads the next
        target token and copies it, which decoding one token at a time cannot (probe S f09: training 1.000, greedy
        decoding 0.231; fit.overfitting only). A decoder that predicts all positions at once from queries (DETR)
        needs no mask, and shows no such gap."""
        ev = next(iter(sig.events(ctx, "decoder_unmasked")), None)
        gap = next((f for f in ctx.findings if f.id == "fit.overfitting" and f.severity != "info"
                    and "train_acc" in f.evidence), None)
        if ev is None or gap is None:
            return None
        return Finding(
            self.id, f"{ev['module']} ({ev['layer_class']}) attends over all {ev['length']} target positions "
                     f"in training with no causal mask: each position reads the target tokens after it (teacher "
                     f"forcing) and learns to copy them, so training reaches {gap.evidence['train_acc']:.3f} while "
                     f"validation, decoding without them, scores {gap.evidence['val_acc']:.3f}",
            severity="error", confidence=0.85, location=ev["module"], step=int(ev["step"]),
            evidence={"module": ev["module"], "layer_class": ev["layer_class"], "target_length": ev["length"],
                      "train_acc": gap.evidence["train_acc"], "val_acc": gap.evidence["val_acc"]},
            advice="Pass the causal mask to the decoder: model(src, tgt, tgt_mask=nn.Transformer."
                   "generate_square_subsequent_mask(tgt.size(1)), tgt_is_causal=True) (or attn_mask / is_causal=True "
                   "in a hand-built decoder's self-attention).",
            explains=["fit.overfitting", "loss.zero", "hparam.epochs_too_many", "data.preprocess_mismatch"])

    def run(self, ctx: Context) -> Outcome:
        cut = self._state_detached(ctx) or self._future_visible(ctx)
        if cut is not None:
            return Outcome.found(cut)
        leaf = sig.events(ctx, "leaf_loss")
        steps = len(ctx.loss)
        if leaf and steps and leaf[-1]["count"] >= self.LEAF_SHARE * steps:
            return Outcome.found(Finding(
                self.id, f"The training loss has no graph behind it at {leaf[-1]['count']}+ of {steps} steps: "
                         f"backward() reaches no weight",
                severity="error", confidence=0.95, location="loss", step=int(leaf[0].get("step", STATIC_STEP)),
                evidence={"steps_with_a_leaf_loss": leaf[-1]["count"], "steps": steps},
                advice="Call backward() on the loss tensor the model's output produced. A loss rebuilt from a number "
                       "(torch.tensor(loss.item(), requires_grad=True)), or computed from .detach()ed or .numpy() "
                       "values, is cut from the model: keep .item() for logging only.",
                explains=_NOT_UPDATING + ["graph.optimizer", "grad.vanishing", "loss.not_converging",
                                          "fit.underfitting"]))
        detached = sig.events(ctx, "loss_detached")
        if detached and steps and detached[-1]["count"] >= self.LEAF_SHARE * steps and not any(
                ev.get("mode") == "train" for ev in sig.events(ctx, "loss_call")):
            fn = detached[0].get("function", "the loss function")
            return Outcome.found(Finding(
                self.id, f"{fn} is given a detached output at {detached[-1]['count']}+ of {steps} steps: no training "
                         f"loss reaches the model's output",
                severity="error", confidence=0.9, location="loss", step=int(detached[0].get("step", STATIC_STEP)),
                evidence={"detached_loss_calls": detached[-1]["count"], "steps": steps, "function": fn},
                advice=f"Give {fn} the model's output itself, not output.detach() (or .data, or a tensor rebuilt "
                       f"from it): the loss that backward() runs on must depend on the output for the weights "
                       f"that produce it to learn; detach only the copy you log.",
                explains=_NOT_UPDATING + ["loss.not_converging", "fit.underfitting", "weight.change_too_small"]))
        first_step = self._first_step_only(ctx) or self._output_ignores_input(ctx)
        if first_step is not None:
            return Outcome.found(first_step)
        evs = sig.events(ctx, "grad_missing")
        in_opt = sig.optimizer_params(ctx)
        phases = sig.events(ctx, "phase")
        if phases and evs:
            # another optimizer took over (the next fold of a cross-validation, a student after its teacher):
            # the parameters of the last phase's optimizers, from its start
            start, active = int(phases[-1]["step"]), set(phases[-1].get("optimizers") or [])
            evs = [e for e in evs if e.get("step", 0) >= start]
            in_opt = {n for ev in sig.events(ctx, "optimizer") if ev.get("index") in active
                      for g in ev.get("groups", []) for n in g.get("params", [])}
        if not evs:
            return Outcome.passed("every trainable parameter received a gradient") \
                if len(ctx.run.table("grad")) else Outcome.not_checked("no gradients were recorded")
        first, last = set(evs[0]["params"]), set(evs[-1]["params"])
        missing = sorted(first & last)
        if in_opt is not None:
            missing = [p for p in missing if p in in_opt]
        # a gradient recorded at any step: connected (the events come only where the missing set changes, so a
        # last step that ran one of two models' backward is one event, first and last: probe R h01, an ensemble)
        grad = ctx.run.table("grad")
        if missing and len(grad):
            _, norms = grad.pivot("norm")
            had = {k for j, k in enumerate(grad.keys) if np.isfinite(norms[:, j]).any()}
            missing = [p for p in missing if p not in had]
        if not missing:
            return Outcome.passed("every trainable parameter received a gradient")
        params = sig.module_params(ctx)
        modules = _modules_of(params, missing)
        act = ctx.run.table("activation")
        ran = [m for m in modules if m in act.keys]
        n_missing = sum(params.get(p, {}).get("numel", 0) for p in missing)
        return Outcome.found(Finding(
            self.id, f"{modules[0]} is not connected to the loss: its parameters never get a gradient",
            severity="error", confidence=0.9, location=modules[0], step=int(evs[0].get("step", STATIC_STEP)),
            evidence={"modules_without_gradient": modules[:10], "params_without_gradient": missing[:20],
                      "numel_without_gradient": n_missing, "modules_that_ran_forward": ran[:10]},
            advice=f"Make {modules[0]}'s output reach the loss: use the value it returns (x = layer(x)), "
                   f"remove .detach()/.data/torch.no_grad() on the path, or delete the block if it is unused.",
            explains=_NOT_UPDATING + ["grad.vanishing"]))


    #: steps of gradient statistics needed to say a recurrent weight never gets one
    MIN_GRAD_STEPS = 3

    def _signal_dies_inside(self, ctx: Context) -> bool:
        """The input reaches the model, and dies in it: a layer of ReLUs all dead at the first step (a large negative
        bias: activation.dead_relu's), or a layer initialised so small that the signal vanishes on its way
        (hparam.init_scale's: a deep tanh net at std 1e-3 gave every sample the same output)."""
        from .init import InitScale, init_gains

        act = ctx.run.table("activation")
        if len(act):
            steps, dead = act.pivot("dead_frac")
            first = dead[:1][np.isfinite(dead[:1])] if len(steps) else np.zeros(0)
            if len(first) and float(np.max(first)) >= 0.99:
                return True
        head = _last_layer(ctx)
        return any(g < InitScale.MIN_GAIN and p["module"] != head for g, p in init_gains(ctx).values())

    def _output_ignores_input(self, ctx: Context) -> Finding | None:
        """The model gives every sample of a training batch the same output, from the first step on: nothing of the
        input reaches it (probe M f07: mean pooling with the mask ``tokens == PAD``, which keeps the padding and
        drops the words; the padding's embedding is zero, so the pooled vector is zero for every review, 0.52
        against 1.00; data.label_errors and weight.not_updating were found). From the collector's reading of the
        first training calls of the loss: the input rows identical in every one. The layers whose gradient is
        then zero (the ones before the cut) are named."""
        calls = [e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train"
                 and e.get("model_output") and (e.get("input") or {}).get("rows_identical") is not None]
        if not calls or not all(e["input"]["rows_identical"] for e in calls):
            return None
        if self._signal_dies_inside(ctx) or _saturated_output(ctx, [e["input"] for e in calls]):
            return None
        g = ctx.run.table("grad")
        zero = []
        if len(g):
            _, gn = g.pivot("norm")
            for j, key in enumerate(g.keys):
                col = gn[:, j][np.isfinite(gn[:, j])]
                if len(col) >= self.MIN_GRAD_STEPS and not np.any(col > 0):
                    zero.append(key)
        order = module_forward_order(ctx)
        mods = sorted(_modules_of(sig.module_params(ctx), zero),
                      key=lambda m: order.index(m) if m in order else len(order))
        ev = calls[0]
        where = mods[0] if mods else (ev.get("module") or "the model")
        shape = tuple(ev["input"].get("shape") or [])
        return Finding(
            self.id, f"The model's output is the same for every sample of a training batch ({shape}, at the first "
                     f"{len(calls)} loss calls): nothing of the input reaches it"
                     + (f"; {', '.join(mods[:3])} get a gradient of zero at every step" if mods else ""),
            severity="error", confidence=0.85, location=where, step=int(ev.get("step", STATIC_STEP)),
            evidence={"loss_input_shape": list(shape), "calls": len(calls), "zero_gradient_params": zero[:20]},
            advice="Find where the forward pass multiplies the input's path by zero or drops it: an inverted mask "
                   "(tokens == pad where tokens != pad was meant), a pooling over the padding only, a feature "
                   "zeroed by a wrong index, or the input never used (a layer applied to a constant).",
            explains=_NOT_UPDATING + ["data.label_errors", "activation.dead_relu", "grad.vanishing"])

    def _first_step_only(self, ctx: Context) -> Finding | None:
        """A one-directional recurrent layer whose hidden-to-hidden weights get a gradient of exactly zero at every
        step while its input weights get one: the loss reads its output at the first time step only (``out[:, 0]``
        of a ``batch_first`` LSTM), where the hidden state it multiplies is still the zero initial state, so the
        rest of the sequence never reaches the loss (probe K f12: 0.24 against 1.00 with ``out[:, -1]``; the
        report led with data.label_errors)."""
        g = ctx.run.table("grad")
        if not len(g):
            return None
        _, gn = g.pivot("norm")

        def always(name: str, test) -> bool:
            if name not in g.keys:
                return False
            col = gn[:, g.keys.index(name)]
            col = col[np.isfinite(col)]
            return len(col) >= self.MIN_GRAD_STEPS and bool(test(col))

        for m in ctx.modules():
            name, cls = m.get("name"), m.get("class", "")
            if cls not in ("LSTM", "GRU", "RNN") or f"{name}.weight_hh_l0_reverse" in g.keys:
                continue
            hh, ih = f"{name}.weight_hh_l0", f"{name}.weight_ih_l0"
            if always(hh, lambda c: np.all(c == 0)) and always(ih, lambda c: np.any(c > 0)):
                return Finding(
                    self.id, f"Only the first time step of {name} ({cls}) reaches the loss: its recurrent weights "
                             f"{hh.rsplit('.', 1)[-1]} get a gradient of exactly zero at every step",
                    severity="error", confidence=0.85, location=name, step=STATIC_STEP,
                    evidence={"module": name, "class": cls, "zero_gradient": hh, "input_gradient": ih},
                    advice=f"The output read at the first position of a forward {cls} has seen one token, from a "
                           f"zero hidden state: read the last step (out[:, -1] with batch_first=True, out[-1] "
                           f"otherwise), the final hidden state h_n[-1], or pool over the steps; with padded "
                           f"sequences, each row's last real step.",
                    explains=_NOT_UPDATING + ["data.label_errors"])
        return None


@register
class NodeMode(Check):
    """``graph.node_mode``: BatchNorm/Dropout in the wrong mode.

    Reads the ``modes`` events: the modes in force when a training step starts
    (BatchNorm or Dropout with ``training=False`` while the optimizer steps) and
    during evaluation passes (Dropout active, or BatchNorm updating its statistics
    from evaluation batches). Dropout with p=0 does nothing in either mode and is
    ignored, and so is a module in eval mode that runs only under no_grad while the
    others train (a teacher trained first, then frozen). A module in eval mode inside a
    model in train mode was put there after ``model.train()``, on purpose (BatchNorm
    frozen for fine-tuning with small batches): not reported. At evaluation only the
    modules of the evaluated model count (an EMA copy evaluated while the trained model
    stays in train mode). A pass whose BatchNorms have ``momentum=None`` recomputes their statistics
    (``torch.optim.swa_utils.update_bn``): not an evaluation.
    """

    id = "graph.node_mode"
    needs = frozenset({"graph"})

    def run(self, ctx: Context) -> Outcome:
        evs = sig.events(ctx, "modes")
        if not evs:
            return Outcome.not_checked("no mode information was recorded")
        relevant = lambda v: "Norm" in v["class"] and "Layer" not in v["class"] and "Group" not in v["class"] \
            or ("Dropout" in v["class"] and v.get("p", 0.5) > 0)
        steps = ctx.loss.step
        act = ctx.run.table("activation")

        def ran_with_grad(name: str, lo: int, hi: float) -> bool:
            """The module ran in a forward with autograd on between these steps (its activation rows), or it is
            not known: a model frozen and used under no_grad (a teacher trained first) does not train there."""
            if not len(act) or name not in act.keys:
                return True
            st = act.step[act.key == act.keys.index(name)]
            return bool(np.any((st >= lo) & (st < hi)))

        # no training step at all (a loader that yields no batch): nothing trained in any mode (probe Q f08)
        train_evs = [e for e in evs if e["phase"] == "train"] if len(steps) else []
        # the modes in force at each training step: the last train-phase event at or before it
        wrong_train: dict[str, dict] = {}
        frozen: set[str] = set()  # set to eval mode after model.train(): on purpose
        for i, e in enumerate(train_evs):
            nxt = train_evs[i + 1]["step"] if i + 1 < len(train_evs) else math.inf
            if nxt <= e["step"] or (len(steps) and not np.any((steps >= e["step"]) & (steps < nxt))):
                continue
            for name, v in e["modules"].items():
                if relevant(v) and not v["training"] and name not in wrong_train and \
                        ran_with_grad(name, e["step"], nxt):
                    if v.get("model_training"):
                        frozen.add(name)
                        continue
                    wrong_train[name] = {"class": v["class"], "step": e["step"], "phase": "train"}
        wrong_eval: dict[str, dict] = {}
        for e in evs:
            # a BatchNorm with momentum None averages the batches' statistics: a pass that recomputes them on
            # purpose (torch.optim.swa_utils.update_bn for an averaged model), not an evaluation
            if e["phase"] != "eval" or any(v.get("cumulative") for v in e["modules"].values()):
                continue
            for name, v in e["modules"].items():
                if relevant(v) and v["training"] and name not in wrong_eval:
                    wrong_eval[name] = {"class": v["class"], "step": e["step"], "phase": "eval"}
        tiny = self._tiny_batches(ctx, train_evs, set(wrong_train) | frozen)
        stale = None if wrong_train or wrong_eval else self._stale_running_stats(ctx, evs)
        for ev in sig.events(ctx, "eval_dropout")[:1]:
            wrong_eval.setdefault(ev["module"], {"class": f"F.{ev['function']}(p={ev['p']:g})",
                                                 "step": int(ev.get("step", 0)), "phase": "eval",
                                                 "functional": True})
        if not wrong_train and not wrong_eval and tiny is None and stale is None:
            return Outcome.passed("BatchNorm/Dropout modes match training and evaluation" + (
                f" ({len(frozen)} kept in eval mode on purpose inside a model in train mode: {sorted(frozen)[0]}"
                + (", ..." if len(frozen) > 1 else "") + ")" if frozen else ""))
        findings = []
        if wrong_train:
            name, v = next(iter(wrong_train.items()))
            broke = self._broke_at(ctx, int(v["step"]))
            findings.append(Finding(
                self.id, f"{name} ({v['class']}) is in eval mode while the model trains"
                + (f" from step {v['step']}, where the loss broke ({broke['before']:.3g} → {broke['after']:.3g})"
                   if broke else ""),
                severity="error", confidence=0.95 if broke else 0.9, location=name, step=int(v["step"]),
                evidence={"modules_in_eval_mode_during_training": wrong_train, **({"loss_break": broke} if broke else {})},
                advice="Call model.train() before the training loop (and after every evaluation pass); "
                       "a BatchNorm left in eval mode normalises with stale running statistics.",
                explains=["loss.not_converging", "fit.underfitting", "loss.oscillating"] + (
                    ["hparam.lr_too_large", "loss.blowup", "loss.nan_inf", "tensor.overflow", "grad.exploding",
                     "weight.change_too_large"] if broke else [])))
        if wrong_eval:
            name, v = next(iter(wrong_eval.items()))
            functional = v.get("functional")
            findings.append(Finding(
                self.id, f"{v['class']} in {name} drops units at evaluation too: the model is in eval mode, but "
                         f"the functional dropout's training argument defaults to True" if functional else
                f"{name} ({v['class']}) is in training mode during evaluation",
                severity="error", confidence=0.85, location=name, step=int(v["step"]),
                evidence={"modules_in_train_mode_during_evaluation": wrong_eval},
                advice="Pass the module's mode: F.dropout(x, p, training=self.training), or use an nn.Dropout "
                       "layer, which follows model.train() and model.eval()." if functional else
                       "Call model.eval() before evaluating (and model.train() after): Dropout must be off and "
                       "BatchNorm must use its running statistics at evaluation.",
                explains=["fit.overfitting", "fit.underfitting"],
                plots={"eval loss": sig.eval_curve(ctx)[0] or "train/loss"}))
        if tiny is not None:
            findings.append(tiny)
        if stale is not None:
            findings.append(stale)
        return Outcome.found(*findings)

    #: share of a BatchNorm's initial running statistics (mean 0, variance 1) still in them at the last evaluation,
    #: (1 - momentum)^steps, above which they are not the data's: momentum=0.001 (TensorFlow's decay 0.999 ported
    #: as is) keeps 81% after 210 steps (probe K f08: wine at 0.61 against 0.98). PyTorch's 0.1 is under 1e-4
    #: after 100 steps, 0.01 under 0.1 after 230
    STALE_SHARE = 0.1

    def _stale_running_stats(self, ctx: Context, evs: list[dict]) -> Finding | None:
        """BatchNorm layers whose momentum is so small that, by the last evaluation, their running statistics
        still hold more than ``STALE_SHARE`` of their initial zero mean and unit variance: evaluation normalises
        with statistics that are not the data's. Reported where evaluation did fall behind training
        (fit.overfitting was found) and the layers ran in eval mode at evaluation."""
        if not any(f.id == "fit.overfitting" for f in ctx.findings):
            return None
        evaluated = {name for e in evs if e["phase"] == "eval" for name, v in e["modules"].items()
                     if "BatchNorm" in v["class"] and not v["training"]}
        last_eval = max((int(e.get("step", 0)) for e in sig.events(ctx, "eval")), default=None)
        if not evaluated or last_eval is None:
            return None
        steps = int(np.sum(ctx.loss.step <= last_eval))
        stale: dict[str, dict] = {}
        for m in ctx.modules():
            extra = m.get("extra") or ""
            if m["name"] not in evaluated or "track_running_stats=True" not in extra:
                continue
            found = re.search(r"momentum=([0-9.eE+-]+)", extra)
            try:
                mom = float(found.group(1)) if found else None
            except ValueError:
                mom = None
            if mom is None or not 0 < mom < 1:
                continue
            left = (1 - mom) ** steps
            if left > self.STALE_SHARE:
                stale[m["name"]] = {"class": m["class"], "momentum": mom, "initial_share_left": round(left, 4)}
        if not stale:
            return None
        name, v = next(iter(stale.items()))
        mom = v["momentum"]
        return Finding(
            self.id, f"{name} ({v['class']}, momentum={mom:g}): after {steps} training steps its running statistics "
                     f"still hold {v['initial_share_left']:.0%} of their initial mean 0 and variance 1, and "
                     f"evaluation normalises with them" + (f" ({len(stale)} BatchNorm layers so)" if len(stale) > 1
                                                           else ""),
            severity="error" if v["initial_share_left"] > 0.5 else "warning",
            confidence=0.8 if v["initial_share_left"] > 0.5 else 0.6, location=name, step=int(last_eval),
            evidence={"training_steps_before_last_evaluation": steps, "batchnorm_layers": stale},
            advice=f"With momentum={mom:g} (the weight of each new batch; a TensorFlow decay of {1 - mom:g}) the "
                   f"running statistics need about {math.log(10) / mom:.0f} steps to keep under 10% of their start, "
                   f"and evaluation came after {steps}. Use PyTorch's default momentum=0.1, or None for a "
                   f"cumulative average, or recompute the statistics before evaluating "
                   f"(torch.optim.swa_utils.update_bn(train_loader, model)).",
            explains=["fit.overfitting", "hparam.epochs_too_many"])

    #: the loss "broke" where the modes went wrong: within ``BREAK_STEPS`` of it, non-finite or ``BREAK`` times
    #: the median of the steps before (probe J f03: 0.53 at step 42, the BatchNorms frozen from 43, then 8.3, 997
    #: and NaN at 46; lr_too_large was ranked first, though the same lr trained well for 43 steps)
    BREAK_STEPS = 10
    BREAK = 3.0

    def _broke_at(self, ctx: Context, step: int) -> dict | None:
        s = ctx.loss
        before = s.value[(s.step < step) & np.isfinite(s.value)][-self.BREAK_STEPS:]
        after = s.value[(s.step >= step) & (s.step < step + self.BREAK_STEPS)]
        if len(before) < 5 or not len(after):
            return None
        ref = float(np.median(before))
        bad = ~np.isfinite(after)
        peak = float(np.max(after[~bad])) if np.any(~bad) else float("nan")
        if not (np.any(bad) or (ref > 0 and peak > self.BREAK * ref)):
            return None
        return {"before": ref, "after": peak if np.isfinite(peak) else float("nan"), "non_finite": bool(np.any(bad))}

    #: BatchNorm in training mode on batches of at most this many samples is reported. Its statistics come from
    #: the batch: over 2 samples each feature of a BatchNorm1d becomes exactly -1 or +1 whatever its value, and
    #: the running statistics used at evaluation average such noise. Wu & He (Group Normalization, 2018) measure
    #: the damage growing sharply below 8 samples per batch, convolutions included; at 4 or fewer it is large.
    TINY_BATCH = 4

    def _tiny_batches(self, ctx: Context, train_evs: list[dict], not_training: set[str]) -> Finding | None:
        """BatchNorm layers in training mode whose input, in the first training forward's op graph, holds at most
        ``TINY_BATCH`` samples, where the training loader's batches (or else the training loss's) are as small:
        not a one-off forward of a dummy sample."""
        training_bn = {name: v["class"] for e in train_evs for name, v in e["modules"].items()
                       if "BatchNorm" in v["class"] and v["training"] and name not in not_training}
        if not training_bn:
            return None
        loader = train_loader(ctx)
        batch = (loader.get("batch_size") if loader else None) or _first_train_graphs(ctx)[0]
        if not batch or batch > self.TINY_BATCH:
            return None
        small: dict[str, dict] = {}
        step = STATIC_STEP
        for g in sig.events(ctx, "opgraph"):
            for op in g.get("ops", []):
                name = op.get("module")
                shape = (op.get("in") or [{}])[0].get("shape") or []
                if "batch_norm" not in op.get("op", "") or name not in training_bn or len(shape) < 2 \
                        or not 0 < shape[0] <= self.TINY_BATCH or name in small:
                    continue
                per_channel = int(np.prod(shape)) // max(int(shape[1]), 1)
                small[name] = {"class": training_bn[name], "input_shape": shape, "samples": int(shape[0]),
                               "values_per_channel": per_channel}
                step = int(g.get("step", STATIC_STEP))
        if not small:
            return None
        name, v = min(small.items(), key=lambda kv: kv[1]["values_per_channel"])
        worst = v["values_per_channel"]
        what = (f"each feature is normalised over {worst} values" if worst == v["samples"] else
                f"its statistics come from {v['samples']} samples ({worst} values per channel)")
        return Finding(
            self.id, f"{name} ({v['class']}) trains on batches of {v['samples']}: {what}",
            severity="error" if v["samples"] <= 2 or worst <= self.TINY_BATCH else "warning",
            confidence=0.85 if v["samples"] <= 2 else 0.7, location=name, step=step,
            evidence={"batch_size": int(batch), "batchnorm_layers": small},
            advice="Train with batches of 16 or more (accumulating gradients does not help: BatchNorm still sees "
                   "each small batch alone), or replace BatchNorm by GroupNorm or LayerNorm, which do not depend "
                   "on the batch.",
            explains=["hparam.lr_too_large", "loss.oscillating", "grad.exploding", "weight.change_too_large",
                      "loss.not_converging", "fit.underfitting", "fit.overfitting", "grad.vanishing",
                      "loss.blowup"])


@register
class LossFunction(Check):
    """``graph.loss_function``: the loss does not fit what the model outputs.

    From the recorded loss-function calls: rows that already sum to one fed to a
    cross-entropy that applies its own softmax; probabilities fed to NLL (which wants
    log-probabilities) or raw scores fed to NLL; values all inside (0, 1) fed to a
    with-logits loss when the model's last op is a sigmoid (a sigmoid applied twice;
    fresh logits can also happen to lie in (0, 1)); integer class ids as the target of
    a regression loss; binary cross-entropy targets outside [0, 1] (a 0/255 mask, -1/+1
    labels: the loss then has no minimum); an element-wise loss whose prediction and
    target shapes broadcast to a larger tensor ((N, 1) against (N,) compares every
    prediction with every target); logits that are never negative and often exactly
    zero (``CLIPPED_ZERO_SHARE``: a ReLU on the output); ``ignore_index`` set to a class of a
    one-label-per-sample classification (its samples teach nothing); regression targets outside the
    range of a bounded last activation (a sigmoid before an MSE on values up to 3.5); one-hot class rows as
    the target of a regression loss; a softmax over the batch (columns that sum to one) (on softmax outputs, the squared error of a probability). ``ROWS_FRACTION`` is the share of rows that must show
    the pattern: softmax outputs sum to one in every row, logits practically never do.
    """

    id = "graph.loss_function"
    needs = frozenset()
    #: Share of rows that must already sum to one (or be log-probabilities) to count.
    ROWS_FRACTION = 0.99
    #: A regression target with at most this many distinct integer values reads as class ids.
    MAX_CLASS_IDS = 50
    #: Share of exact zeros among never-negative logits that says a ReLU cut them (fresh logits have none).
    CLIPPED_ZERO_SHARE = 0.2
    #: without sampled batches to show one label per sample, more classes than this read as a vocabulary
    MAX_SAMPLE_CLASSES = 1000
    #: how far outside a bounded output activation's range a regression target must reach
    RANGE_MARGIN = 0.05
    #: 0/1 float targets of cross-entropy with at least this many labels set per row on average are multi-hot
    #: (one-hot rows set one; rows of no label bring the mean below it)
    MULTI_HOT_MEAN = 1.2

    #: CosineEmbeddingLoss, MarginRankingLoss, HingeEmbeddingLoss: their sign targets, 1 and -1
    SIGN_LOSSES = {"cosine_embedding_loss": "CosineEmbeddingLoss", "margin_ranking_loss": "MarginRankingLoss",
                   "hinge_embedding_loss": "HingeEmbeddingLoss"}
    #: a share of zero targets above this in every recorded call: pairs labelled 0 for "not similar"
    SIGN_ZERO_SHARE = 0.05

    def _zero_sign_targets(self, ctx: Context) -> Finding | None:
        """A loss that takes 1 or -1 as its target given 1/0 (``(y_a == y_b).float()``): a 0 scores neither branch
        (cosine and hinge embedding: no loss; margin ranking: a constant margin), so the pairs labelled 0 teach
        nothing and the embeddings collapse together (probe M f08: a siamese encoder, 0.50 against 0.97; only
        loss.zero was found). From the collector's summary of the first training calls' targets."""
        evs = sig.events(ctx, "sign_target_loss")
        if not evs or not all(e.get("zero_share", 0) > self.SIGN_ZERO_SHARE and not e.get("negative_share")
                              for e in evs):
            return None
        ev = evs[0]
        cls = self.SIGN_LOSSES.get(ev["function"], ev["function"])
        share = float(np.mean([e["zero_share"] for e in evs]))
        return Finding(
            self.id, f"{cls} gets targets of {', '.join(sig.fmt_num(v) for v in ev['values'])} ({share:.0%} of them 0): "
                     f"it takes 1 for a similar pair and -1 for a dissimilar one, and a 0 adds "
                     + ("a constant margin with no gradient" if ev["function"] == "margin_ranking_loss" else
                        "nothing to the loss") + ": the dissimilar pairs are never pushed apart",
            severity="error", confidence=0.9, location=cls, step=int(ev.get("step", STATIC_STEP)),
            evidence={"function": ev["function"], "target_values": ev["values"], "zero_share": round(share, 3),
                      "calls": len(evs)},
            advice="Encode the targets as 1 and -1: target = same.float() * 2 - 1 (or torch.where(same, 1.0, -1.0)).",
            explains=["loss.zero", "loss.not_converging", "fit.underfitting", "fit.overfitting",
                      "data.label_errors", "weight.change_too_small"])

    #: positives this much farther from their anchors than the negatives, on average over the first calls
    TRIPLET_APART = 1.05
    #: ... and a training loss that ends at this share of the margin or above: nothing was learned
    AT_MARGIN = 0.8

    def _triplet_swapped(self, ctx: Context) -> Finding | None:
        """``triplet_margin_loss(anchor, negative, positive)``: positive and negative swapped in the call. Before
        training the network keeps much of its inputs' similarity, so true positives sit nearer their anchors
        than negatives; swapped, the "positives" are the farther ones, and the loss, pulling anchors to other
        classes and pushing their own away, stays at the margin (probe P f02: 1-NN accuracy 0.67 against 0.97;
        nothing was found). From the first three training calls' mean distances and the training loss's end."""
        evs = sig.events(ctx, "triplet_loss")
        if len(evs) < 2:
            return None
        ap = float(np.mean([e["d_anchor_positive"] for e in evs]))
        an = float(np.mean([e["d_anchor_negative"] for e in evs]))
        prog = sig.loss_progress(ctx)
        margin = evs[0]["margin"]
        if ap < self.TRIPLET_APART * an or prog is None or margin <= 0 or prog["end"] < self.AT_MARGIN * margin:
            return None
        return Finding(
            self.id, f"triplet_margin_loss's positives are farther from their anchors than its negatives before "
                     f"training ({ap:.3g} against {an:.3g} on average over its first calls), and the loss ends at "
                     f"{prog['end']:.3g}, its margin {margin:g}: positive and negative look swapped in the call",
            severity="error", confidence=0.75, location="triplet_margin_loss", step=int(evs[0].get("step", 0)),
            evidence={"d_anchor_positive": round(ap, 4), "d_anchor_negative": round(an, 4), "margin": margin,
                      "loss_end": round(prog["end"], 4), "calls": len(evs)},
            advice="Pass the arguments in the loss's order, (anchor, positive, negative): the positive is the sample "
                   "of the anchor's class. Swapped, the loss pulls anchors to other classes.",
            explains=["loss.not_converging", "fit.underfitting", "fit.overfitting", "data.label_errors"])

    #: a training loss falling below -``UNBOUNDED_ABS`` and ``UNBOUNDED_FACTOR`` times its first value's size: no
    #: likelihood or distance a model fits gets there; a term that rewards growing without bound does (a VAE's KL
    #: written without its minus: -1.4e23 by epoch 15, probe S f10). A Gaussian NLL's healthy negative values
    #: stay within a few units per dimension.
    UNBOUNDED_ABS = 1e6
    UNBOUNDED_FACTOR = 1e3

    def _unbounded_below(self, ctx: Context) -> Finding | None:
        """A training loss that falls without bound, orders of magnitude below zero: a term of it rewards some
        quantity for growing (a sign lost), so minimising drives that quantity to infinity and the model with it."""
        tl = finite(ctx.loss)
        if len(tl) < 5:
            return None
        first, low = float(tl.value[0]), float(np.min(tl.value))
        if low > -self.UNBOUNDED_ABS or -low < self.UNBOUNDED_FACTOR * max(abs(first), 1.0):
            return None
        i = int(np.argmax(tl.value < -self.UNBOUNDED_FACTOR * max(abs(first), 1.0)))
        return Finding(
            self.id, f"The training loss falls without bound, from {sig.fmt_num(first)} to {sig.fmt_num(low)}: a "
                     f"term of the loss rewards something for growing (a sign lost), and minimising it drives that "
                     f"quantity, and the weights behind it, to infinity",
            severity="error", confidence=0.85, location="train/loss", step=int(tl.step[i]),
            evidence={"first_loss": first, "lowest_loss": low, "step_below": int(tl.step[i])},
            advice="Check the sign of every term of the loss: a KL divergence is -0.5 * sum(1 + logvar - mu**2 - "
                   "exp(logvar)), a log-likelihood enters the loss negated, a regulariser is added, not "
                   "subtracted. A loss that is a distance or a negative log-likelihood of discrete data cannot go "
                   "below zero.",
            explains=["loss.blowup", "grad.exploding", "weight.change_too_large", "activation.saturated",
                      "weight.not_updating", "fit.overfitting", "fit.underfitting", "loss.nan_inf",
                      "tensor.overflow", "hparam.epochs_too_many", "hparam.lr_too_large"],
            plots={"train/loss": "train/loss", "_log": False})

    def run(self, ctx: Context) -> Outcome:
        signs = self._unbounded_below(ctx) or self._zero_sign_targets(ctx) or self._triplet_swapped(ctx) \
            or self._wrong_answers_rewarded(ctx) or self._clamped_flat(ctx) or self._eval_measures_another(ctx)
        if signs is not None:
            return Outcome.found(signs)
        calls = [e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train"]
        if not calls:
            if sig.events(ctx, "sign_target_loss"):
                return Outcome.passed("the sign-target loss gets 1 and -1")
            if sig.events(ctx, "triplet_loss"):
                return Outcome.passed("triplet_margin_loss's positives start nearer their anchors than its negatives")
            return Outcome.not_checked("no call of a torch loss function was recorded")
        out = _output_module(ctx)
        last = _named(out)
        ignored = self._ignored_class(ctx, calls)
        if ignored is not None:
            return Outcome.found(ignored)
        axis = self._classes_on_last_axis(ctx, calls)
        if axis is not None:
            return Outcome.found(axis)
        smooth = self._smoothing_too_strong(calls) or self._in_batch_one_target(ctx, calls) or \
            self._easy_subset(ctx, calls)
        if smooth is not None:
            return Outcome.found(smooth)
        crossed = self._targets_transposed(calls) or self._term_outweighed(ctx, calls) or \
            self._log_input_of_a_rate(calls, out)
        if crossed is not None:
            return Outcome.found(crossed)
        for ev in calls:
            f = self._judge(ev, [c for c in calls if c["function"] == ev["function"]], last)
            if f is not None:
                return Outcome.found(f)
        return Outcome.passed(f"{calls[0]['function']} gets inputs of the right form")

    #: a square logit matrix of at least this many rows (an in-batch similarity) ...
    IN_BATCH_MIN = 8
    #: ... and a training loss that fell less than this share
    IN_BATCH_FELL = 0.2

    def _in_batch_one_target(self, ctx: Context, calls: list[dict]) -> Finding | None:
        """An in-batch contrastive loss (InfoNCE: a (B, B) similarity matrix, the positive of row i in column i)
        given ``torch.zeros(B)`` for ``torch.arange(B)``: MoCo's convention, whose logits put the positive first,
        copied onto a matrix whose diagonal holds them. Every view is told its positive is the batch's first
        sample; the loss stays at ln B (probe R f01: 5-NN 0.69 against 0.91; data.too_few_samples counted B
        classes). From the first training calls of a cross-entropy: square logits and one target class, and a loss
        that did not fall by ``IN_BATCH_FELL`` (a classifier whose batch size is its class count, fed batches of one
        class from sorted data, learns that class)."""
        ce = [c for c in calls if c.get("function") == "cross_entropy"][:3]
        prog = sig.loss_progress(ctx)
        if not ce or prog is None or prog["rel_decrease"] >= self.IN_BATCH_FELL:
            return None
        for c in ce:
            shape, t = (c.get("input") or {}).get("shape") or [], c.get("target") or {}
            if len(shape) != 2 or shape[0] != shape[1] or shape[0] < self.IN_BATCH_MIN or t.get("distinct") != 1 \
                    or (t.get("shape") or [None])[0] != shape[0]:
                return None
        b, k = ce[0]["input"]["shape"][0], ce[0]["target"].get("min")
        return Finding(
            self.id, f"cross_entropy gets a square ({b}, {b}) logit matrix, an in-batch similarity, with every "
                     f"target class {sig.fmt_num(k)}: each row is told its positive is the batch's sample "
                     f"{sig.fmt_num(k)}, not its own diagonal entry",
            severity="error", confidence=0.85, location=ce[0].get("module") or "cross_entropy",
            step=int(ce[0].get("step", STATIC_STEP)),
            evidence={"logits_shape": [b, b], "target_distinct": 1, "target_value": k, "calls": len(ce)},
            advice="For an in-batch contrastive loss (InfoNCE, SimCLR, CLIP) the target of row i is i: "
                   "labels = torch.arange(B, device=logits.device). Zeros are right only when the positive is "
                   "concatenated as the first column (MoCo's [l_pos, l_neg] logits).",
            explains=["loss.not_converging", "fit.underfitting", "data.too_few_samples", "data.class_imbalance",
                      "data.label_errors"])

    #: a validation loss this many times the training loss of the same first epoch ...
    FIRST_GAP = 3.0
    #: ... that never comes below this share of its first value, while the training loss fell by ``TRAIN_FELL``
    NEVER_BELOW = 0.7
    TRAIN_FELL = 0.2
    MIN_EVALS = 4
    #: the first evaluation within this share of the run (a gap at a late first evaluation can be overfitting)
    FIRST_EVAL_SHARE = 0.2

    def _eval_measures_another(self, ctx: Context) -> Finding | None:
        """Training and evaluation measure different losses: a pinball loss whose residual is reversed in training
        (``pred - target``) but written right at evaluation fits the 10th percentile for the 90th (probe R f02:
        the training loss falls to 0.15, the validation loss stays at 1.0, 5x from the first epoch; nothing was
        found). Overfitting opens a gap as training goes on, not at the first evaluation, and the validation loss
        falls first. From the validation loss (recorded or printed) against the training loss of the steps before
        its first value (times ``train_loss_scale``): ``FIRST_GAP`` times or more, never below ``NEVER_BELOW`` of
        its first value over ``MIN_EVALS`` evaluations or more, while the training loss fell ``TRAIN_FELL``. Not
        where the data checks find the evaluation's data apart (classes only there, inputs processed otherwise),
        where one torch loss function serves both sides unchanged, or where the first evaluation comes after
        ``FIRST_EVAL_SHARE`` of the run (a zoo script memorising 120 samples before its first evaluation)."""
        from ...report.accuracy import metric_series

        tag, vs = metric_series(ctx, "val_loss", printed=True)
        tl = finite(ctx.loss)
        prog = sig.loss_progress(ctx)
        if vs is None or len(vs) < self.MIN_EVALS or len(tl) < 20 or prog is None or \
                prog["rel_decrease"] < self.TRAIN_FELL or not np.all(np.isfinite(vs.value)):
            return None
        scale = train_loss_scale(ctx) or 1.0
        calls = sig.events(ctx, "loss_call")
        same = {c.get("function") for c in calls if c.get("mode") == "train"}
        if same and same == {c.get("function") for c in calls if c.get("mode") == "eval"} and abs(scale - 1) < 0.01:
            return None  # one torch loss function on both sides, its value what backward() got: the same loss
        before = tl.value[tl.step <= vs.step[0]]
        if len(before) < 5 or vs.step[0] > self.FIRST_EVAL_SHARE * tl.step[-1]:
            return None
        first_train = float(np.mean(before)) * scale
        v0 = float(vs.value[0])
        if first_train <= 0 or v0 < self.FIRST_GAP * first_train or float(np.min(vs.value)) < self.NEVER_BELOW * v0:
            return None
        from .data import NotShuffled, PreprocessMismatch  # (they run after this family: asked for here, run once)

        if any(f.severity != "info" for c in (NotShuffled, PreprocessMismatch) for f in ctx.outcome(c).findings):
            return None  # the data checks find the data apart (a split by class, inputs processed otherwise): not the loss
        end_train = prog["end"] * scale
        return Finding(
            self.id, f"The validation loss ({tag}) is {v0 / first_train:.1f}x the training loss from the first "
                     f"evaluation ({sig.fmt_num(v0)} against {sig.fmt_num(first_train)}) and never improves "
                     f"(best {sig.fmt_num(float(np.min(vs.value)))}), while the training loss falls to "
                     f"{sig.fmt_num(end_train)}: training and evaluation compute different losses",
            severity="warning", confidence=0.65, location=tag, step=int(vs.step[0]),
            evidence={"val_tag": tag, "first_val_loss": v0, "train_loss_first_epoch": first_train,
                      "best_val_loss": float(np.min(vs.value)), "train_loss_end": end_train,
                      "evaluations": int(len(vs))},
            advice="Compute the training loss as the evaluation does: the same function, sign and argument order "
                   "(a pinball loss's residual is target - pred), the same reduction and target transform; a "
                   "gap at the first evaluation is no overfitting.",
            explains=["fit.overfitting", "fit.underfitting", "hparam.epochs_too_many", "data.too_few_samples",
                      "loss.zero"])

    #: ops of the loss graph that keep part of a per-sample loss
    SUBSET_OPS = ("Topk", "Sort", "MaskedSelect", "Index")
    #: the kept part's loss falls below this share of its start while the whole batch's accuracy stays below
    #: ``SUBSET_ACC``
    SUBSET_FELL = 0.05
    SUBSET_ACC = 0.7

    def _easy_subset(self, ctx: Context, calls: list[dict]) -> Finding | None:
        """A loss that keeps the part of each batch the model already fits: hard-example mining written
        ``per.topk(k, largest=False)`` trains on the easiest quarter (probe R f07: their loss 1e-5 from epoch 2,
        the training accuracy over every sample 0.44, validation 0.45 against 0.95; data.label_errors led).
        From the loss graph (a selection among its top ops, over a per-sample loss) and the training curves:
        the loss that backward() gets falls to ``SUBSET_FELL`` of its start while the accuracy counted over the
        whole batch stays below ``SUBSET_ACC``."""
        top = sig.loss_graph_ops(ctx)
        pick = next((op for op in top[:3] if op.startswith(self.SUBSET_OPS)), None)
        per = any(c.get("reduction") == "none" for c in calls[:3])
        acc = finite(ctx.run.scalar("train/acc"))
        prog = sig.loss_progress(ctx)
        if pick is None or not per or not len(acc) or prog is None or prog["start"] <= 0 or \
                prog["end"] > self.SUBSET_FELL * prog["start"] or last_tenth_mean(acc.value) >= self.SUBSET_ACC:
            return None
        kind = _autograd_name(pick)
        return Finding(
            self.id, f"The loss backward() gets falls {sig.fmt_num(prog['start'])} → {sig.fmt_num(prog['end'])} "
                     f"while the accuracy over each whole batch stays at {last_tenth_mean(acc.value):.3f}: the loss "
                     f"keeps part of the per-sample losses ({kind} in its graph), the part the model already fits",
            severity="error", confidence=0.8, location="loss", step=0,
            evidence={"loss_graph": top[:6], "loss_start": prog["start"], "loss_end": prog["end"],
                      "train_acc_whole_batch": round(last_tenth_mean(acc.value), 4)},
            advice="Hard-example mining keeps the largest losses: per.topk(k, largest=True) (the default), or "
                   "sort descending; check which samples a mask or an index keeps, and log the whole batch's loss "
                   "beside the kept part's.",
            explains=["loss.zero", "fit.underfitting", "data.label_errors", "loss.not_converging"])

    #: steps of a training loss at one value, to the float's precision, under a clamp that passes no gradient
    CLAMPED_STEPS = 20
    CLAMP_OPS = ("Clamp", "Minimum", "Maximum", "Hardtanh")

    def _clamped_flat(self, ctx: Context) -> Finding | None:
        """A loss clamped where every sample sits beyond the bound: ``per_sample.clamp(max=2.0)`` in a truncated
        loss whose untrained value is ln 10 = 2.30 (probe R f04): a clamped value passes no gradient, so nothing
        ever trains and the loss is 2.0000 at every step. From the loss graph (a clamp among its top ops) and the
        training loss, one value at each of ``CLAMPED_STEPS`` steps or more."""
        top = sig.loss_graph_ops(ctx)
        clamp = next((op for op in top if op.startswith(self.CLAMP_OPS)), None)
        _, v = sig.finite_loss(ctx)
        if clamp is None or len(v) < self.CLAMPED_STEPS or float(np.ptp(v)) > 1e-6 * max(abs(float(v[0])), 1e-12):
            return None
        return Finding(
            self.id, f"The training loss is {sig.fmt_num(float(v[0]))} at every one of its {len(v)} steps, and the "
                     f"loss is clamped ({_autograd_name(clamp)} in its graph): "
                     f"every sample sits beyond the bound, where the clamp passes no gradient",
            severity="error", confidence=0.85, location="loss", step=0,
            evidence={"loss_value": float(v[0]), "steps": int(len(v)), "loss_graph": top[:6]},
            advice="Set the bound above the untrained model's loss (ln of the class count for a cross-entropy) or "
                   "clamp only the largest losses of each batch (a quantile); a loss clamped for every sample "
                   "has zero gradient.",
            explains=["weight.not_updating", "loss.not_converging", "fit.underfitting", "grad.vanishing",
                      "weight.change_too_small"])

    #: evaluation accuracy at most this share of what predictions independent of the labels would score ...
    ANTI_SHARE = 0.25
    #: ... on an evaluation of this many samples or more, at each of the last ``ANTI_EVALS`` evaluations
    ANTI_MIN_SAMPLES = 100
    ANTI_EVALS = 2
    #: the accuracy the predictions would have with their classes renamed at best: this high, they carry the labels
    #: under other names (a label set permuted between training and evaluation), which the label checks judge
    RENAMED_ACC = 0.5

    @staticmethod
    def _renamed(conf: np.ndarray) -> float:
        """The accuracy of the predictions under the best one-to-one renaming of their classes."""
        from scipy.optimize import linear_sum_assignment

        r, c = linear_sum_assignment(conf, maximize=True)
        return float(conf[r, c].sum() / max(conf.sum(), 1))

    def _wrong_answers_rewarded(self, ctx: Context) -> Finding | None:
        """A loss that training minimises by moving away from the right class: a focal term written ``pt ** gamma``
        for ``(1 - pt) ** gamma`` (probe Q f01: the loss falls to 2e-7 while the validation accuracy is 0.000 from
        the first epoch; loss.zero read it as memorising). Predictions that ignored the labels would still hit
        the right class as often as the rows' and the columns' shares make likely; an evaluation accuracy below
        ``ANTI_SHARE`` of that, at the last ``ANTI_EVALS`` evaluations, while the training loss fell by half or
        more, says the objective rewards wrong answers. A permuted label set (a renaming of the classes scores
        well) is the label checks' to judge; a training accuracy above chance is a train/evaluation mismatch."""
        evs = [e for e in sig.events(ctx, "eval") if e.get("confusion")]
        progress = sig.loss_progress(ctx)
        if len(evs) < self.ANTI_EVALS or progress is None or progress["rel_decrease"] < 0.5:
            return None
        seen = []  # the evaluations from the last back to the first that still rewards wrong answers
        for ev in reversed(evs):
            conf = np.array(ev["confusion"], dtype=np.float64)
            n = conf.sum()
            if conf.ndim != 2 or len(conf) < 3 or n < self.ANTI_MIN_SAMPLES:
                break
            rows, cols = conf.sum(1) / n, conf.sum(0) / n
            chance, acc = float(rows @ cols), float(np.trace(conf) / n)
            if chance < 0.05 or acc > self.ANTI_SHARE * chance or self._renamed(conf) >= self.RENAMED_ACC:
                break
            seen.insert(0, (int(ev.get("step", 0)), acc, chance))
        if len(seen) < self.ANTI_EVALS:
            return None
        train = finite(ctx.run.scalar("train/acc"))
        if len(train) and last_tenth_mean(train.value) > seen[-1][2]:
            return None
        step, (_, acc, chance) = seen[0][0], seen[-1]
        return Finding(
            self.id, f"Training drives the predictions away from the right class: the loss fell "
                     f"{progress['start']:.3g} → {progress['end']:.3g} while the evaluation accuracy is {acc:.3f}, "
                     f"below the {chance:.3f} that predictions ignoring the labels would score: the loss rewards "
                     f"wrong answers",
            severity="error", confidence=0.85, location="loss", step=step,
            evidence={"eval_accuracy": [round(a, 4) for _, a, _ in seen[-5:]],
                      "independent_predictions_accuracy": [round(c, 4) for _, _, c in seen[-5:]],
                      "eval_steps": [s for s, _, _ in seen[-5:]], "evaluations_below": len(seen),
                      "loss_start": sig.fmt_num(progress["start"]), "loss_end": sig.fmt_num(progress["end"])},
            advice="Check the loss's sign and its weighting terms: a focal loss is -(1 - p_t) ** gamma * log p_t "
                   "(not p_t ** gamma); a hand-written cross-entropy is -log p of the true class; the loss must "
                   "fall as the true class's probability rises.",
            explains=["loss.zero", "fit.underfitting", "loss.not_converging", "data.label_errors",
                      "fit.overfitting"])

    #: output activations that are never negative (a log-rate below zero, a rate below 1, is out of reach)
    NON_NEGATIVE = ("Softplus", "ReLU", "Sigmoid", "ReLU6", "Softmax")

    def _log_input_of_a_rate(self, calls: list[dict], out: tuple[str, str | None] | None) -> Finding | None:
        """``poisson_nll_loss`` with ``log_input=True`` (nn.PoissonNLLLoss's default) on a model whose last
        activation is never negative (a Softplus meant to give the rate itself): the loss reads the output as
        log(rate), the model learns the log of the counts, and its output read as the rate is far too small
        (probe O f10: MSE 58 against 8.7 with log_input=False; loss.not_converging was all that showed)."""
        act = out[1] if out else None
        for ev in calls:
            if ev["function"] != "poisson_nll_loss" or not ev.get("log_input") or act not in self.NON_NEGATIVE:
                continue
            return Finding(
                self.id, f"poisson_nll_loss takes its input as a log-rate (log_input=True) but the model's output "
                         f"comes from a {act}, never negative: the loss fits exp(output) to the counts, so the "
                         f"output is the log of the rate, not the rate",
                severity="error", confidence=0.85, location="poisson_nll_loss", step=int(ev.get("step", STATIC_STEP)),
                evidence={"log_input": True, "output_activation": _named(out), "input": ev.get("input"),
                          "target_mean": (ev.get("target") or {}).get("mean")},
                advice="Either pass the rate and say so, nn.PoissonNLLLoss(log_input=False) (the output then must "
                       "stay positive, as a Softplus keeps it), or drop the Softplus and read the prediction as "
                       "torch.exp(output).",
                explains=["loss.not_converging", "fit.underfitting", "loss.zero", "fit.overfitting"])
        return None

    #: element-wise losses whose reduction='mean' divides by every element, not by the batch
    ELEMENTWISE = ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                   "binary_cross_entropy_with_logits")
    #: elements per sample from which a per-element mean shrinks a loss far below a per-sample sum
    MEAN_ELEMENTS = 16
    #: the training loss at least this many times the recorded loss function's value: the rest outweighs it
    OUTWEIGHED = 5.0
    #: the training loss at the end at most this many times the function's first value: the rest was spent
    SPENT = 2.0
    #: the training loss's ratio to the function's value moving less than this over the first calls: a scale
    SCALED = 0.05

    def _term_outweighed(self, ctx: Context, calls: list[dict]) -> Finding | None:
        """An element-wise loss averaged over every element (``reduction='mean'`` over D >= ``MEAN_ELEMENTS``
        values per sample) beside a term written by hand and summed (a VAE's KL summed over the latent and the
        batch): the hand-written term is ``OUTWEIGHED`` times it or more at the first step, the optimizer
        spends the training on driving that term down (the training loss ends within ``SPENT`` times the
        function's first value), and the term the function measures is starved (probe N f10: the posterior
        collapses, reconstruction 0.079 against 0.041 with both terms summed per sample; nothing was found).
        From the first training steps: the function's value (its only recorded call in each) against the
        training loss that ``backward`` was called on, whose ratio must move (a loss scaled by a constant keeps
        it)."""
        first = calls[0]
        step = first.get("step")
        per_step = Counter(c.get("step") for c in calls)
        shape = (first.get("input") or {}).get("shape") or []
        v = first.get("value")
        if per_step[step] != 1 or first["function"] not in self.ELEMENTWISE or first.get("reduction") != "mean" \
                or len(shape) < 2 or math.prod(shape[1:]) < self.MEAN_ELEMENTS or not v or v <= 0:
            return None
        steps, values = sig.finite_loss(ctx)
        at = np.nonzero(steps == step)[0]
        if not len(at) or len(values) < 20:
            return None
        total = float(values[at[0]])
        end = float(np.median(values[-max(3, len(values) // 10):]))
        if total < self.OUTWEIGHED * v or end > self.SPENT * v:
            return None
        # a loss scaled by a constant (10 * mse) keeps its ratio to the function's value: nothing is added
        ratios = [float(values[k[0]]) / c["value"] for c in calls[1:] if c.get("value")
                  and len(k := np.nonzero(steps == c.get("step"))[0]) and per_step[c.get("step")] == 1]
        if not ratios or all(abs(r * v / total - 1) < self.SCALED for r in ratios):
            return None
        per = math.prod(shape[1:])
        return Finding(
            self.id, f"{first['function']} averages over all {per} elements of each sample ({v:.3g} at step "
                     f"{step}) while the training loss is {total:.3g}: the term added to it by hand outweighs it "
                     f"{(total - v) / v:.0f}x, and training drove that term down first (the loss ends at "
                     f"{end:.3g})",
            severity="warning", confidence=0.6, location=first["function"], step=int(step),
            evidence={"function": first["function"], "reduction": "mean", "elements_per_sample": per,
                      "function_value": round(v, 5), "training_loss": round(total, 5),
                      "rest": round(total - v, 5), "training_loss_end": round(end, 5)},
            advice=f"Put the terms on one scale: reduction='mean' divides {first['function']} by the batch and by "
                   f"the {per} elements of each sample, while a term summed over the batch (and over a latent) "
                   f"is not. Sum both per sample and average over the batch ({first['function']}(..., "
                   f"reduction='sum') / batch_size, and the other term / batch_size), or weight them on purpose.",
            explains=["fit.underfitting", "loss.not_converging", "fit.overfitting"])

    def _targets_transposed(self, calls: list[dict]) -> Finding | None:
        """A per-position loss whose logits are flattened from (N, L, C) and whose targets from an (L, N) tensor:
        row i of the logits is sample i // L, position i % L, and of the targets position i // N, sample i % N,
        so every token is scored against another sentence's tag (probe L f10: a BiLSTM tagger at 0.40 against
        1.00, tags kept sequence-first). From the loss call: the shapes both were flattened from."""
        for ev in calls:
            a, b = ev.get("flattened_from") or [], ev.get("target_flattened_from") or []
            if len(a) == 3 and len(b) == 2 and a[0] != a[1] and [b[0], b[1]] == [a[1], a[0]]:
                n, length = a[0], a[1]
                return Finding(
                    self.id, f"{ev['function']} gets logits flattened from {tuple(a)} (batch {n}, length {length}) "
                             f"and targets flattened from {tuple(b)} (length first): each position is scored "
                             f"against another sample's target",
                    severity="error", confidence=0.85, location=f"{ev['function']} target",
                    step=int(ev.get("step", STATIC_STEP)),
                    evidence={"logits_from": a, "targets_from": b, "function": ev["function"]},
                    advice="Flatten both in the same layout: targets.t().reshape(-1) (or keep them (batch, length) "
                           "like the logits), or logits.transpose(0, 1).reshape(-1, C) for length-first targets.",
                    explains=["loss.not_converging", "fit.underfitting", "data.label_errors", "fit.overfitting"])
        return None

    #: label smoothing from which the true class keeps at most half the target: its usual values are 0.05-0.2
    SMOOTHING_HIGH = 0.5

    def _smoothing_too_strong(self, calls: list[dict]) -> Finding | None:
        """cross_entropy(label_smoothing=0.9), meant as 0.1 (or a confidence of 0.9 given as the smoothing): the
        target keeps 1 - e + e/C on the true class, the gradient that pulls it up is (1 - e) of the unsmoothed
        one, and the loss can fall only from ln C to the smoothed target's entropy (2.30 to 2.27 with ten
        classes), which reads as a model that learns nothing (probe K f09: 0.86 against 0.97)."""
        for ev in calls:
            e = ev.get("label_smoothing")
            shape = (ev.get("input") or {}).get("shape") or []
            if not isinstance(e, (int, float)) or e < self.SMOOTHING_HIGH or len(shape) < 2 or shape[1] < 2:
                continue
            c = int(shape[1])
            true, other = 1 - e + e / c, e / c
            floor = ev.get("floor")
            return Finding(
                self.id, f"{ev['function']}(label_smoothing={e:g}): the training target puts {true:.2f} on the true "
                         f"class and {other:.2f} on each of the {c - 1} others, so the pull toward the right class is "
                         f"{1 - e:.0%} of an unsmoothed loss's"
                         + (f" and the loss can only fall from {math.log(c):.2f} to {floor:.2f}"
                            if isinstance(floor, (int, float)) else ""),
                severity="warning", confidence=0.7, location=f"{ev['function']} label_smoothing",
                step=int(ev.get("step", STATIC_STEP)),
                evidence={"label_smoothing": e, "classes": c, "target_on_true_class": round(true, 4),
                          "target_on_each_other_class": round(other, 4),
                          **({"loss_floor": round(floor, 4)} if isinstance(floor, (int, float)) else {})},
                advice="Use a small smoothing, 0.05-0.2 (label_smoothing=0.1 keeps 0.91 on the true class with ten "
                       "classes); it is the share of the target spread over all classes, not the confidence kept.",
                explains=["loss.not_converging", "fit.underfitting", "data.label_errors", "weight.change_too_small"])
        return None

    def _classes_on_last_axis(self, ctx: Context, calls: list[dict]) -> Finding | None:
        """A per-position classifier's (N, L, C) logits given to cross_entropy as they are: it reads dim 1 as the
        classes, while the model's last Linear put them on the last axis. With L == C it runs, scoring each
        class's logits across the positions (a tagger at 0.16 token accuracy against 1.0); otherwise it raises.
        From the loss call (its input is the model's own output, 3-D or more) and the op graph (the op that
        made that output ran in a Linear)."""
        classes = {m["name"]: m.get("class") for m in ctx.modules()}
        for ev in calls:
            shape = (ev.get("input") or {}).get("shape") or []
            if ev["function"] not in ("cross_entropy", "nll_loss") or len(shape) < 3 or not ev.get("model_output"):
                continue
            for g in sig.events(ctx, "opgraph"):
                last = next((op for op in reversed(g.get("ops", []))
                             if any((o.get("shape") or []) == shape for o in op.get("out", []))), None)
                module = (last or {}).get("module")
                name = next((n for n in (module, f"{g.get('root')}.{module}") if n in classes), None)
                if name is None or classes[name] != "Linear":
                    continue
                return Finding(
                    self.id, f"{ev['function']} reads dim 1 of the model's output {tuple(shape)} as the classes, but "
                             f"its last layer {name} (Linear) puts its {shape[-1]} outputs on the last axis",
                    severity="error", confidence=0.85, location=f"{ev['function']} input",
                    step=int(ev.get("step", STATIC_STEP)),
                    evidence={"input_shape": shape, "target_shape": (ev.get("target") or {}).get("shape"),
                              "last_layer": name},
                    advice="Move the classes to dim 1 (logits.permute(0, 2, 1), or logits.transpose(1, 2)), or "
                           "flatten the positions: F.cross_entropy(logits.reshape(-1, C), y.reshape(-1)).",
                    explains=["loss.not_converging", "fit.underfitting", "fit.overfitting"])
        return None

    def _ignored_class(self, ctx: Context, calls: list[dict]) -> Finding | None:
        """A classification loss told to ignore a class that the data has: with one label per sample (not a
        token-level loss, where ignore_index marks the padding), that class's samples teach nothing."""
        for ev in calls:
            k = ev.get("ignore_index")
            inp, tgt = ev.get("input", {}), ev.get("target", {})
            if k is None or ev["function"] not in ("cross_entropy", "nll_loss") or len(inp.get("shape", [])) != 2 \
                    or len(tgt.get("shape", [])) != 1 or k >= inp["shape"][1]:
                continue
            shapes = [b.get("y", {}).get("shape") for b in sig.batches(ctx, "train") if b.get("y", {}).get("shape")]
            if ev.get("flattened_from") or any(len(sh) != 1 for sh in shapes) or \
                    (not shapes and inp["shape"][1] > self.MAX_SAMPLE_CLASSES):
                continue  # labels per token (flattened into the loss): ignore_index marks the padding
            train = sig.label_counts(ctx, "train")
            recall = sig.eval_recall(ctx).get(k)
            support = int(sig.last_confusion(ctx)[1][k].sum()) if recall is not None else None
            if not train.get(k) and not support:
                continue  # the class is not in the data: ignoring it costs nothing
            bits = [f"{train[k]} of the sampled training labels" if train.get(k) else None,
                    f"recall {recall:.0%} at evaluation" if recall is not None else None]
            return Finding(
                self.id, f"{ev['function']} ignores class {k} (ignore_index={k}), a class of the data: "
                         + ", ".join(b for b in bits if b),
                severity="error", confidence=0.85, location=f"{ev['function']} ignore_index",
                step=int(ev.get("step", STATIC_STEP)),
                evidence={"ignore_index": k, "train_label_count": train.get(k), "eval_support": support,
                          "eval_recall": recall, "classes": inp["shape"][1]},
                advice=f"Drop ignore_index (its default, -100, ignores nothing), or set it to a label that marks "
                       f"padding or unlabelled samples, not class {k}.",
                explains=["fit.underfitting", "fit.overfitting", "data.class_imbalance"])
        return None

    def _judge(self, ev: dict, same_fn: list[dict], last: str | None) -> Finding | None:
        fn, inp, tgt = ev["function"], ev.get("input", {}), ev.get("target", {})
        step = int(ev.get("step", STATIC_STEP))
        loc = ev.get("module") or fn
        loc = f"{fn} (in {loc})" if ev.get("module") else fn
        explains = ["loss.not_converging", "fit.underfitting", "grad.vanishing"]
        ev_base = {"function": fn, "input": inp, "target": tgt}
        if fn == "cross_entropy" and inp.get("rows_sum_to_one", 0) >= self.ROWS_FRACTION and inp.get("min", -1) >= 0:
            return Finding(self.id, "Softmax probabilities are fed to cross_entropy, which applies its own softmax",
                           severity="error", confidence=0.9, location=loc, step=step, evidence=ev_base,
                           advice="Pass raw logits to CrossEntropyLoss/F.cross_entropy: remove the softmax at the "
                                  "end of the model (apply it only when you need probabilities).",
                           explains=explains)
        if fn in ("cross_entropy", "nll_loss") and inp.get("cols_sum_to_one", 0) >= self.ROWS_FRACTION and \
                inp.get("min", -1) >= 0 and inp.get("rows_sum_to_one", 0) < 0.5:
            return Finding(self.id, f"A softmax over the batch dimension (dim=0) is fed to {fn}: each class's column "
                                    f"sums to one across the samples, so each sample's scores depend on the others",
                           severity="error", confidence=0.9, location=loc, step=step, evidence=ev_base,
                           advice="Use softmax over the classes (dim=1, or dim=-1), or better, no softmax at all: "
                                  "CrossEntropyLoss takes the raw logits.",
                           explains=explains)
        if fn == "nll_loss":
            if inp.get("rows_sum_to_one", 0) >= self.ROWS_FRACTION and inp.get("min", -1) >= 0:
                return Finding(self.id, "Probabilities are fed to nll_loss, which expects log-probabilities",
                               severity="error", confidence=0.9, location=loc, step=step, evidence=ev_base,
                               advice="Use log_softmax instead of softmax before NLLLoss, or pass logits to "
                                      "CrossEntropyLoss.", explains=explains)
            if inp.get("rows_logsumexp_zero", 1) < 0.5 and inp.get("max", -1) > 0:
                return Finding(self.id, "Raw scores are fed to nll_loss, which expects log-probabilities",
                               severity="error", confidence=0.85, location=loc, step=step, evidence=ev_base,
                               advice="Apply log_softmax before NLLLoss, or use CrossEntropyLoss on the logits.",
                               explains=explains + ["loss.blowup"])
        if fn in ("binary_cross_entropy", "binary_cross_entropy_with_logits") and "min" in tgt and \
                (tgt["min"] < 0 or tgt["max"] > 1):
            return Finding(self.id, f"The targets of {fn} lie in [{sig.fmt_num(tgt['min'])}, "
                                    f"{sig.fmt_num(tgt['max'])}], outside [0, 1]: the loss has no minimum and "
                                    f"drives the logits to infinity",
                           severity="error", confidence=0.95, location=loc, step=step, evidence=ev_base,
                           advice="Give binary cross-entropy targets in [0, 1]: scale a 0/255 mask by 1/255 (or use "
                                  "(mask > 0).float()), and map labels such as -1/+1 to 0/1.",
                           explains=explains + ["loss.blowup", "loss.zero", "grad.exploding", "weight.change_too_large",
                                                "loss.nan_inf", "tensor.overflow"])
        if fn in sig.ELEMENTWISE_LOSSES and _broadcasts(inp.get("shape"), tgt.get("shape")):
            shape = list(np.broadcast_shapes(tuple(inp["shape"]), tuple(tgt["shape"])))
            return Finding(self.id, f"The input {tuple(inp['shape'])} and target {tuple(tgt['shape'])} of {fn} "
                                    f"broadcast to {tuple(shape)}: every prediction is compared with every target",
                           severity="error", confidence=0.95, location=loc, step=step,
                           evidence={**ev_base, "broadcast_shape": shape},
                           advice="Give the prediction and the target the same shape: squeeze the model's output "
                                  "(out.squeeze(-1)) or unsqueeze the target (y.unsqueeze(-1)). PyTorch warns about "
                                  "this once ('Using a target size that is different to the input size').",
                           explains=explains)
        if fn in ("cross_entropy", "binary_cross_entropy_with_logits") and inp.get("min", -1) >= 0 and \
                inp.get("zero_frac", 0) >= self.CLIPPED_ZERO_SHARE and inp.get("max", 1) > 0:
            # (logits all exactly 0 are a zero-initialised head's, init.all_zero's to say, not a ReLU's)
            if last is not None:
                ev_base["output_activation"] = last
            return Finding(self.id, f"The logits fed to {fn} are never negative and {inp['zero_frac']:.0%} of them "
                                    f"are exactly 0: they pass through a ReLU (or a clamp) first",
                           severity="error", confidence=0.85, location=loc, step=step, evidence=ev_base,
                           advice="Feed the last Linear layer's output to the loss directly: a ReLU on the logits "
                                  "cannot express 'not this class' and a class whose logit is 0 gets no gradient.",
                           explains=explains + ["activation.dead_relu"])
        if fn == "cross_entropy" and tgt.get("dtype", "").startswith(("float", "bfloat")) and \
                tgt.get("shape") == inp.get("shape") and len(tgt.get("shape") or []) == 2 and \
                tgt.get("integer_frac") == 1 and tgt.get("min") == 0 and tgt.get("max") == 1 and \
                tgt.get("rows_sum_to_one", 1) < self.ROWS_FRACTION and \
                tgt.get("mean", 0) * tgt["shape"][1] >= self.MULTI_HOT_MEAN:
            # multi-hot rows (several tags per sample) as cross-entropy's class probabilities: its softmax makes
            # the tags compete, one answer per sample, where each tag is a yes/no question of its own
            per_row = tgt["mean"] * tgt["shape"][1]
            return Finding(self.id, f"Multi-hot targets ({per_row:.1f} of {tgt['shape'][1]} labels set per sample "
                                    f"on average) are fed to cross_entropy, whose softmax lets one label win",
                           severity="error", confidence=0.85, location=loc, step=step,
                           evidence={**ev_base, "labels_per_sample": round(per_row, 2)},
                           advice="For several labels per sample use BCEWithLogitsLoss on the logits (one sigmoid per "
                                  "label), and predict the labels whose probability passes a threshold.",
                           explains=explains)
        if fn == "binary_cross_entropy" and tgt.get("shape") == inp.get("shape") and \
                len(tgt.get("shape") or []) == 2 and tgt["shape"][1] >= 2 and \
                inp.get("rows_sum_to_one", 0) >= self.ROWS_FRACTION and tgt.get("integer_frac") == 1 and \
                tgt.get("min") == 0 and tgt.get("max") == 1 and \
                tgt.get("mean", 0) * tgt["shape"][1] >= self.MULTI_HOT_MEAN:
            # a softmax over the tags before a binary cross-entropy: the K probabilities share one unit, so at most
            # one tag passes 0.5 while the targets set several (probe N f05: 0.63 against 0.99, nothing was found)
            per_row = tgt["mean"] * tgt["shape"][1]
            return Finding(self.id, f"binary_cross_entropy gets rows that sum to one (a softmax over the "
                                    f"{tgt['shape'][1]} labels) against targets that set {per_row:.1f} labels per "
                                    f"sample: the labels share one unit of probability, so at most one can pass 0.5",
                           severity="error", confidence=0.9, location=loc, step=step,
                           evidence={**ev_base, "labels_per_sample": round(per_row, 2)},
                           advice="Give each label its own probability: a sigmoid per label (or BCEWithLogitsLoss on "
                                  "the logits), not a softmax across them.",
                           explains=explains)
        bounded = _bounded_range(last)
        width = (inp.get("shape") or [0, 0])[-1] if len(inp.get("shape") or []) == 2 else 0
        if fn == "cross_entropy" and bounded is not None and "softmax" not in last.lower() and width >= 2 and \
                all(bounded[0] <= c["input"].get("min", -9) and c["input"].get("max", 9) <= bounded[1]
                    for c in same_fn):
            # logits squashed into (lo, hi): the right class's softmax probability is at most 1 / (1 + (C - 1)
            # e^-(hi - lo)), and the loss has that floor, far above zero (1.46 for a sigmoid and 10 classes)
            floor = math.log1p((width - 1) * math.exp(-(bounded[1] - bounded[0])))
            ev_base.update(output_activation=last, loss_floor=round(floor, 3))
            return Finding(self.id, f"The logits fed to cross_entropy pass through the model's last activation, "
                                    f"{last}, first: squashed into "
                                    f"[{bounded[0]:g}, {bounded[1]:g}], they hold the loss above {floor:.2f} "
                                    f"for {width} classes",
                           severity="error", confidence=0.85, location=loc, step=step, evidence=ev_base,
                           advice="Feed the last Linear layer's output to CrossEntropyLoss directly (it applies "
                                  "its own softmax); for multi-label targets use BCEWithLogitsLoss on the logits.",
                           explains=explains + ["activation.saturated"])
        if fn in sig.ELEMENTWISE_LOSSES and bounded is not None and "min" in tgt and "min" in inp and \
                inp["min"] >= bounded[0] and inp["max"] <= bounded[1] and \
                (tgt["max"] > bounded[1] + self.RANGE_MARGIN or tgt["min"] < bounded[0] - self.RANGE_MARGIN):
            ev_base["output_activation"] = last
            return Finding(self.id, f"The targets of {fn} reach [{sig.fmt_num(tgt['min'])}, {sig.fmt_num(tgt['max'])}]"
                                    f", outside the range [{bounded[0]:g}, {bounded[1]:g}] of the model's last "
                                    f"activation ({last})",
                           severity="error", confidence=0.85, location=loc, step=step, evidence=ev_base,
                           advice="End a regression model with a Linear layer (no activation), or scale the targets "
                                  "into the activation's range (and back for predictions).",
                           explains=explains + ["activation.saturated", "loss.zero"])
        in_unit = all(c["input"].get("min", -1) >= 0 and c["input"].get("max", 2) <= 1 for c in same_fn)
        if fn == "binary_cross_entropy_with_logits" and in_unit and inp.get("distinct", 0) > 2 \
                and last is not None and "sigmoid" in last.lower():
            ev_base["output_activation"] = last
            return Finding(self.id, "Values already in [0, 1] are fed to a with-logits loss (sigmoid applied twice)",
                           severity="error", confidence=0.85, location=loc, step=step, evidence=ev_base,
                           advice="Remove the sigmoid before BCEWithLogitsLoss, or use BCELoss on probabilities.",
                           explains=explains)
        if fn in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss") and \
                tgt.get("rows_sum_to_one", 0) >= self.ROWS_FRACTION and tgt.get("integer_frac", 0) == 1 and \
                tgt.get("min") == 0 and tgt.get("max") == 1 and tgt.get("shape", [0, 0])[-1] >= 3:
            # one-hot rows: a classification trained as a regression. On softmax outputs the gradient is the
            # squared error's times the softmax's Jacobian, which vanishes as a wrong class saturates
            probs = inp.get("rows_sum_to_one", 0) >= self.ROWS_FRACTION and inp.get("min", -1) >= 0
            return Finding(self.id, f"One-hot class targets are regressed with {fn}"
                                    + (" on softmax probabilities" if probs else ""),
                           severity="warning", confidence=0.75 if probs else 0.65, location=loc, step=step,
                           evidence={**ev_base, "classes": tgt["shape"][-1], "softmax_input": probs},
                           advice="Train a classifier with CrossEntropyLoss on the logits (no softmax) and the class "
                                  "ids (y.argmax(1)) as targets: the squared error of a probability gives small "
                                  "gradients to a confidently wrong class, and learns slowly.",
                           explains=explains)
        if fn in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss") and tgt.get("integer_frac", 0) == 1 \
                and 3 <= tgt.get("distinct", 0) <= self.MAX_CLASS_IDS and tgt.get("min", -1) == 0 \
                and tgt.get("max", 0) == tgt.get("distinct", 0) - 1:
            return Finding(self.id, f"Class ids 0..{int(tgt['max'])} are the target of the regression loss {fn}",
                           severity="warning", confidence=0.7, location=loc, step=step, evidence=ev_base,
                           advice="For classification use CrossEntropyLoss on logits with the class ids as "
                                  "targets; a regression loss treats class 3 as closer to 4 than to 9.",
                           explains=explains)
        return None


def _first_train_graphs(ctx: Context) -> tuple[int, list[dict]]:
    """The first training loss's batch size and the op graphs recorded at its step: the first training forward's,
    whose shapes hold that batch (another step's batch may have another size)."""
    call = next((e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train"
                 and (e.get("target") or {}).get("shape")), None)
    if call is None:
        return 0, []
    return int(call["target"]["shape"][0]), [g for g in sig.events(ctx, "opgraph")
                                             if int(g.get("step", 0)) == int(call.get("step", 0))]


def _modules_of(params: dict[str, dict], names: list[str]) -> list[str]:
    """The modules that hold the parameters ``names``, each once, in their order (a name that ``params`` does not
    know: its prefix)."""
    out: list[str] = []
    for n in names:
        m = params.get(n, {}).get("module", n.rsplit(".", 1)[0])
        if m not in out:
            out.append(m)
    return out


def _qualified(g: dict, name: str) -> tuple[str, ...]:
    """An op-graph module name as ``ctx.modules()`` may hold it: bare, or under its root model's name (a run with
    several models)."""
    return (name, f"{g['root']}.{name}") if g.get("root") else (name,)


def _autograd_name(node: str) -> str:
    """An autograd node's name as the findings print it: ``TopkBackward0`` as ``Topk``."""
    return re.sub(r"Backward\d*$", "", node)


def _source(t: dict) -> tuple | None:
    """Where an op-graph input comes from, as a key two inputs share when they are one tensor: an op's output
    (``from``), or a tensor from outside the graph (``input``); None where neither was recorded."""
    return ("input", t["input"]) if "input" in t else ("from", tuple(t["from"])) if "from" in t else None


def _graph_ops(graphs: list[dict]):
    """Each recorded op of ``graphs`` as ``(graph, its ops, index, op, where)``: ``where`` is the module the op ran
    in (else the graph's root model), as the findings name it."""
    for g in graphs:
        ops = g.get("ops", [])
        for i, op in enumerate(ops):
            yield g, ops, i, op, op.get("module") or g.get("root") or "the model"


def _producer(ops: list[dict], t: dict, through: tuple[str, ...]) -> int | None:
    """The index of the op that made the op-graph input ``t``, followed back through ops in ``through`` (layout and
    copy ops that keep its content) along their first input; None where it came from outside the graph."""
    j = (t.get("from") or [None])[0]
    while j is not None and j < len(ops) and ops[j].get("op") in through:
        j = ((ops[j].get("in") or [{}])[0].get("from") or [None])[0]
    return j if j is not None and j < len(ops) else None


def _made_from(ops: list[dict], t: dict, source: dict) -> bool:
    """Whether the op-graph input ``t`` is made from the tensor ``source`` refers to (an op's output, or one of
    the graph's own inputs), or is it."""
    if "from" in source:
        return source["from"][0] in _ancestors(ops, t)
    if "input" in source:
        k = source["input"]
        return t.get("input") == k or any(x.get("input") == k for j in _ancestors(ops, t)
                                           for x in ops[j].get("in") or [])
    return False


def _ancestors(ops: list[dict], t: dict) -> set[int]:
    """The indices of every op whose output the op-graph input ``t`` is made from."""
    seen: set[int] = set()
    todo = [_producer(ops, t, ())]
    while todo:
        j = todo.pop()
        if j is None or j in seen:
            continue
        seen.add(j)
        todo.extend(_producer(ops, x, ()) for x in ops[j].get("in") or [])
    return seen


def _saturated_output(ctx: Context, inputs: list[dict]) -> bool:
    """Whether the loss inputs summarised in ``inputs`` are a sigmoid's or tanh's output pinned at its bounds: whole
    numbers inside the bounded range (weights initialised far too large: probe T f06). Such an output is the
    saturation's, not a rounding (graph.wrong_operator) or a cut input path (graph.node_connection); the
    initialisation and saturation checks say why."""
    bounded = _bounded_range(_named(_output_module(ctx)))
    return bool(bounded) and bool(inputs) and all(
        x.get("integer_frac") == 1 and bounded[0] <= x.get("min", -9) and x.get("max", 9) <= bounded[1]
        for x in inputs)


def _bounded_range(last: str | None) -> tuple[float, float] | None:
    """The output range of a model whose last module or function is a bounded activation."""
    if last is None:
        return None
    low = last.lower()
    if "sigmoid" in low or "softmax" in low:
        return (0.0, 1.0)
    if "tanh" in low and "hardtanh" not in low:
        return (-1.0, 1.0)
    return None


def _broadcasts(a: list | None, b: list | None) -> bool:
    """Two shapes that broadcast to more elements than either has: (32, 1) against (32,) gives (32, 32)."""
    if a is None or b is None or list(a) == list(b):
        return False
    try:
        out = math.prod(np.broadcast_shapes(tuple(a), tuple(b)))
    except ValueError:
        return False
    return out > max(math.prod(a), math.prod(b))


def _output_module(ctx: Context) -> tuple[str, str | None] | None:
    """``(name, class)`` of the last module (or functional activation, class None) the model ran in its first
    recorded forward pass."""
    act = ctx.run.table("activation")
    if not len(act):
        return None
    roots = {ev.get("root") for ev in sig.events(ctx, "model")}
    classes = {m["name"]: m["class"] for ev in sig.events(ctx, "model") for m in ev.get("modules", [])}
    rows = act.rows_at(int(act.step.min()))
    order = [act.keys[int(act.key[r])] for r in rows[np.argsort(act.seq[rows])]]
    order = [k for k in order if k not in roots]
    return (order[-1], classes.get(order[-1])) if order else None


def _named(out: tuple[str, str | None] | None) -> str | None:
    """An ``_output_module`` as the findings name it: ``name (Class)``."""
    if out is None:
        return None
    return f"{out[0]} ({out[1]})" if out[1] else out[0]


@register
class WrongOperator(Check):
    """``graph.wrong_operator``: integer/floor division where true division was meant, or a recurrent layer
    fed (batch, sequence, features) while it expects (sequence, batch, features).

    Two recorded traces of it: model outputs (the loss input) that are all whole
    numbers, which a float network never produces unless an op rounded them; and
    float input batches that hold only two whole numbers, ``ZERO_SHARE`` or more of
    them zero, the remains of ``x // scale`` (legitimate binary inputs such as
    thresholded images keep far more ones). For tables, ``CONSTANT_FEATURES`` must
    also be constant within batches, which one-hot columns never are and which
    sits well above real data's constant columns (image borders in digits: 5%). Float
    inputs that hold one value in every sampled batch (all zero after ``x // 17``)
    carry nothing to learn from.
    """

    id = "graph.wrong_operator"
    needs = frozenset()
    #: recurrent layers whose input layout batch_first sets (their default is (sequence, batch, features))
    RNN_CLASSES = ("LSTM", "GRU", "RNN")
    #: layers that build a MultiheadAttention with their own batch_first
    ATTENTION_LAYERS = ("TransformerEncoderLayer", "TransformerDecoderLayer")

    def _sequence_layout(self, ctx: Context) -> Finding | None:
        """A recurrent layer built with batch_first=False (the default) fed (batch, sequence, features): it reads
        the batch as time, runs its recurrence across the samples, and its batch of "sequence" rows lines up with
        the labels again after out[:, -1]. The same for MultiheadAttention (inside TransformerEncoderLayer and
        TransformerDecoderLayer too): its attention then mixes the samples of the batch, one position at a time,
        and a mean over dim 1 pools the positions as the user meant. From the op graph: the layer's input
        (A, B, F) with A the training loss's batch and B not."""
        rnns = {m["name"]: m for m in ctx.modules()
                if (m.get("class") in self.RNN_CLASSES and "batch_first=True" not in (m.get("extra") or ""))
                or ((m.get("torch_class") or m.get("class")) == "MultiheadAttention"
                    and m.get("batch_first") is False)}
        calls = [e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train"]
        if not rnns or not calls:
            return None
        tshape = calls[0].get("target", {}).get("shape") or []
        if not tshape:
            return None
        n = int(tshape[0])
        for g in sig.events(ctx, "opgraph"):
            prefix = f"{g['root']}." if g.get("root") and any(k.startswith(f"{g['root']}.") for k in rnns) else ""
            seen: set[str] = set()
            ops = g.get("ops", [])
            for op in ops:
                name = prefix + (op.get("module") or "")
                if name not in rnns or name in seen:
                    continue
                # the layer's input: from outside it (the batch, an embedding), not its own initial state
                x = next((t for t in op.get("in", []) if "param" not in t and len(t.get("shape") or []) == 3
                          and not ("from" in t and t["from"][0] < len(ops)
                                   and ops[t["from"][0]].get("module") == op.get("module"))), None)
                if x is None:
                    continue
                seen.add(name)
                a, b, f = x["shape"]
                if a == n and b != n:
                    m = rnns[name]
                    if m.get("class") in self.RNN_CLASSES:
                        what, build = f"{m['class']}, batch_first=False", m["class"]
                        runs = f"the recurrence runs over the {n} samples, and the {b} time steps are its batch"
                        then = "Its outputs then have the same layout: take the last step as out[:, -1]."
                    else:
                        # name the layer the user built: MultiheadAttention is made by TransformerEncoderLayer
                        parent = next((p for p in ctx.modules() if p["name"] == m.get("parent")
                                       and (p.get("torch_class") or p.get("class")) in self.ATTENTION_LAYERS), m)
                        build = parent.get("torch_class") or parent.get("class")
                        what = f"{build}, batch_first=False" if parent is m else \
                            f"MultiheadAttention of {parent['name']} ({build}), batch_first=False"
                        runs = (f"each position attends across the {n} samples of the batch, and never to the "
                                f"other {b - 1} positions of its own sequence")
                        then = "The output keeps the input's layout."
                    return Finding(
                        self.id, f"{name} ({what}) reads its input {tuple(x['shape'])} as "
                                 f"(sequence {a}, batch {b}, features {f}), but the batch has {n} samples: {runs}",
                        severity="error", confidence=0.85, location=name, step=int(g.get("step", STATIC_STEP)),
                        evidence={"input_shape": x["shape"], "loss_target_shape": tshape, "class": m.get("class"),
                                  **({"extra": m["extra"]} if m.get("extra") else {})},
                        advice=f"Build the layer with batch_first=True ({build}(..., batch_first=True)) for "
                               f"(batch, sequence, features) inputs, or transpose them: x.transpose(0, 1). {then}",
                        explains=["loss.not_converging", "fit.underfitting", "fit.overfitting", "loss.oscillating"])
        return None
    #: Share of zeros among two-valued whole-number inputs, and of features constant within batches.
    ZERO_SHARE = 0.85
    CONSTANT_FEATURES = 0.4

    #: ops that round a float tensor: their gradient is zero everywhere, so nothing before them learns through them
    ROUNDING_OPS = ("aten.floor", "aten.round", "aten.trunc", "aten.ceil", "aten.floor_divide")

    def _rounded_in_forward(self, ctx: Context) -> Finding | None:
        """A rounding op (``torch.div(..., rounding_mode='floor')``, ``floor``, ``round``) inside the model, on a
        value computed from its parameters: autograd gives it a zero gradient, so the parameters behind it get
        none through it. Reported where some of them received exactly zero gradient at every recorded step
        (attention scores floor-divided by sqrt(d): the query and key projections never train)."""
        grads = ctx.run.table("grad")
        zero: set[str] = set()
        if len(grads):
            _, norms = grads.pivot("norm")
            with np.errstate(all="ignore"):
                zero = {k for j, k in enumerate(grads.keys)
                        if np.all(np.nan_to_num(norms[:, j], nan=0.0) == 0) and np.any(np.isfinite(norms[:, j]))}
        # `a // b` on a tensor that needs a gradient: the backward raises, no gradient is ever recorded
        crashed = any("derivative for aten::floor_divide is not implemented" in str(e.get("error") or "")
                      for e in sig.events(ctx, "end"))
        if not zero and not crashed:
            return None
        for g in sig.events(ctx, "opgraph"):
            ops = g.get("ops", [])
            behind: list[set[str]] = []
            for i, op in enumerate(ops):
                mine = {t["param"] for t in op.get("in", []) if "param" in t}
                for t in op.get("in", []):
                    if "from" in t and t["from"][0] < i:
                        mine |= behind[t["from"][0]]
                behind.append(mine)
                name = op.get("op", "")
                mode = (op.get("kwargs") or {}).get("rounding_mode")
                rounding = name in self.ROUNDING_OPS or (name == "aten.div" and mode in ("floor", "trunc"))
                if not rounding or not mine or not any(o.get("dtype", "").startswith(("float", "bfloat"))
                                                       for o in op.get("out", [])):
                    continue
                starved = sorted(p for p in mine if p in zero or any(z.endswith("." + p) for z in zero))
                broke = crashed and name == "aten.floor_divide"
                if not starved and not broke:
                    continue
                what = f"torch.div(..., rounding_mode='{mode}')" if name == "aten.div" else \
                    "// (floor division)" if broke else name.replace("aten.", "torch.")
                where = op.get("module") or g.get("root") or "the model"
                effect = ("autograd has no derivative for it, and the backward raised" if broke else
                          f"its gradient is zero, and {', '.join(starved[:4])}{'…' if len(starved) > 4 else ''} "
                          f"never get one")
                return Finding(
                    self.id, f"{what} in {where} rounds a value computed from the model's weights: {effect}",
                    severity="error", confidence=0.9, location=where, step=int(g.get("step", STATIC_STEP)),
                    evidence={"op": name, "rounding_mode": mode, "module": where, "op_index": i,
                              "params_behind": sorted(mine)[:20], "params_with_zero_grad": starved[:20]},
                    advice="Use true division (/) where a scale was meant (scores / math.sqrt(d)); where rounding is "
                           "wanted in training, pass the gradient straight through: x + (x.round() - x).detach().",
                    explains=["weight.not_updating", "loss.not_converging", "grad.vanishing", "fit.underfitting",
                              "graph.node_connection"])
        return None

    #: reshapes that flatten to (batch, features)
    VIEW_OPS = ("aten.view", "aten._unsafe_view", "aten.reshape")

    def _samples_mixed(self, ctx: Context) -> Finding | None:
        """A reshape that flattens a (L, N, D) tensor, the batch N on axis 1 (a sequence-first encoder's output),
        into (N, L * D): each row of the result takes L*D consecutive values, which belong to other samples. The
        batch must be moved to the front first (transpose or permute). From the op graph of the first training
        forward, N being the training loss's batch."""
        n, graphs = _first_train_graphs(ctx)
        for g, _, _, op, where in _graph_ops(graphs):
            if op.get("op") not in self.VIEW_OPS or not op.get("in") or not op.get("out"):
                continue
            a, b = op["in"][0].get("shape") or [], op["out"][0].get("shape") or []
            if len(a) >= 3 and len(b) == 2 and b[0] == n and a[0] not in (1, n) and n in a[1:] and n > 1:
                return Finding(
                    self.id, f"A reshape in {where} flattens {tuple(a)}, whose batch of {n} is on axis "
                             f"{a.index(n, 1)}, into {tuple(b)}: each row mixes the values of "
                             f"{a[0]} samples",
                    severity="error", confidence=0.85, location=where, step=int(g.get("step", STATIC_STEP)),
                    evidence={"op": op["op"], "input_shape": a, "output_shape": b, "batch": n},
                    advice="Put the batch first before flattening: x.transpose(0, 1).reshape(N, -1) (or "
                           "x.permute(1, 0, 2)), or build the encoder with batch_first=True.",
                    explains=["loss.not_converging", "fit.underfitting", "activation.dead_relu",
                              "data.label_errors"])
        return None

    #: elementwise ops that broadcast a whole-batch reduction back onto every sample
    BROADCAST_OPS = ("aten.add", "aten.sub", "aten.mul", "aten.div", "aten.rsub")

    def _batch_collapsed(self, ctx: Context) -> Finding | None:
        """A per-sample quantity reduced over the whole batch to one number, which is then added to (or multiplies)
        each sample's output: ``(pu * qi).sum()`` where ``.sum(1)`` was meant, in a matrix-factorisation model
        (probe T f01: one scalar for all 256 ratings of a batch, only the biases learn, and at evaluation the
        scalar sums 8,000 pairs; hparam.lr_too_large led). Centring or scaling a tensor by its own batch
        statistics (``x - x.mean()``) combines the number with the tensor it came from, and passes. From the op
        graph of the first training forward."""
        n, graphs = _first_train_graphs(ctx)
        if n < 2:
            return None
        for g, ops, i, op, where in _graph_ops(graphs):
            if op.get("op") not in ("aten.sum", "aten.mean") or op.get("overload") != "default":
                continue
            a, out = (op.get("in") or [{}])[0], (op.get("out") or [{}])[0]
            if (a.get("shape") or [0])[0] != n or out.get("shape") != []:
                continue
            for j in range(i + 1, len(ops)):
                use = ops[j]
                ins = use.get("in") or []
                if use.get("op") not in self.BROADCAST_OPS or len(ins) != 2 or \
                        not any(_producer(ops, t, ()) == i for t in ins):
                    continue
                other = next(t for t in ins if _producer(ops, t, ()) != i)
                if (other.get("shape") or [0])[0] != n or _made_from(ops, other, a):
                    continue  # (the number combined with what it was reduced from: centring, scaling)
                red = op["op"].split(".")[1]
                return Finding(
                    self.id, f"{red}() in {where} reduces a {tuple(a['shape'])} tensor over the whole batch to one "
                             f"number, which {use['op'].split('.')[1]} then gives every one of the {n} samples: a "
                             f"reduction over all axes where one over the feature axis was meant (.{red}(1))",
                    severity="error", confidence=0.8, location=where, step=int(g.get("step", STATIC_STEP)),
                    evidence={"op": op["op"], "input_shape": a["shape"], "batch": n, "combined_by": use["op"],
                              "combined_with_shape": other.get("shape")},
                    advice=f"Reduce each sample on its own: x.{red}(dim=1) (or dim=-1) keeps the batch; a {red} "
                           f"without a dim takes in every sample of the batch.",
                    explains=["loss.not_converging", "fit.underfitting", "data.preprocess_mismatch",
                              "hparam.lr_too_large", "loss.oscillating", "hparam.epochs_too_many",
                              "weight.change_too_large"])
        return None

    def _heads_split_by_reshape(self, ctx: Context) -> Finding | None:
        """Attention heads split by a reshape alone: (B, T, D) reshaped to (B, h, T, D/h) where (B, T, h, D/h)
        then ``.transpose(1, 2)`` was meant (or merged back the same way): each "head" then holds a run of
        neighbouring positions' features, and each "position" a slice of the heads (probe T f04: a hand-written
        multi-head attention, 0.70 against 1.00; data.label_errors led). Only in a module that runs a softmax
        (an attention); from the op graph of the first training forward."""
        n, graphs = _first_train_graphs(ctx)
        for g, ops, i, op, where in _graph_ops(graphs):
            if op.get("op") not in self.VIEW_OPS or not op.get("in") or not op.get("out"):
                continue
            a, b = op["in"][0].get("shape") or [], op["out"][0].get("shape") or []
            split = len(a) == 3 and len(b) == 4 and b[2] == a[1] and b[1] != a[1] and b[1] * b[3] == a[2]
            merge = len(a) == 4 and len(b) == 3 and b[1] == a[2] and a[1] != a[2] and a[1] * a[3] == b[2]
            if not (split or merge) or a[0] != b[0] or (n > 1 and a[0] != n) or \
                    not any(o.get("op") in ("aten._softmax", "aten.softmax") and o.get("module") == op.get("module")
                            for o in ops):
                continue
            heads, t = (b[1], a[1]) if split else (a[1], b[1])
            return Finding(
                self.id, f"A reshape in {where} {'splits' if split else 'merges'} attention heads by reshaping "
                         f"{tuple(a)} to {tuple(b)}: with {heads} heads over {t} positions, each head holds a run of "
                         f"neighbouring positions' features, not its own slice of every position",
                severity="error", confidence=0.8, location=where, step=int(g.get("step", STATIC_STEP)),
                evidence={"op": op["op"], "input_shape": a, "output_shape": b, "heads": heads, "positions": t},
                advice="Split heads with x.view(B, T, h, d // h).transpose(1, 2), and merge them back with "
                       "out.transpose(1, 2).reshape(B, T, d); a reshape alone keeps the memory order, "
                       "(B, T, h, d/h).",
                explains=["fit.overfitting", "loss.not_converging", "fit.underfitting", "data.label_errors",
                          "hparam.epochs_too_many"])
        return None

    def _reshape_as_transpose(self, ctx: Context) -> Finding | None:
        """A view or reshape whose result has the input's sizes in another order, the batch left first: (N, T, C) to
        (N, C, T) with ``x.reshape(N, C, T)`` where ``x.permute(0, 2, 1)`` was meant. A reshape refills the same
        memory in the new shape, so each "channel" row holds a run of time steps of all channels (probe M f10: a
        1-D CNN on (batch, time, axes) sensor windows, 0.34 against 0.99; only loss.not_converging was found). From
        the op graph of the first training forward: the same sizes, rank 3 or more, two different sizes trading
        places."""
        n, graphs = _first_train_graphs(ctx)
        for g, _, _, op, where in _graph_ops(graphs):
            if op.get("op") not in self.VIEW_OPS or not op.get("in") or not op.get("out"):
                continue
            a, b = op["in"][0].get("shape") or [], op["out"][0].get("shape") or []
            if len(a) < 3 or len(a) != len(b) or a == b or sorted(a) != sorted(b) or a[0] != b[0] \
                    or (n > 1 and a[0] != n):
                continue
            moved = [i for i in range(1, len(a)) if a[i] != b[i]]
            order = [a.index(v, 1) for v in b[1:]] if len(set(a[1:])) == len(a) - 1 else None
            perm = f"x.permute(0, {', '.join(str(i) for i in order)})" if order else "x.permute(...)"
            return Finding(
                self.id, f"A {op['op'].split('.')[-1]} in {where} turns {tuple(a)} into {tuple(b)}: the same sizes "
                         f"in another order, which a reshape does not move the data into: each row of the "
                         f"result mixes the values of axes {', '.join(str(i) for i in moved)}",
                severity="error", confidence=0.8, location=where, step=int(g.get("step", STATIC_STEP)),
                evidence={"op": op["op"], "input_shape": a, "output_shape": b, "axes_moved": moved},
                advice=f"Swap axes with {perm} (or x.transpose(1, 2)), not reshape/view: a reshape keeps "
                       f"the memory order and only relabels it.",
                explains=["loss.not_converging", "fit.underfitting", "activation.dead_relu",
                          "data.label_errors", "fit.overfitting"])
        return None

    SOFTMAX_OPS = ("aten._softmax", "aten.softmax", "aten._log_softmax", "aten.log_softmax")

    def _softmax_over_batch(self, ctx: Context) -> Finding | None:
        """A softmax (or log-softmax) taken over dim 0 of a tensor whose dim 0 is the batch: attention pooling's
        weights ``softmax(scores, dim=0)`` on (N, L) scores share one unit of weight among the batch's samples at
        each position instead of among a sample's positions; each sample's output depends on the others, and on
        how many there are (probe K f07: trained on batches of 64, scored on one of 1000, 0.38 against 1.00).
        From the first training forward's op graph: the op's dim is 0 (or -ndim), dim 0 holds the training
        loss's batch and no other dim does (a contrastive (N, N) similarity is softmaxed either way on purpose)."""
        n, graphs = _first_train_graphs(ctx)
        if n < 2:
            return None
        for g, _, _, op, where in _graph_ops(graphs):
            if op.get("op") not in self.SOFTMAX_OPS or not op.get("in") or not op.get("scalars"):
                continue
            shape = op["in"][0].get("shape") or []
            dim = op["scalars"][0]
            if len(shape) < 2 or not isinstance(dim, int) or dim not in (0, -len(shape)) or shape[0] != n \
                    or n in shape[1:]:
                continue
            fn = "log_softmax" if "log" in op["op"] else "softmax"
            return Finding(
                self.id, f"A {fn} in {where} runs over dim 0 of {tuple(shape)}, the batch of {n}: the weights "
                         f"are shared among the samples, not along dim {len(shape) - 1}, and each sample's "
                         f"output depends on the rest of its batch",
                severity="error", confidence=0.8, location=where, step=int(g.get("step", STATIC_STEP)),
                evidence={"op": op["op"], "input_shape": shape, "dim": dim, "batch": n},
                advice=f"Take the {fn} over the sequence or feature axis: torch.{fn}(x, dim=-1) (or dim=1 for "
                       f"(batch, length) scores). Over dim 0 the result changes with the batch size, so "
                       f"evaluation on other batches disagrees with training.",
                explains=["fit.overfitting", "loss.not_converging", "fit.underfitting", "data.label_errors",
                          "hparam.epochs_too_many", "loss.oscillating"])
        return None

    def _softmax_over_one(self, ctx: Context) -> Finding | None:
        """A softmax (or log-softmax) over a dimension of size 1: every weight is 1 (or every log-probability
        0), whatever the scores, so nothing before it gets a gradient through it (probe O f01: attention scores
        kept (B, L, 1) and softmaxed over dim -1, 0.45 against 1.00; weight.not_updating was all that showed).
        From the op graph of every traced forward; not inside an attention layer, where one key (a memory of
        one vector) is a legitimate size."""
        attention = {m["name"] for m in ctx.modules() if (m.get("torch_class") or m.get("class")) in
                     ("MultiheadAttention", *self.ATTENTION_LAYERS)}
        for g, _, _, op, where in _graph_ops(sig.events(ctx, "opgraph")):
            if op.get("op") not in self.SOFTMAX_OPS or not op.get("in") or not op.get("scalars") \
                    or any(n == a or n.startswith(f"{a}.") for n in _qualified(g, where) for a in attention):
                continue
            shape = op["in"][0].get("shape") or []
            dim = op["scalars"][0]
            if not isinstance(dim, int) or not -len(shape) <= dim < len(shape) or shape[dim] != 1 \
                    or math.prod(shape) <= 1:
                continue
            fn = "log_softmax" if "log" in op["op"] else "softmax"
            other = max(range(len(shape)), key=lambda d: (d != 0, shape[d]))
            return Finding(
                self.id, f"A {fn} in {where} runs over dim {dim} of {tuple(shape)}, a dimension of size 1: "
                         f"every output is {'0' if fn == 'log_softmax' else '1'} whatever the scores, and what "
                         f"computed them gets no gradient",
                severity="error", confidence=0.9, location=where, step=int(g.get("step", STATIC_STEP)),
                evidence={"op": op["op"], "input_shape": shape, "dim": dim},
                advice=f"Normalise over the axis that holds the choices: here dim={other} (size {shape[other]}), "
                       f"e.g. torch.{fn}(scores, dim={other}), or squeeze the size-1 axis first.",
                explains=["weight.not_updating", "graph.node_connection", "loss.not_converging",
                          "fit.underfitting", "grad.vanishing", "weight.change_too_small"])
        return None

    #: ops that carry attention scores through unchanged in scale (a view, a mask, a copy)
    SCORE_THROUGH = ("aten.view", "aten._unsafe_view", "aten.reshape", "aten.clone", "aten.contiguous",
                     "aten.expand", "aten.masked_fill", "aten.masked_fill_", "aten._to_copy", "aten.alias")
    MATMUL_OPS = ("aten.bmm", "aten.mm", "aten.matmul", "aten.baddbmm")

    def _scores_scaled_up(self, ctx: Context) -> Finding | None:
        """Attention scores multiplied by sqrt(d) where they should be divided by it: ``q @ k.T / d ** -0.5``
        (a division by d^-0.5), or ``* d ** 0.5``. The softmax is then nearly hard and its gradients vanish or
        jump (probe P f04: a transformer at 0.76 against 0.98, the top weight 0.91 per row against 0.14;
        grad.exploding was all that showed). From the op graph: a softmax whose input is a matmul's output
        (contracted over d) scaled by exactly sqrt(d), through views and masks only."""
        for g, ops, _, op, where in _graph_ops(sig.events(ctx, "opgraph")):
            if op.get("op") not in self.SOFTMAX_OPS or not op.get("in"):
                continue
            j = _producer(ops, op["in"][0], self.SCORE_THROUGH)
            if j is None or ops[j].get("op") not in ("aten.div", "aten.mul") or len(ops[j].get("in", [])) != 1 \
                    or not ops[j].get("scalars"):
                continue
            factor = float(ops[j]["scalars"][0])
            up = 1.0 / factor if ops[j]["op"] == "aten.div" else factor
            m = _producer(ops, ops[j]["in"][0], self.SCORE_THROUGH)
            if m is None or ops[m].get("op") not in self.MATMUL_OPS or len(ops[m].get("in", [])) < 2:
                continue
            d = ((ops[m]["in"][-2].get("shape") or [0])[-1])
            if d < 4 or abs(up - d ** 0.5) > 0.01 * d ** 0.5:
                continue
            written = f"/ {factor:g}" if ops[j]["op"] == "aten.div" else f"* {factor:g}"
            return Finding(
                self.id, f"Attention scores in {where} are multiplied by sqrt({d}) = {up:.3g} ({written}) where they "
                         f"should be divided by it: the softmax over them is nearly hard, and its gradients vanish "
                         f"or jump",
                severity="error", confidence=0.85, location=where, step=int(g.get("step", STATIC_STEP)),
                evidence={"op": ops[j]["op"], "scalar": factor, "scale": round(up, 4), "head_dim": d,
                          "scores_shape": op["in"][0].get("shape")},
                advice=f"Scale by 1/sqrt(d): scores = q @ k.transpose(-2, -1) / d ** 0.5 (or * d ** -0.5); "
                       f"'/ d ** -0.5' multiplies. F.scaled_dot_product_attention(q, k, v) scales for you.",
                explains=["grad.exploding", "loss.oscillating", "activation.saturated", "grad.vanishing",
                          "loss.not_converging", "fit.underfitting", "weight.change_too_large"])
        return None

    def _dropout_on_output(self, ctx: Context) -> Finding | None:
        """A Dropout as the model's last module, its output what an element-wise loss compares with the targets
        (a ``layers.append(nn.Dropout(p))`` one indent too far out in a layer-building loop). In training the
        loss sees each output zeroed with probability p or scaled by 1/(1-p); the squared error's minimum is then
        at (1-p) times the target, and evaluation, without dropout, returns that shrunk output (probe O f03: an
        autoencoder at 0.039 against 0.020). From the first forward's last module and the training loss calls."""
        name, cls = _output_module(ctx) or (None, None)
        if cls != "Dropout":
            return None
        calls = [e for e in sig.events(ctx, "loss_call") if e.get("mode") == "train" and e.get("model_output")
                 and e["function"] in LossFunction.ELEMENTWISE]
        m = next((m for m in ctx.modules() if m["name"] == name), {})
        p = re.search(r"p=([0-9.]+)", m.get("extra") or "")
        p = float(p.group(1)) if p else None
        if not calls or not p:
            return None
        # the output is the Dropout's own, not a residual stream it adds into (x + self.drop(f(x)))
        graphs = [g for g in sig.events(ctx, "opgraph") if g.get("ops")]
        if graphs and graphs[0]["ops"][-1].get("module") not in (name, name.split(".", 1)[-1]):
            return None
        fn = calls[0]["function"]
        shrink = "" if not fn.endswith(("mse_loss", "huber_loss", "smooth_l1_loss")) else \
            f": the squared error is least at {1 - p:.2g}x the targets, and evaluation (no dropout) returns " \
            f"that shrunk output"
        return Finding(
            self.id, f"The model's last module, {name}, is a Dropout(p={p:g}): the output {fn} compares with the "
                     f"targets is zeroed at random in training (the rest scaled by {1 / (1 - p):.2g})" + shrink,
            severity="error", confidence=0.8, location=name, step=int(calls[0].get("step", STATIC_STEP)),
            evidence={"last_module": f"{name} ({cls})", "p": p, "loss": fn, "calls": len(calls)},
            advice="Drop the Dropout after the output layer (a layers.append(nn.Dropout(p)) indented under the "
                   "loop instead of under the 'not the last layer' branch puts one there); dropout belongs "
                   "between hidden layers.",
            explains=["fit.underfitting", "loss.not_converging", "loss.oscillating", "fit.overfitting"])

    #: a table (a buffer or parameter) at least this many times the batch, sliced to the batch's length
    TABLE_ROWS = 4

    def _positions_by_batch(self, ctx: Context) -> Finding | None:
        """A table indexed by position, sliced to the batch's size and added to a batch-first tensor: the
        sequence-first ``PositionalEncoding`` of PyTorch's tutorial (``pe`` of shape (max_len, 1, d), ``x +
        pe[:x.size(0)]``) on a ``batch_first=True`` model. Each sample gets one row of the table, the same at
        every position, and the model has no positions (probe J f01: 0.51 against 1.00 on a word-order task)."""
        n, graphs = _first_train_graphs(ctx)
        for g, ops, i, op, where in _graph_ops(graphs):
            src = (op.get("in") or [{}])[0]
            a, b = src.get("shape") or [], (op.get("out") or [{}])[0].get("shape") or []
            if op.get("op") != "aten.slice" or "param" not in src or len(a) < 3 or len(b) != len(a) or \
                    b[0] != n or a[0] < self.TABLE_ROWS * n or 1 not in b[1:] or \
                    (op.get("scalars") or [None])[0] not in (0, None):
                continue
            for use in ops[i + 1:]:
                if use.get("op") not in ("aten.add", "aten.add_") or not any(
                        t.get("from", [None])[0] == i for t in use.get("in", [])):
                    continue
                other = next((t.get("shape") for t in use["in"] if t.get("from", [None])[0] != i), None)
                if not other or len(other) != len(b) or other[0] != n or \
                        not any(bb == 1 and oo > 1 for bb, oo in zip(b[1:], other[1:])):
                    continue
                return Finding(
                    self.id, f"{where} slices {src['param']} {tuple(a)} to the batch size ({n} rows) and adds it "
                             f"to a batch-first {tuple(other)} tensor: each sample gets one row, the same at "
                             f"every position",
                    severity="error", confidence=0.85, location=where, step=int(g.get("step", STATIC_STEP)),
                    evidence={"table": src["param"], "table_shape": a, "sliced_shape": b, "added_to": other,
                              "batch": n},
                    advice="The table is sequence-first (max_len, 1, d): on batch-first inputs slice it by the "
                           "sequence length and put the positions on axis 1 (x + self.pe[:x.size(1)]"
                           ".transpose(0, 1)), or store it as (1, max_len, d) and add self.pe[:, :x.size(1)].",
                    explains=["loss.not_converging", "fit.underfitting", "data.label_errors"])
        return None

    def _positions_by_ids(self, ctx: Context) -> Finding | None:
        """A position table looked up with the token ids: ``self.pos(x)`` for ``self.pos(torch.arange(L))``. No
        error while the vocabulary is no larger than the table; the model gets a second token embedding and no
        position (probe Q f02: ln 4 throughout, 0.23 against 1.00 on a which-quarter task). From the op graph: two
        embedding lookups in one forward on the same index tensor, one of them a position table (its module named
        for positions, or one row per position of the (batch, sequence) ids it is given)."""
        for g, ops, i, op, _ in _graph_ops(sig.events(ctx, "opgraph")):
            if op.get("op") != "aten.embedding" or len(op.get("in", [])) < 2:
                continue
            table, ids = op["in"][0], op["in"][1]
            key = _source(ids)
            shape = ids.get("shape") or []
            if key is None or len(shape) < 2 or not table.get("shape"):
                continue
            for other in ops[i + 1:]:
                if other.get("op") != "aten.embedding" or len(other.get("in", [])) < 2 or \
                        other.get("module") == op.get("module"):
                    continue
                if _source(other["in"][1]) != key:
                    continue
                pair = [(op.get("module") or "", table["shape"][0]), (other.get("module") or "",
                                                                      other["in"][0]["shape"][0])]
                named = [p for p in pair if "pos" in p[0].rsplit(".", 1)[-1].lower()]
                sized = [p for p in pair if p[1] == shape[-1]]
                pos = named[0] if len(named) == 1 else sized[0] if len(sized) == 1 else None
                if pos is None:
                    continue
                tok = next(p for p in pair if p is not pos)
                return Finding(
                    self.id, f"The position table {pos[0]} ({pos[1]} rows) is looked up with the same index tensor "
                             f"as {tok[0]}, the token ids {tuple(shape)}: it is a second token embedding, and the "
                             f"model gets no position",
                    severity="error", confidence=0.85, location=pos[0], step=int(g.get("step", STATIC_STEP)),
                    evidence={"position_table": pos[0], "table_rows": pos[1], "token_table": tok[0],
                              "token_rows": tok[1], "ids_shape": shape},
                    advice=f"Index the position table with the positions: self.{pos[0].rsplit('.', 1)[-1]}("
                           f"torch.arange(x.size(1), device=x.device)) (broadcast over the batch), not with the "
                           f"token ids.",
                    explains=["loss.not_converging", "fit.underfitting", "data.label_errors"])
        return None

    def _lengths_sorted_apart(self, ctx: Context) -> Finding | None:
        """``pack_padded_sequence(x, lengths)`` given lengths sorted in the forward (``lengths.sort()``) while the
        sort's permutation reorders nothing: each row is packed with another row's length, cut short or padded
        out (probe J f10: a GRU at 0.63 against 1.00; grad.exploding was all that showed). From the op graph:
        the sort's values feed the pack, its indices no op."""
        for g, ops, i, op, where in _graph_ops(sig.events(ctx, "opgraph")):
            if op.get("op") != "aten._pack_padded_sequence" or len(op.get("in", [])) < 2:
                continue
            src = op["in"][1].get("from")
            if not src or src[1] != 0 or ops[src[0]].get("op") != "aten.sort":
                continue
            j = src[0]
            used = any(t.get("from") == [j, 1] for later in ops[j + 1:] for t in later.get("in", []))
            if used:
                continue
            return Finding(
                self.id, f"{where} sorts the lengths it gives pack_padded_sequence but not the batch: each "
                         f"sequence is packed with another row's length",
                severity="error", confidence=0.85, location=where, step=int(g.get("step", STATIC_STEP)),
                evidence={"sort_op": j, "pack_op": i, "lengths_shape": op["in"][1].get("shape"),
                          "data_shape": op["in"][0].get("shape"), "sort_indices_used": False},
                advice="Reorder the batch with the sort's permutation (lengths, order = lengths.sort("
                       "descending=True); x = x[order], and the targets too), or skip the sort: "
                       "pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False).",
                explains=["loss.not_converging", "fit.underfitting", "grad.exploding", "data.label_errors",
                          "loss.oscillating"])
        return None

    #: ops that carry pad_packed_sequence's output through unchanged in content (a layout, a reorder, a copy)
    PASS_THROUGH = ("aten.transpose", "aten.permute", "aten.index_select", "aten.slice", "aten.contiguous",
                    "aten.clone", "aten._to_copy", "aten.alias", "aten.detach")

    def _last_step_padding(self, ctx: Context) -> Finding | None:
        """``out[:, -1]`` (or ``out[-1]``) of ``pad_packed_sequence``'s output where the sequences have
        different lengths: the last position is the padding value for every sequence shorter than the longest,
        not its last step (probe N f02: a GRU at 0.33 against 0.97 with ``h_n[-1]``). From the op graph:
        ``pad_packed_sequence`` runs as a filled (T, B, ...) tensor (``aten.full``) that the packed rows are
        copied into; fewer packed rows than T x B means some sequences end early; a select of index -1 (or
        T - 1) along the time axis of that tensor, carried through layout ops only, reads it."""
        for g in sig.events(ctx, "opgraph"):
            ops = g.get("ops", [])
            packs = [op for op in ops if op.get("op") == "aten._pack_padded_sequence" and len(op.get("out", [])) > 1]
            if not packs:
                continue
            rows = (packs[0]["out"][0].get("shape") or [0])[0]
            steps = (packs[0]["out"][1].get("shape") or [0])[0]
            for i, op in enumerate(ops):
                if op.get("op") != "aten.select" or not op.get("in") or len(op.get("scalars") or []) < 2:
                    continue
                shape = op["in"][0].get("shape") or []
                dim, index = op["scalars"][:2]
                if len(shape) < 3 or not -len(shape) <= dim < len(shape) or shape[dim] != steps \
                        or index not in (-1, steps - 1):
                    continue
                j = _producer(ops, op["in"][0], self.PASS_THROUGH)
                if j is None or ops[j].get("op") != "aten.full":
                    continue
                padded = ops[j]["out"][0].get("shape") or []
                if len(padded) < 2 or padded[0] != steps or rows >= steps * padded[1]:
                    continue
                batch = padded[1]
                # the rows copied into the last time step: a slice [T-1, T) of the filled tensor, then [0, k)
                last = next((b["out"][0]["shape"][1] for b in ops
                             if b.get("op") == "aten.slice" and (b.get("scalars") or [None])[0] == 1
                             and (b["in"][0].get("from") or [None])[0] is not None
                             and ops[b["in"][0]["from"][0]].get("op") == "aten.slice"
                             and (ops[b["in"][0]["from"][0]]["in"][0].get("from") or [None])[0] == j
                             and (ops[b["in"][0]["from"][0]].get("scalars") or [])[:3] == [0, steps - 1, steps]),
                            None)
                where = op.get("module") or g.get("root") or "the model"
                short = f"{batch - last} of the batch's {batch} sequences are" if last is not None else \
                    f"the batch holds {rows} steps in {batch} sequences of up to {steps}, so some are"
                return Finding(
                    self.id, f"{where} takes the last position (index {index} of {steps}) of pad_packed_sequence's "
                             f"output: {short} shorter than {steps}, and there it reads the padding, not their "
                             f"last step",
                    severity="error", confidence=0.8, location=where, step=int(g.get("step", STATIC_STEP)),
                    evidence={"padded_shape": padded, "select_input_shape": shape, "dim": dim, "index": index,
                              "packed_steps": rows, "sequences": batch, "longest": steps,
                              "sequences_at_last_position": last},
                    advice="Take each sequence's own last step: the recurrent layer's final hidden state h_n[-1] "
                           "(for packed input it is the state at each sequence's length), or gather it, "
                           "out[torch.arange(len(out)), lengths - 1] on a batch-first output.",
                    explains=["loss.not_converging", "fit.underfitting", "grad.exploding", "data.label_errors",
                              "loss.oscillating", "fit.overfitting"])
        return None

    def _printed_accuracy_wrong(self, ctx: Context) -> Finding | None:
        """The script's own accuracy, as it prints it, at chance while the collector counts far more on the same
        evaluation passes: the script's accuracy code is wrong, not the model (see
        ``signals.printed_accuracy_wrong``). The seed's last step: validation bad, "check the evaluation
        script's logic"."""
        for stage in ("val", "test"):
            cmp = printed_accuracy_wrong(ctx, stage)
            if cmp is None:
                continue
            name, counted = f"{stage}_acc", "eval/acc" if stage == "val" else f"{stage}/acc"
            span = "at every evaluation" if cmp["printed_max"] == cmp["printed"] else \
                f"at the end, never above {cmp['printed_max']:.3f}"
            return Finding(
                self.id, f"The script's own {name} ({cmp['printed']:.3f} {span}) is not the model's: on the same "
                         f"evaluation passes the model's top class matches the label for {cmp['counted']:.3f} of "
                         f"the samples",
                severity="error", confidence=0.75, location=f"the script's {name}", step=cmp["first_step"],
                evidence={"printed": round(cmp["printed"], 4), "counted": round(cmp["counted"], 4),
                          "evaluations": cmp["pairs"], "chance": round(cmp["chance"], 4)},
                advice="Check how the script computes its accuracy: torch.max(out, 1) returns (values, indices) and "
                       "the class is the indices (out.argmax(1)); compare predictions and labels of one shape "
                       "((N,) with (N,): against (N, 1) they broadcast to N x N); count over samples, not batches. "
                       "The model itself learned: decisions taken on the printed number (early stopping, the "
                       "checkpoint kept) should follow the corrected one.",
                explains=["fit.overfitting", "fit.underfitting", "hparam.epochs_too_few", "hparam.epochs_too_many"],
                plots={f"printed {name}": f"printed/{name}", f"counted {counted}": counted})
        return None

    #: an Embedding of this many rows or more ...
    SQUEEZED_ROWS = 8
    #: ... given ids of at most this many values (0 and 1) over its first training forwards
    SQUEEZED_SPAN = 2

    def _ids_squeezed(self, ctx: Context) -> Finding | None:
        """An Embedding of many rows whose training ids take only 0 and 1: ids cast to long after scaling (a
        MinMax-scaled id column truncated by ``.long()``: probe S f04, 40 stores read as 0 for 39 of them and 1 for
        the last; loss.not_converging only) or after a division. A token-type embedding has 2 rows; a position
        table read by short sequences still spans their length."""
        last = {e["module"]: e for e in sig.events(ctx, "embedding_train_range")}  # the range over most forwards
        for e in last.values():
            lo, hi = e["train"]
            if e["rows"] < self.SQUEEZED_ROWS or hi - lo + 1 > self.SQUEEZED_SPAN:
                continue
            return Finding(
                self.id, f"Embedding {e['module']} has {e['rows']} rows but its training ids are only {lo} and "
                         f"{hi} over {e['forwards']} forwards: the ids were scaled or divided before the cast to "
                         f"long, so all categories share one or two rows",
                severity="error", confidence=0.8, location=e["module"], step=int(e["step"]),
                evidence={"module": e["module"], "rows": e["rows"], "train_id_range": [lo, hi],
                          "forwards_read": e["forwards"]},
                advice="Feed an Embedding the raw category ids (0..rows-1): take the id column before scaling (a "
                       "MinMax/standard scaler on the whole table turns ids into fractions, and .long() truncates "
                       "them to 0), or encode it with LabelEncoder / pandas' category codes.",
                explains=["loss.not_converging", "fit.underfitting", "weight.not_updating", "fit.overfitting",
                          "data.label_errors"])
        return None

    def run(self, ctx: Context) -> Outcome:
        layout = self._sequence_layout(ctx) or self._ids_squeezed(ctx)
        if layout is not None:
            return Outcome.found(layout)
        rounded = self._rounded_in_forward(ctx)
        if rounded is not None:
            return Outcome.found(rounded)
        mixed = self._samples_mixed(ctx) or self._reshape_as_transpose(ctx) or self._batch_collapsed(ctx) \
            or self._heads_split_by_reshape(ctx)
        if mixed is not None:
            return Outcome.found(mixed)
        pooled = self._softmax_over_batch(ctx) or self._softmax_over_one(ctx) or self._dropout_on_output(ctx) \
            or self._scores_scaled_up(ctx)
        if pooled is not None:
            return Outcome.found(pooled)
        positions = self._positions_by_batch(ctx) or self._positions_by_ids(ctx)
        if positions is not None:
            return Outcome.found(positions)
        lengths = self._lengths_sorted_apart(ctx) or self._last_step_padding(ctx)
        if lengths is not None:
            return Outcome.found(lengths)
        printed = self._printed_accuracy_wrong(ctx)
        if printed is not None:
            return Outcome.found(printed)
        for ev in sig.events(ctx, "loss_call"):
            inp = ev.get("input", {})
            # (below 2^22: float32 holds no fractions from 2^23 on, and logits blown up that far are whole; a
            # sigmoid or tanh output saturated at its bounds is whole too, and no rounding: probe T f06)
            if ev.get("mode") == "train" and inp.get("dtype", "").startswith(("float", "bfloat")) \
                    and inp.get("integer_frac", 0) == 1 and inp.get("distinct", 0) > 1 \
                    and max(abs(inp.get("min", 0)), abs(inp.get("max", 0))) < 2 ** 22 \
                    and not _saturated_output(ctx, [inp]) \
                    and ev["function"] in ("cross_entropy", "mse_loss", "l1_loss", "smooth_l1_loss",
                                           "binary_cross_entropy_with_logits", "huber_loss"):
                return Outcome.found(Finding(
                    self.id, f"The model's outputs fed to {ev['function']} are all whole numbers",
                    severity="error", confidence=0.85, location=ev.get("module") or ev["function"],
                    step=int(ev.get("step", STATIC_STEP)), evidence={"loss_input": inp},
                    advice="Look for // or torch.div(..., rounding_mode='floor'/'trunc'), round() or an int cast "
                           "in the forward pass; use true division (/) and keep activations in floating point.",
                    explains=["loss.not_converging", "grad.vanishing", "weight.not_updating", "fit.underfitting"]))
        train = sig.batches(ctx, "train")
        xs = [b["x"] for b in train if b.get("x", {}).get("per_feature") and b["x"].get("dtype", "").startswith("float")]
        if not xs:
            return Outcome.passed("model outputs are not quantised") if sig.events(ctx, "loss_call") else \
                Outcome.not_checked("no loss call or input batch was recorded")
        if all(x.get("distinct", 0) == 1 for x in xs) and len({x.get("min") for x in xs}) == 1:
            v = xs[0].get("min", 0)
            return Outcome.found(Finding(
                self.id, f"Float inputs are all {sig.fmt_num(v)} in every sampled batch ({len(xs)}): they carry no "
                         f"information" + (" (quantised to zero by an integer division?)" if v == 0 else ""),
                severity="error", confidence=0.8, location="input", step=int(train[0].get("step", STATIC_STEP)),
                evidence={"distinct_values": 1, "value": v, "batches": len(xs)},
                advice="Look at how the inputs are scaled: x // 17 or an integer cast of values below 1 gives all "
                       "zeros; use true division (x / 16.0). Check also that the right columns are selected.",
                explains=["loss.not_converging", "fit.underfitting", "weight.not_updating", "graph.node_connection"]))
        if all(x.get("integer_frac", 0) == 1 and x.get("distinct", 0) == 2 for x in xs):
            lo, hi = min(x.get("min", 0) for x in xs), max(x.get("max", 0) for x in xs)
            zero_share = float(np.mean([1 - (x.get("mean", 0) - lo) / max(hi - lo, 1e-12) for x in xs])) \
                if lo == 0 else 0.0
            tabular = [x for x in xs if len(x["per_feature"]["std"]) >= 8]
            const = float(np.mean([np.mean([(v or 0) == 0 for v in x["per_feature"]["std"]]) for x in tabular])) \
                if tabular else None
            if zero_share >= self.ZERO_SHARE and (const is None or const >= self.CONSTANT_FEATURES):
                b = train[0]
                return Outcome.found(Finding(
                    self.id, f"Float inputs hold only the values {sig.fmt_num(lo)} and {sig.fmt_num(hi)}, "
                             f"{zero_share:.0%} of them zero: quantised by an integer division",
                    severity="error", confidence=0.8, location="input", step=int(b.get("step", STATIC_STEP)),
                    evidence={"distinct_values": 2, "zero_share": round(zero_share, 3),
                              "constant_feature_share": None if const is None else round(const, 3),
                              "mean": xs[0].get("mean"), "max": hi},
                    advice="Scale inputs with true division (x / 255.0, x / x.max()), not // or "
                           "rounding_mode='floor', which throws the information away.",
                    explains=["loss.not_converging", "fit.underfitting"]))
        return Outcome.passed("inputs and outputs are not quantised")


@register
class OptimizerMisuse(Check):
    """``graph.optimizer``: gradients never zeroed, or a user-written update against its rule.

    Gradients that are never zeroed accumulate: the gradient norm grows by about one
    batch's worth every step (linearly, so the ratio of the norm at step k to the
    norm at step 0 follows k+1). ``GROWTH`` asks for the late gradient norm to be far
    above the early one *and* for the growth to be steady (most steps larger than the
    one before), which healthy training, where gradients shrink or wander, never
    shows. For optimizers written by the user, the recorded probe compares each of
    the first updates with the gradient it was given: a descent step points along
    -grad (cosine near +1); a cosine near -1 is an ascent step (a sign error). And an
    optimizer whose step finds no gradient on any of its parameters at most of its
    steps (``EMPTY_SHARE``) is called out of order: step() before backward(). An
    Adam whose betas are swapped (beta1 > beta2) is said so (``_betas_swapped``).
    """

    id = "graph.optimizer"
    needs = frozenset()
    #: Share of an optimizer's steps taken with no gradient on any of its parameters (while a backward ran):
    #: step() before backward(), or zero_grad() between them. One such step is LBFGS's first (its closure
    #: has not run yet) or a warm-up step; most of them is the order of the calls.
    EMPTY_SHARE = 0.5

    #: zero_grad() calls that cleared a training backward's gradients before any step used them, per optimizer
    #: step: a GAN's discriminator is cleared of its generator's backward once per step, by design; step() run
    #: once per epoch after a zero_grad() and a backward() per batch throws away 26 batches of 27
    DISCARDS_PER_STEP = 2.0
    MIN_DISCARDS = 8

    def _gradients_discarded(self, ctx: Context) -> Finding | None:
        last: dict[int, dict] = {}
        for ev in sig.events(ctx, "grads_discarded"):
            last[ev["optimizer"]] = ev
        for i, ev in sorted(last.items()):
            steps = max(int(ev.get("step", 0)), 1)
            if ev["count"] < self.MIN_DISCARDS or ev["count"] < self.DISCARDS_PER_STEP * steps:
                continue
            per = ev["count"] / steps  # backward passes thrown away per step, which uses one more
            share = per / (per + 1)
            opt = next((e.get("class") for e in sig.events(ctx, "optimizer") if e.get("index") == i), "the optimizer")
            updates = len(ctx.loss)
            return Finding(
                self.id, f"zero_grad() throws away the gradients of {share:.0%} of the backward passes before "
                         f"{opt}.step() uses them ({updates} updates in all)",
                severity="error", confidence=0.9, location=f"{opt}.step", step=0,
                evidence={"optimizer": i, "zero_grad_discards": ev["count"], "steps_at_that_count": steps,
                          "backwards": ev.get("backwards"), "optimizer_steps": updates},
                advice="Call optimizer.step() after every loss.backward() (inside the batch loop), or, to "
                       "accumulate gradients on purpose, call zero_grad() only after step() and divide the loss "
                       "by the number of batches accumulated.",
                explains=["loss.not_converging", "fit.underfitting", "weight.change_too_small",
                          "hparam.lr_too_small", "hparam.batch_size_too_large", "hparam.epochs_too_few"])
        return None

    def _betas_swapped(self, ctx: Context) -> Finding | None:
        """An Adam-family optimizer with beta1 > beta2: (0.999, 0.9) written for (0.9, 0.999). The first moment
        then averages over ~1000 steps and the second over ~10; Adam's bound on a step, |m / sqrt(v)| <= 1 times
        lr, holds only while beta1^2 <= beta2 (Kingma & Ba, section 2.1, and their convergence condition
        beta1^2 / sqrt(beta2) < 1): past it a gradient that shrinks leaves m large over a v that forgot it, and
        the step grows without bound. An error where the bound is lost, a warning where beta1 > beta2 only."""
        for ev in sig.events(ctx, "optimizer"):
            cls = ev.get("class", "")
            for j, g in enumerate(ev.get("groups") or []):
                swapped = sig.swapped_betas(cls, g)
                if swapped is None:
                    continue
                b1, b2 = swapped
                unbounded = b1 * b1 > b2
                return Finding(
                    self.id, f"{cls}(betas=({b1:g}, {b2:g})): beta1 is above beta2, the two look swapped; the "
                             f"first moment averages over ~{1 / max(1 - b1, 1e-12):.0f} steps and the second over "
                             f"~{1 / max(1 - b2, 1e-12):.0f}"
                             + (", so a step is no longer bounded by the learning rate" if unbounded else ""),
                    severity="error" if unbounded else "warning", confidence=0.85 if unbounded else 0.6,
                    location=cls if len(ev.get("groups") or []) < 2 else f"{cls} group {j}",
                    step=int(ev.get("step", 0)),
                    evidence={"betas": [b1, b2], "beta1_squared_over_beta2": round(b1 * b1 / b2, 4) if b2 else None,
                              "optimizer": cls},
                    advice=f"Use betas=({b2:g}, {b1:g}) (beta1 the momentum of the gradient, usually 0.9; beta2 "
                           f"the average of its square, 0.999, or 0.98-0.99 for transformers): beta1 must stay "
                           f"below beta2.",
                    explains=["loss.blowup", "loss.nan_inf", "grad.exploding", "loss.oscillating",
                              "weight.change_too_large", "loss.not_converging", "fit.underfitting",
                              "hparam.lr_too_large"])
        return None

    def _steps_without_grads(self, ctx: Context) -> Finding | None:
        if sig.events(ctx, "leaf_loss"):
            return None  # backward ran, on a loss cut from the model: graph.node_connection's to say
        if sig.events(ctx, "opt_loose_params"):
            return None  # the optimizer holds a replaced layer's tensors: graph.frozen_weights says so
        last: dict[int, dict] = {}
        for ev in sig.events(ctx, "opt_no_grad"):
            last[ev["optimizer"]] = ev
        if not last:
            return None
        n_steps = len(ctx.loss)  # one training loss per step
        opts = {e["index"]: e for e in sig.events(ctx, "optimizer")}
        for i, ev in sorted(last.items()):
            if not n_steps or ev["steps"] < 3 or ev["steps"] < self.EMPTY_SHARE * n_steps:
                continue
            cls = opts.get(i, {}).get("class", f"optimizer {i}")
            return Finding(
                self.id, f"{cls}.step() finds no gradients at {ev['steps']} of {n_steps} steps: it runs before "
                         f"loss.backward(), or zero_grad() runs between them",
                severity="error", confidence=0.9, location=cls, step=int(ev["first_step"]),
                evidence={"steps_without_gradients": ev["steps"], "steps": n_steps,
                          "first_step": ev["first_step"]},
                advice="Call them in this order at every step: optimizer.zero_grad(), loss.backward(), "
                       "optimizer.step(). The gradients of each backward are then used by the step that follows.",
                explains=["weight.not_updating", "loss.not_converging", "fit.underfitting", "graph.node_connection",
                          "weight.change_too_small"])
        return None
    #: Relative weight change per step below which weights "never changed" when step() is never called.
    STILL = 1e-9

    def _never_stepped(self, ctx: Context) -> Finding | None:
        """An optimizer built, backward run again and again, and not one step(): the collector counts each
        backward as a step from its NO_STEP_AFTER-th on (``opt_never_stepped``), unless a step came later."""
        never = sig.events(ctx, "opt_never_stepped")
        if not never or sig.events(ctx, "opt_stepped"):
            return None
        ev = never[0]
        u = ctx.run.table("update")
        if len(u):
            _, ratio = u.pivot("ratio")
            moved = np.nanmax(ratio) if np.isfinite(ratio).any() else 0.0
            if moved > self.STILL:
                return None  # the weights move: updated by hand, the optimizer only built (or for its zero_grad)
        classes = ev.get("classes") or ["optimizer"]
        n = int(ev.get("backwards", 0)) + max(0, len(ctx.loss) - 1)
        return Finding(
            self.id, f"{classes[0]}.step() is never called: {n} backward passes and no optimizer step, so the "
                     f"weights never change",
            severity="error", confidence=0.95, location=f"{classes[0]}.step", step=0,
            evidence={"backward_passes": n, "optimizer_steps": 0, "optimizers": classes},
            advice="Call optimizer.step() after loss.backward() at every step (optimizer.zero_grad(), "
                   "loss.backward(), optimizer.step()); with a GradScaler, scaler.step(optimizer) and "
                   "scaler.update().",
            explains=["weight.not_updating", "loss.not_converging", "fit.underfitting", "weight.change_too_small",
                      "hparam.lr_too_small", "graph.frozen_weights"])

    def _update_never_written(self, ctx: Context) -> Finding | None:
        """No torch.optim optimizer, gradients on the trained weights at most steps, and not one weight ever
        changes: the script's own update does not write into the parameters. ``for p in model.parameters(): p =
        p - lr * p.grad`` rebinds the loop variable to a new tensor and drops it (probe K f16: 0.56 against
        1.00; weight.not_updating led, asking about param groups that do not exist)."""
        if sig.events(ctx, "optimizer") or sig.events(ctx, "opt_never_stepped"):
            return None
        u, g = ctx.run.table("update"), ctx.run.table("grad")
        if not len(u) or not len(g):
            return None
        _, un = u.pivot("norm")
        _, gn = g.pivot("norm")
        if un.shape[0] < 3:
            return None
        still, moved = [], False
        for j, k in enumerate(u.keys):
            col = un[:, j][np.isfinite(un[:, j])]
            if not len(col):
                continue
            if np.any(col > 0):
                moved = True
                break
            if k in g.keys:
                gc = gn[:, g.keys.index(k)]
                gc = gc[np.isfinite(gc)]
                if len(gc) and np.mean(gc > 0) >= 0.5:
                    still.append(k)
        if moved or not still:
            return None
        return Finding(
            self.id, f"No optimizer, and no update reaches the weights: {len(still)} parameter(s) get gradients "
                     f"at every step and never change ({', '.join(still[:3])}{', ...' if len(still) > 3 else ''})",
            severity="error", confidence=0.85, location="the update", step=0,
            evidence={"parameters": still[:20], "steps": int(un.shape[0]), "optimizer": None},
            advice="A hand-written update must change the parameters in place, under torch.no_grad(): p -= lr * "
                   "p.grad (or p.add_(p.grad, alpha=-lr)); p = p - lr * p.grad makes a new tensor and leaves the "
                   "parameter as it was. Or use torch.optim.SGD(model.parameters(), lr=lr).",
            explains=["weight.not_updating", "loss.not_converging", "fit.underfitting", "weight.change_too_small"])

    #: Global gradient norm at the end of the first window over the start, for accumulation.
    GROWTH = 4.0
    #: Share of steps whose gradient norm exceeds the previous step's.
    STEADY = 0.75
    #: Accumulated gradients grow about linearly: growth above this many times the step count is divergence.
    MAX_LINEAR = 3.0
    #: A user-written update whose cosine with -grad is below this is moving uphill.
    ASCENT_COS = -0.5

    #: evaluations of the frozen copy, at least, for its standing still to count
    COPY_EVALS = 3

    #: an evaluated copy whose weights travel at most this share of the trained model's way ...
    LAG_SHARE = 0.1
    #: ... while its evaluated accuracy is this far below the trained model's training accuracy
    LAG_GAP = 0.2

    def _copy_lags(self, ctx: Context, root: str, twin: str, passes: list[dict], own: np.ndarray,
                   other: np.ndarray) -> Finding | None:
        """An evaluated EMA copy whose decay is too slow for the run: 0.9999 over 705 steps keeps 93% of its
        random init (0.9999^705), so the copy evaluated stays near chance while the trained model learns
        (probe R f05: 0.24 against 0.96 at 0.99; data.label_errors led). From the update table: the copy's path
        (its update/weight ratios summed, median over its tensors) is at most ``LAG_SHARE`` of the trained
        model's (0.4-0.6 for a decay of 0.99 on the same run), and the evaluation is ``LAG_GAP`` below the
        training accuracy."""
        with np.errstate(invalid="ignore"):
            mine = float(np.nanmedian(np.nansum(own, 0)))
            theirs = float(np.nanmedian(np.nansum(other, 0)))
        gap = sig.eval_accuracy_gap(ctx)
        if not theirs > 0 or mine > self.LAG_SHARE * theirs or gap is None or gap["gap"] < self.LAG_GAP:
            return None
        first, n = int(passes[0]["step"]), int(passes[-1]["step"])
        return Finding(
            self.id, f"{root}, the model the evaluations run, is a copy of {twin} that follows it too slowly: its "
                     f"weights travelled {mine / theirs:.0%} of {twin}'s way over the run, and it evaluates at "
                     f"{gap['eval_acc']:.3f} while {twin} trains at {gap['train_acc']:.3f}: an EMA decay too "
                     f"close to 1 for a run of {n} steps",
            severity="error", confidence=0.8, location=root, step=first,
            evidence={"evaluated_model": root, "trained_model": twin, "path_share": round(mine / theirs, 4),
                      "copy_path": round(mine, 4), "trained_path": round(theirs, 4), "steps": n,
                      "eval_acc": round(gap["eval_acc"], 4), "train_acc": round(gap["train_acc"], 4)},
            advice=f"An EMA with decay d keeps d^steps of its start: over {n} steps use d <= {1 - 10 / max(n, 10):.4g} "
                   f"(1 - 10/steps; 0.99 for a few thousand steps, 0.999 from about 10k), or warm it up "
                   f"(d_t = min(d, (1 + t) / (10 + t))), or evaluate {twin} itself.",
            explains=["data.label_errors", "fit.overfitting", "fit.underfitting", "weight.change_too_small",
                      "hparam.epochs_too_few"])

    def _evaluated_copy_still(self, ctx: Context) -> Finding | None:
        """The model that the evaluations run is a copy of the trained one (the same parameter shapes), in no
        optimizer, and none of its weights ever changes while the trained model's do: an EMA or averaged copy whose
        hand-written update writes the wrong model (``zip(model.parameters(), ema.parameters())`` with the names
        swapped pulls the trained model toward the copy, and the copy stays at its start; probe M f09: 0.10 against
        0.98, led by data.label_errors). From the evaluation passes' model, the update table and the models'
        parameter shapes; a copy evaluated fewer than ``COPY_EVALS`` times (a checkpoint deep-copied each epoch)
        is not judged."""
        helpers = helper_models(ctx)
        evs: dict[str, list[dict]] = {}
        for e in sig.events(ctx, "eval"):
            if e.get("model") in helpers and e.get("role") in ("eval", "test"):
                evs.setdefault(e["model"], []).append(e)
        if not evs:
            return None
        shapes = sig.model_param_shapes(ctx)
        steps, keys, mat = sig.update_ratios(ctx)
        helper_names = {n for names in helpers.values() for n in names}
        trained = [i for i in sig.trained_keys(ctx, keys) if keys[i] not in helper_names]
        for root, passes in evs.items():
            if len(passes) < self.COPY_EVALS:
                continue
            twin = next((r for r in shapes if r != root and r not in helpers and shapes[r] == shapes.get(root)), None)
            cols = [keys.index(n) for n in helpers[root] if n in keys]
            if twin is None or not cols or not trained:
                continue
            first, last = int(passes[0]["step"]), int(passes[-1]["step"])
            span = (steps >= first) & (steps <= last)
            block, other = mat[np.ix_(span, cols)], mat[np.ix_(span, trained)]
            own = block[np.isfinite(block)]
            if len(own) >= self.COPY_EVALS and np.any(own > 0):
                lag = self._copy_lags(ctx, root, twin, passes, block, other)
                if lag is not None:
                    return lag
            if len(own) < self.COPY_EVALS or np.any(own > 0) or not np.any(other[np.isfinite(other)] > 0):
                continue
            return Finding(
                self.id, f"{root}, the model the evaluations run ({len(passes)} passes), is a copy of {twin} that never "
                         f"changes: none of its weights moved from step {first} to {last}, while {twin} trained. The "
                         f"update meant to follow {twin} (an EMA, an average) does not write it",
                severity="error", confidence=0.8, location=root, step=first,
                evidence={"evaluated_model": root, "trained_model": twin, "evaluations": len(passes),
                          "first_eval_step": first, "last_eval_step": last, "updates_recorded": int(len(own))},
                advice=f"Check the copy's update: for p_ema, p in zip(ema.parameters(), model.parameters()): "
                       f"p_ema.mul_(decay).add_(p, alpha=1 - decay) (the copy first); or evaluate {twin} itself.",
                explains=["data.label_errors", "fit.overfitting", "fit.underfitting", "weight.not_updating",
                          "hparam.epochs_too_many", "hparam.epochs_too_few"])
        return None

    def run(self, ctx: Context) -> Outcome:
        probes = sig.events(ctx, "opt_probe")
        if probes:
            cos = [p["cos"] for p in probes if p.get("grad_norm", 0) > 0]
            if cos and np.median(cos) < self.ASCENT_COS:
                p = probes[0]
                return Outcome.found(Finding(
                    self.id, f"The optimizer {p['class']} moves the weights up the gradient (ascent, not descent)",
                    severity="error", confidence=0.9, location=p["class"], step=int(p["step"]),
                    evidence={"cosine_update_vs_minus_grad": [round(c, 3) for c in cos]},
                    advice=f"Fix the update rule of {p['class']}: it must subtract lr * grad (p.add_(grad, "
                           f"alpha=-lr)), or use a torch.optim optimizer.",
                    explains=["loss.blowup", "loss.not_converging", "loss.nan_inf", "fit.underfitting"]))
        never = self._never_stepped(ctx) or self._update_never_written(ctx) or self._evaluated_copy_still(ctx)
        if never is not None:
            return Outcome.found(never)
        late = sig.events(ctx, "clip_after_step")
        if late:
            ev = late[0]
            return Outcome.found(Finding(
                self.id, f"{ev['function']} is called after optimizer.step(): it clips gradients the step already "
                         f"used, and the next zero_grad() discards them, so nothing is clipped",
                severity="error", confidence=0.8, location=ev["function"], step=int(ev.get("step", 0)),
                evidence={"function": ev["function"], "first_step": ev.get("step")},
                advice=f"Call {ev['function']} between loss.backward() and optimizer.step() (after "
                       f"scaler.unscale_(optimizer) under AMP).",
                explains=["grad.exploding", "loss.nan_inf", "loss.blowup", "loss.oscillating",
                          "weight.change_too_large", "tensor.overflow"]))
        empty = self._steps_without_grads(ctx)
        if empty is not None:
            return Outcome.found(empty)
        discarded = self._gradients_discarded(ctx)
        if discarded is not None:
            return Outcome.found(discarded)
        swapped = self._betas_swapped(ctx)
        if swapped is not None:
            return Outcome.found(swapped)
        grad = ctx.run.table("grad")
        if not len(grad):
            return Outcome.not_checked("no gradients were recorded")
        steps, norms = grad.pivot("norm")
        total = np.sqrt(np.nansum(norms ** 2, axis=1))
        if len(total) < 8 or not np.all(np.isfinite(total)):
            return Outcome.passed("too few steps to judge accumulation") if len(total) < 8 else \
                Outcome.passed("gradients went non-finite: accumulation not judged")
        n = min(len(total), 40)
        window = total[:n]
        growth = float(np.median(window[-3:]) / max(np.median(window[:2]), 1e-30))
        steady = float(np.mean(np.diff(window) > 0))
        # accumulation grows at most linearly (k+1 batches' worth after k steps); a much faster,
        # exponential growth is a diverging optimisation (see loss.blowup), not missing zero_grad
        linear = growth <= self.MAX_LINEAR * n
        # a loss that falls below zero has no floor (nll_loss on raw scores: -5e6 by the end), and its gradients
        # grow with the scores it drives up, step after step, zeroed or not (probe N f06 was blamed on zero_grad)
        fin = ctx.loss.value[np.isfinite(ctx.loss.value)]
        unbounded = len(fin) >= 8 and float(np.median(fin[-max(2, len(fin) // 10):])) < 0
        if growth >= self.GROWTH and steady >= self.STEADY and linear and not unbounded:
            return Outcome.found(Finding(
                self.id, f"Gradients accumulate across steps: the gradient norm grew {growth:.1f}x over "
                         f"{n} steps, rising in {steady:.0%} of them",
                severity="error", confidence=0.85, location="optimizer.zero_grad", step=int(steps[1]),
                evidence={"grad_norm_first_steps": [float(x) for x in window[:6]],
                          "grad_norm_growth": round(growth, 2), "rising_steps_fraction": round(steady, 3)},
                advice="Call optimizer.zero_grad() (or model.zero_grad()) once per step, before loss.backward(); "
                       "for deliberate accumulation, zero after every k micro-batches and divide the loss by k.",
                explains=["grad.exploding", "loss.oscillating", "loss.blowup", "loss.nan_inf",
                          "weight.change_too_large", "loss.not_converging"],
                plots={"gradient norm (first parameter)": {"table": "grad", "key": grad.keys[0], "field": "norm"}}))
        return Outcome.passed("gradients are zeroed between steps")
