"""Training-step overhead of traindoctor's default recording, side by side with the alternatives.

For each reference model, in one process: the plain step (baseline), the step with
traindoctor's default recording (norms, non-finite counts and updates of every
parameter and gradient every step, the mean of every module output every step, the full
statistics of weights, gradients and activations on their budgeted cadence; see
``CollectOptions``), the same with the recommended watchpoints (``traindoctor run``'s
default), with ``torch.autograd.set_detect_anomaly(True)``, and with TensorBoard-style
per-step histogram logging of all parameters (``SummaryWriter.add_histogram``).

Steady state, measured against drift. Each configuration is set up once and warmed up
(``--warmup`` steps: traindoctor's first steps are recorded in full and its cadences
settle). Then the configurations take turns in short blocks of ``--steps`` steps, in a
new random order each round, switched on before their block and off after it (the
collector is installed and uninstalled, keeping its state). A configuration's figure is
the median over rounds of its blocks' mean step time; its ratio is the median over rounds
of the ratio to the baseline block of the same round. A shared machine's slow spells then
hit every configuration alike, and periodic work (full statistics, histograms, snapshots)
is paid in the blocks where it falls.

A reference model whose plain step takes under ``--min-step-ms`` (10 ms: the range the overhead target
is stated for is 10-100 ms per step) has its batch doubled until it does; the table names the batch.

    python benchmarks/overhead.py [--rounds 40] [--steps 10] [--min-step-ms 10] [--device cpu|cuda] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time

import torch
from torch import nn


def mlp():
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return model, (torch.randn(512, 784), torch.randint(0, 10, (512,)))


def cnn():
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 10))
    return model, (torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,)))


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(1000, 128)
        layer = nn.TransformerEncoderLayer(128, 4, 512, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        return self.head(self.enc(self.emb(x)).mean(1))


def transformer():
    return Transformer(), (torch.randint(0, 1000, (32, 64)), torch.randint(0, 10, (32,)))


MODELS = {"mlp 784-512-512-10 b512": mlp, "cnn 4conv 3x32x32 b64": cnn, "transformer 2x128 seq64 b32": transformer}

#: ``--ablate``: the recording with one part switched off (a budget so small that the part runs only on the
#: first steps), to see what each costs
ABLATIONS = {"histograms": ("histogram_budget", 1e-9), "full statistics": ("stats_budget", 1e-9),
             "batch sampling": ("batch_budget", 1e-9), "activation sums": ("activation_sums", False),
             "activations": ("activations", False), "updates": ("updates", False)}


def make_step(model, opt, x, y, device):
    """One training step. On an accelerator nothing in it waits for the device (as in a training loop that
    does not print its loss every step): blocks of steps are timed, synchronised at their ends."""
    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    step.device = device
    return step


def _sync(step) -> None:
    if getattr(step, "device", "cpu") == "cuda":
        torch.cuda.synchronize()


def time_block(step, n, cpu: list | None = None) -> float:
    """Mean seconds per step over ``n`` consecutive steps (the device's queue drained before and after);
    appends the training thread's CPU seconds per step to ``cpu`` if given (on a GPU: is the host the
    bottleneck?)."""
    _sync(step)
    t, c = time.perf_counter(), time.thread_time()
    for _ in range(n):
        step()
    if cpu is not None:
        cpu.append((time.thread_time() - c) / n)
    _sync(step)
    return (time.perf_counter() - t) / n


class Config:
    """Set up once per model (``setup``); switched on and off around each timed block."""

    name = ""

    def setup(self, model, tmp):
        pass

    def on(self):
        pass

    def off(self):
        pass

    def teardown(self):
        pass


class Baseline(Config):
    name = "baseline"


class TrainDoctor(Config):
    name = "traindoctor recording (default)"
    watch: list[str] = []

    def __init__(self, name: str | None = None, watch: list[str] | None = None, **options) -> None:
        if name is not None:
            self.name = name
        if watch is not None:
            self.watch = watch
        self.options = options

    def setup(self, model, tmp):
        from traindoctor.collect.torch import CollectOptions, Collector

        self.c = Collector(f"{tmp}/td-{time.monotonic_ns()}",
                           options=CollectOptions(watch=list(self.watch), **self.options))
        self.model = model

    def on(self):
        self.c.install()
        self.c.watch_model(self.model)

    def off(self):
        # close the step the block left open, so that the next block's first step does not count the
        # other configurations' time as its own (it would shift the adaptive cadences)
        if self.c._step_open:
            self.c._guarded("steps", self.c._end_step)
        self.c.uninstall()

    def teardown(self):
        self.c.close()


class Anomaly(Config):
    name = "torch.autograd.set_detect_anomaly(True)"

    def on(self):
        torch.autograd.set_detect_anomaly(True, check_nan=True)

    def off(self):
        torch.autograd.set_detect_anomaly(False)


class TBHistograms(Config):
    name = "TensorBoard add_histogram, all params, every step"

    def setup(self, model, tmp):
        from torch.utils.tensorboard import SummaryWriter

        self.w = SummaryWriter(f"{tmp}/tb-{time.monotonic_ns()}")
        self.model = model
        self.i = 0
        self.orig = model.forward

    def on(self):
        orig = self.orig

        def forward(*a, **k):
            for n, p in self.model.named_parameters():
                self.w.add_histogram(n, p.detach(), self.i)
            self.i += 1
            return orig(*a, **k)

        self.model.forward = forward

    def off(self):
        del self.model.forward

    def teardown(self):
        self.w.close()


def at_least(make, device: str, min_step_ms: float, max_factor: int | None = None):
    """``make()``'s model and batch, the batch repeated (doubled) until a plain training step takes at least
    ``min_step_ms`` (the reference models' steps should take 10-100 ms on the machine at hand); returns
    ``(model, x, y, factor)``."""
    factor = 1
    if max_factor is None:  # a GPU runs the named sizes in well under a millisecond
        max_factor = 8 if device == "cpu" else 1024
    while True:
        torch.manual_seed(0)
        model, (x, y) = make()
        x, y = x.repeat(factor, *([1] * (x.dim() - 1))).to(device), y.repeat(factor).to(device)
        model.to(device)
        opt = torch.optim.SGD(model.parameters(), lr=0.0)
        step = make_step(model, opt, x, y, device)
        time_block(step, 3)
        ms = min(time_block(step, 5) for _ in range(3)) * 1e3
        if ms >= min_step_ms or factor >= max_factor:
            torch.manual_seed(0)
            model, _ = make()
            return model.to(device), x, y, factor
        factor *= 2


def interleaved(step, model, configs: list[Config], tmp: str, rounds: int, steps: int, warmup: int,
                rng: random.Random, cpu: dict[str, list] | None = None) -> list[dict[str, float]]:
    """Each round's mean step time per configuration (seconds), the configurations taking turns in blocks
    of ``steps`` steps in a new random order each round, after ``warmup`` steps of each. ``cpu`` gets each
    configuration's training-thread CPU seconds per step, block by block."""
    time_block(step, 5)
    for c in configs:
        c.setup(model, tmp)
        c.on()
        try:
            time_block(step, warmup)
        finally:
            c.off()
    out = []
    try:
        for _ in range(rounds):
            order = list(configs)
            rng.shuffle(order)
            block = {}
            for c in order:
                c.on()
                try:
                    block[c.name] = time_block(step, steps, None if cpu is None else cpu.setdefault(c.name, []))
                finally:
                    c.off()
            out.append(block)
    finally:
        for c in configs:
            c.teardown()
    return out


def summarize(blocks: list[dict[str, float]], reference: str) -> dict[str, dict]:
    """Per configuration: the median block time and the median over rounds of its ratio to ``reference``'s
    block of the same round, with the ratios' interquartile range."""
    out = {}
    for name in blocks[0]:
        ratios = [b[name] / b[reference] for b in blocks]
        out[name] = {"median_ms": statistics.median(b[name] for b in blocks) * 1e3,
                     "ratio": statistics.median(ratios), "ratio_iqr": _iqr(ratios)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--steps", type=int, default=10, help="timed steps per block (one block per configuration and round)")
    ap.add_argument("--warmup", type=int, default=100,
                    help="untimed steps per configuration before the rounds (first steps in full, cadences settle)")
    ap.add_argument("--min-step-ms", type=float, default=10.0,
                    help="double a model's batch until its plain step takes this long (0: the sizes as named)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--ablate", action="store_true",
                    help="instead of the comparison: the recording with one part switched off at a time")
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = random.Random(0)
    if args.ablate:
        configs = [Baseline(), TrainDoctor()] + [TrainDoctor(f"without {k}", **{o: v}) for k, (o, v) in ABLATIONS.items()]
    else:
        configs = [Baseline(), TrainDoctor(),
                   TrainDoctor("traindoctor run (stats + recommended watchpoints)", ["recommended"]), Anomaly()]
        try:
            import tensorboard  # noqa: F401

            configs.append(TBHistograms())
        except ImportError:
            print("tensorboard not installed: its column is left out", file=sys.stderr)
    cpu: dict[str, list] = {}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models:
            model, x, y, factor = at_least(MODELS[name], args.device, args.min_step_ms)
            mname = name if factor == 1 else f"{name} x{factor} (batch {x.shape[0]})"
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
            step = make_step(model, opt, x, y, args.device)
            cpu.clear()
            blocks = interleaved(step, model, configs, tmp, args.rounds, args.steps, args.warmup, rng, cpu)
            results[mname] = summarize(blocks, "baseline")
            for c, r in results[mname].items():
                r["thread_cpu_ms"] = statistics.median(cpu[c]) * 1e3
            print(f"{mname}: " + ", ".join(f"{c} {r['ratio']:.3f}x (IQR {r['ratio_iqr'][0]:.2f}-{r['ratio_iqr'][1]:.2f})"
                                           for c, r in results[mname].items()), file=sys.stderr, flush=True)
    print(f"\ndevice: {args.device}, torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"{args.rounds} rounds x {args.steps} steps after {args.warmup} warm-up steps, "
          f"median over rounds of the block's step time relative to the baseline's block\n")
    names = [c.name for c in configs]
    if args.ablate:  # per model, one row per configuration
        for m, res in results.items():
            print(f"{m}\n\n| configuration | step | ratio | training thread CPU per step |\n|---|---|---|---|")
            for n in names:
                print(f"| {n} | {res[n]['median_ms']:.2f} ms | {res[n]['ratio']:.3f}x | {res[n]['thread_cpu_ms']:.2f} ms |")
            print()
    else:
        print("| model | baseline step | " + " | ".join(names[1:]) + " |")
        print("|" + "---|" * len(names))
        for m, res in results.items():
            cells = [f"{res['baseline']['median_ms']:.1f} ms"] + \
                    [f"{res[n]['ratio']:.2f}x ({res[n]['median_ms']:.1f} ms)" for n in names[1:]]
            print(f"| {m} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"device": args.device, "results": results}, fh, indent=2)


def _iqr(v: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(v, n=4)
    return q[0], q[2]


if __name__ == "__main__":
    main()
