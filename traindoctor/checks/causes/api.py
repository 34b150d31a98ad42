"""API-use causes: an op used against its constraints (zero divisor, log of zero, keep vs drop probability)."""
from __future__ import annotations

from ..base import Check, Context, Finding, Outcome, register
from . import _signals as sig

_NAN_SYMPTOMS = ["loss.nan_inf", "tensor.overflow", "grad.exploding", "loss.blowup", "weight.not_updating"]


@register
class ConstraintViolation(Check):
    """``api.constraint_violation``: the op where NaN/Inf first appears, and why.

    At the first non-finite training loss the collector walks the autograd graph
    back from the loss and keeps the ops whose saved inputs break the op's domain:
    a divisor with zeros, a log of zeros or negatives, a square root of negatives, a
    fractional power of negatives, an exp that overflowed. The earliest such op in
    forward order is the origin; the module whose output first went non-finite (CPU
    runs) names the place. Separately, a Dropout with ``p`` of ``DROP_P_SUSPICIOUS``
    or more is a keep-probability passed where PyTorch expects a drop-probability.
    """

    id = "api.constraint_violation"
    needs = frozenset()
    #: Domain errors are certain; an exp overflow can also follow from a diverging learning rate.
    OVERFLOW_CONFIDENCE = 0.6
    DROP_P_SUSPICIOUS = 0.8

    def run(self, ctx: Context) -> Outcome:
        findings = []
        ops_ev = sig.events(ctx, "nonfinite_ops")
        origin = sig.events(ctx, "nonfinite")
        if ops_ev and ops_ev[0].get("ops"):
            ev = ops_ev[0]
            op = ev["ops"][0]
            domain = op["op"] != "exp"
            origin = [o for o in origin if o.get("step") == ev["step"]]  # a later NaN is a consequence
            module = origin[0]["module"] if origin else None
            loc = f"{module}: torch.{op['op']}" if module else f"torch.{op['op']}"
            fix = {"div": "add an epsilon to the divisor (x / (d + 1e-8)) or mask zero divisors "
                          "(torch.where(d == 0, 0, x / d))",
                   "log": "clamp the argument (torch.log(p.clamp_min(1e-8))), or better use log_softmax / "
                          "a with-logits loss instead of log(softmax(x))",
                   "sqrt": "clamp the argument to a small positive value (torch.sqrt(v.clamp_min(1e-12)))",
                   "exp": "subtract the maximum before exp (or use logsumexp/softmax), and check the learning rate"}
            advice = fix.get(op["op"], f"keep the input of {op['op']} inside its domain (clamp it or add an epsilon)")
            findings.append(Finding(
                self.id, f"{op['issue'].capitalize()} in torch.{op['op']} made the loss non-finite at step "
                         f"{ev['step']}" + (f" (first non-finite output: {module})" if module else ""),
                severity="error", confidence=0.9 if domain else self.OVERFLOW_CONFIDENCE, location=loc,
                step=int(ev["step"]),
                evidence={"op": op["op"], "issue": op["issue"], "offending_values": op.get("bad"),
                          "input_numel": op.get("numel"), "input_zeros": op.get("zeros"),
                          "input_negatives": op.get("negatives"), "input_min": op.get("min"),
                          "input_max": op.get("max"), "loss": ev.get("loss"),
                          "other_suspect_ops": [o["op"] for o in ev["ops"][1:]],
                          "first_nonfinite_module": origin[0] if origin else None},
                advice=f"Make torch.{op['op']} safe: {advice}.",
                explains=_NAN_SYMPTOMS, plots={"train loss": "train/loss"}))
        drops = {}
        for ev in sig.events(ctx, "modes"):
            for name, m in ev.get("modules", {}).items():
                if "Dropout" in m.get("class", "") and m.get("p", 0) >= self.DROP_P_SUSPICIOUS:
                    drops.setdefault(name, m["p"])
        for ev in sig.events(ctx, "opgraph"):
            # a functional dropout (F.dropout(h, p, training)): its mask is bernoulli_ with the keep probability
            for op in ev.get("ops", []):
                if op.get("op") == "aten.bernoulli_" and op.get("scalars") and op.get("module") not in drops and \
                        1.0 - float(op["scalars"][0]) >= self.DROP_P_SUSPICIOUS:
                    drops.setdefault(f"{op.get('module') or ev.get('root')}: F.dropout",
                                     round(1.0 - float(op["scalars"][0]), 6))
        if drops:
            name, p = next(iter(drops.items()))
            findings.append(Finding(
                self.id, f"{name} drops {p:.0%} of its inputs: a keep-probability passed as PyTorch's "
                         f"drop-probability?", severity="error", confidence=0.75, location=name, step=0,
                evidence={"dropout_p": drops},
                advice=f"Dropout's p is the probability of *dropping* a unit (nn.Dropout(p), F.dropout(x, p)); "
                       f"for keep-probability {p:g} use p={1 - p:.2g}.",
                explains=["fit.underfitting", "loss.not_converging", "loss.oscillating"]))
        inverted = self._inverted_padding_mask(ctx)
        if inverted is not None:
            findings.append(inverted)
        added = self._float_attention_mask(ctx)
        if added is not None:
            findings.append(added)
        eps = self._eps_underflow(ctx)
        if eps is not None:
            findings.insert(0, eps)
        reinit = self._reinitialised(ctx) or self._bag_offsets(ctx)
        if reinit is not None:
            findings.insert(0, reinit)
        if not findings:
            return Outcome.passed("no op produced NaN/Inf from an invalid input; dropout rates plausible") \
                if len(ctx.loss) else Outcome.not_checked("no training loss recorded")
        return Outcome.found(*findings)

    def _bag_offsets(self, ctx: Context) -> Finding | None:
        """EmbeddingBag offsets that decrease: the bags' lengths passed where their starts belong (``[0] + lens[:-1]``
        without ``.cumsum(0)``), so no bag holds its own sample's tokens and the labels follow no input (probe S
        f01: the loss at ln 6 for 6,000 steps; data.label_errors led)."""
        e = next(iter(sig.events(ctx, "bag_offsets_decrease")), None)
        if e is None:
            return None
        return Finding(
            self.id, f"{e['module']} (EmbeddingBag) gets offsets that decrease ({e['decreasing']} of {e['bags']} "
                     f"bags, {', '.join(str(v) for v in e['offsets'])}, ...): offsets are each bag's start in the "
                     f"flat ids, so these are the bags' lengths, and no bag holds its own tokens",
            severity="error", confidence=0.9, location=e["module"], step=int(e["step"]),
            evidence={"module": e["module"], "first_offsets": e["offsets"], "bags": e["bags"],
                      "decreasing": e["decreasing"], "ids": e["ids"]},
            advice="Offsets are the cumulative sum of the lengths, starting at 0: "
                   "offsets = torch.tensor([0] + lengths[:-1]).cumsum(0).",
            explains=["data.label_errors", "loss.not_converging", "fit.underfitting", "fit.overfitting"])

    def _float_attention_mask(self, ctx: Context) -> Finding | None:
        """An attention ``attn_mask`` of floats holding only 0 and 1 (``torch.tril(torch.ones(L, L))`` as a causal
        mask): PyTorch adds a float mask to the attention scores and masks where a bool mask is True, so a 0/1
        float mask masks nothing and a language model reads the tokens it must predict (probe L f09: 0.06
        against 1.00; only symptoms were found)."""
        ev = next(iter(sig.events(ctx, "attention_float_mask")), None)
        if ev is None:
            return None
        causal = ev.get("lower_triangular")
        return Finding(
            self.id, f"The attention mask{' of ' + ev['module'] if ev.get('module') else ''} is a float tensor of "
                     f"0s and 1s {tuple(ev.get('shape') or ())}: a float mask is added to the attention scores, so "
                     f"it masks nothing" + (" and every position sees the ones after it" if causal else ""),
            severity="error", confidence=0.85, location=ev.get("module") or "attention", step=int(ev.get("step", 0)),
            evidence={"mask_shape": ev.get("shape"), "share_of_ones": round(float(ev.get("ones_frac", 0)), 4),
                      "lower_triangular": causal},
            advice="Pass a bool mask, True where attention is not allowed (a causal one: torch.triu(torch.ones(L, "
                   "L, dtype=torch.bool), diagonal=1), or nn.Transformer.generate_square_subsequent_mask(L)), or a "
                   "float mask of 0 and -inf.",
            explains=["loss.zero", "fit.overfitting", "data.label_errors", "hparam.epochs_too_many",
                      "loss.not_converging", "fit.underfitting"])

    #: nn.init calls on one trained parameter, at this many different steps after training began, are a loop
    #: that re-initialises the model (a head re-initialised once between phases is by design)
    REINITS = 3

    def _reinitialised(self, ctx: Context) -> Finding | None:
        """torch.nn.init called on the trained parameters again and again once training has stepped:
        ``model.apply(init_weights)`` inside the function that trains one epoch, so every epoch starts from
        random weights (probe K f04: 0.24 against 0.94; data.label_errors led, weight.change_too_large advised
        a lower learning rate). From the collector's ``reinit`` events."""
        steps: dict[str, set[int]] = {}
        counts: dict[str, int] = {}
        fns: dict[str, str] = {}
        for ev in sig.events(ctx, "reinit"):
            steps.setdefault(ev["param"], set()).add(int(ev["step"]))
            counts[ev["param"]] = max(counts.get(ev["param"], 0), int(ev.get("count", 1)))
            fns.setdefault(ev["param"], ev.get("function", "init"))
        hit = {k: v for k, v in steps.items() if max(counts[k], len(v)) >= self.REINITS}
        if not hit:
            return None
        name = max(hit, key=lambda k: (counts[k], -min(hit[k])))
        at = sorted(hit[name])
        epochs = [int(e["step"]) for e in sig.events(ctx, "epoch")]
        # (called between steps, before the epoch's first batch: the step counter still names the step before)
        at_epochs = len(epochs) > 1 and sum(1 for t in at if {t, t + 1} & set(epochs)) >= max(2, len(at) - 1)
        return Finding(
            self.id, f"torch.nn.init.{fns[name]} re-initialises {name} during training, {counts[name]} times"
                     f" (at steps {', '.join(str(t) for t in at[:4])}{', ...' if len(at) > 4 else ''})"
                     + (", at the start of each epoch" if at_epochs else "")
                     + f": each time the weights start again from random"
                     + (f" ({len(hit)} parameters so)" if len(hit) > 1 else ""),
            severity="error", confidence=0.9, location=name, step=at[0],
            evidence={"parameters": sorted(hit), "function": fns[name], "times": counts[name], "steps": at[:20]},
            advice="Initialise the model once, before the training loop (model.apply(init_weights) after building "
                   "it), not in the function that trains an epoch.",
            explains=["loss.not_converging", "fit.underfitting", "weight.change_too_large", "loss.oscillating",
                      "hparam.lr_too_large", "data.label_errors", "hparam.epochs_too_few"])

    #: the smallest positive value of each low-precision float type (float16's subnormal 2^-24): an optimizer's
    #: eps below half of it rounds to 0 in that type
    TINY = {"float16": 2.0 ** -24}

    def _eps_underflow(self, ctx: Context) -> Finding | None:
        """An adaptive optimizer (Adam, RMSprop, ...) stepping float16 weights with an eps that float16 rounds to
        0 (1e-8 against 6e-8): a weight whose gradient is 0 (a pixel that is always 0) gets 0 / (sqrt(0) + 0) =
        NaN at its first update. Reported where weights went non-finite in an update (probe J f05: a digits MLP
        and its inputs in half precision, NaN from the first step, named only as a non-finite weight)."""
        from ..signals import nonfinite_origin

        origin = nonfinite_origin(ctx)
        if not origin or origin.get("phase") != "weights":
            return None
        dtypes = {p["name"]: p.get("dtype") for p in sig.module_params(ctx).values()}
        for ev in sig.events(ctx, "optimizer"):
            for g in ev.get("groups", []):
                eps = g.get("eps")
                low = sorted({dtypes.get(n) for n in g.get("params", []) if dtypes.get(n) in self.TINY})
                if not isinstance(eps, (int, float)) or not low or eps >= self.TINY[low[0]] / 2:
                    continue
                bad = [n for n in origin.get("params", []) if dtypes.get(n) in self.TINY]
                if not bad:
                    continue
                return Finding(
                    self.id, f"{ev['class']}'s eps {eps:g} is 0 in {low[0]}: weights {', '.join(bad[:3])}"
                             f"{'…' if len(bad) > 3 else ''} became non-finite in the update of step "
                             f"{max(0, int(origin['step']) - 1)} (a zero gradient over a zero root: 0/0)",
                    severity="error", confidence=0.9, location=f"optimizer {ev['class']} eps",
                    step=max(0, int(origin["step"]) - 1),
                    evidence={"optimizer": ev["class"], "eps": eps, "param_dtype": low[0],
                              "smallest_positive": self.TINY[low[0]], "nonfinite_params": bad[:20]},
                    advice="Keep the weights in float32 and compute in half precision under torch.autocast (with "
                           "torch.amp.GradScaler for float16); weights kept in float16 need an eps float16 can "
                           "hold (eps=1e-4).",
                    explains=_NAN_SYMPTOMS)
        return None

    #: A key padding mask that is the token positions' complement on this share of positions or more, with some
    #: padding in the batch (``PAD_SHARE``..1-``PAD_SHARE``), masks the tokens instead of the padding.
    MASK_MATCH = 0.98
    PAD_SHARE = 0.02

    def _inverted_padding_mask(self, ctx: Context) -> Finding | None:
        """An attention ``key_padding_mask`` that is True on the tokens and False on the padding: PyTorch masks
        the keys where it is True, a HuggingFace ``attention_mask`` (1 for tokens) passed as it makes the
        attention read the padding only. The model still learns something through its residual paths (86-91%
        where 100% was reached on the zoo's probe), so the loss curves show nothing wrong."""
        for ev in sig.events(ctx, "attention_mask"):
            share = ev.get("pad_frac")
            if share is None or not self.PAD_SHARE <= share <= 1 - self.PAD_SHARE \
                    or ev.get("matches_tokens", 0) < self.MASK_MATCH:
                continue
            where = ev.get("module") or "attention"
            return Finding(
                self.id, f"the key padding mask of {where} masks the tokens and leaves the padding: attention "
                         f"reads only the padding (token {ev['pad_id']})",
                severity="error", confidence=0.85, location=f"{where} key_padding_mask", step=int(ev.get("step", 0)),
                evidence={"masked_share": round(ev["masked_frac"], 4), "padding_share": round(share, 4),
                          "mask_equals_not_padding": round(ev["matches_tokens"], 4),
                          "sequences_fully_masked": round(ev.get("rows_all_masked", 0.0), 4),
                          "pad_id": ev["pad_id"], "mask_shape": ev.get("shape")},
                advice="PyTorch's key_padding_mask (src_key_padding_mask) is True where a position is padding: pass "
                       "tokens == pad_id, or the logical not of a HuggingFace-style attention_mask "
                       "(src_key_padding_mask=~attention_mask.bool()).",
                explains=["fit.underfitting", "loss.not_converging", "fit.overfitting", "loss.nan_inf"])
        return None
