"""Training-step overhead of traindoctor's default recording, side by side with the alternatives.

For each reference model, in one process: the plain step (baseline), the step with
traindoctor's default recording (norms, non-finite counts and updates of every
parameter and gradient every step, the full statistics of weights, gradients and
activations on its budgeted cadence; see ``CollectOptions``), the same with the
recommended watchpoints (``traindoctor run``'s default), with ``torch.autograd.set_detect_anomaly(True)``, and with TensorBoard-style
per-step histogram logging of all parameters (``SummaryWriter.add_histogram``).
Configurations are interleaved in rounds, so that a noisy, shared machine affects them
alike. Each round times a block of steps after a warm-up that lets traindoctor's
adaptive cadences settle (its full statistics and histograms come every k steps):
a round's figure is the mean step time of its block, so that periodic work is paid
in full, and a configuration's figure is the median over rounds. Ratios are against
the baseline measured in the same run.

    python benchmarks/overhead.py [--rounds 5] [--steps 20] [--device cpu|cuda] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
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


def make_step(model, opt, x, y, device):
    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
    return step


def time_steps(step, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return times


class Config:
    name = ""

    def enter(self, model, tmp):
        pass

    def exit(self):
        pass


class Baseline(Config):
    name = "baseline"


class TrainDoctor(Config):
    name = "traindoctor recording (default)"
    watch: list[str] = []

    def enter(self, model, tmp):
        from traindoctor.collect.torch import CollectOptions, Collector

        self.c = Collector(f"{tmp}/td-{time.monotonic_ns()}", options=CollectOptions(watch=list(self.watch))).install()
        self.c.watch_model(model)

    def exit(self):
        self.c.close()


class TrainDoctorRun(TrainDoctor):
    name = "traindoctor run (stats + recommended watchpoints)"
    watch = ["recommended"]


class Anomaly(Config):
    name = "torch.autograd.set_detect_anomaly(True)"

    def enter(self, model, tmp):
        torch.autograd.set_detect_anomaly(True, check_nan=True)

    def exit(self):
        torch.autograd.set_detect_anomaly(False)


class TBHistograms(Config):
    name = "TensorBoard add_histogram, all params, every step"

    def enter(self, model, tmp):
        from torch.utils.tensorboard import SummaryWriter

        self.w = SummaryWriter(f"{tmp}/tb-{time.monotonic_ns()}")
        self.model = model
        self.i = 0
        orig = self.model.forward

        def forward(*a, **k):
            for n, p in self.model.named_parameters():
                self.w.add_histogram(n, p.detach(), self.i)
            self.i += 1
            return orig(*a, **k)

        self.model.forward = forward

    def exit(self):
        del self.model.forward
        self.w.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=30, help="timed steps per round and configuration")
    ap.add_argument("--warmup", type=int, default=50,
                    help="untimed steps per round and configuration (start-up: first steps in full, one op trace)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.manual_seed(0)
    configs = [Baseline(), TrainDoctor(), TrainDoctorRun(), Anomaly()]
    try:
        import tensorboard  # noqa: F401

        configs.append(TBHistograms())
    except ImportError:
        print("tensorboard not installed: its column is left out", file=sys.stderr)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mname in args.models:
            model, (x, y) = MODELS[mname]()
            model.to(args.device)
            x, y = x.to(args.device), y.to(args.device)
            opt = torch.optim.Adam(model.parameters(), lr=1e-4)
            step = make_step(model, opt, x, y, args.device)
            time_steps(step, 5)
            samples = {c.name: [] for c in configs}
            for r in range(args.rounds):
                for c in configs:
                    c.enter(model, tmp)
                    try:
                        time_steps(step, args.warmup)  # warm-up inside the configuration
                        samples[c.name].append(statistics.fmean(time_steps(step, args.steps)))
                    finally:
                        c.exit()
            base = statistics.median(samples["baseline"])
            results[mname] = {c: {"median_ms": statistics.median(v) * 1e3, "ratio": statistics.median(v) / base}
                              for c, v in samples.items()}
            print(f"{mname}: " + ", ".join(f"{c} {r['ratio']:.2f}x" for c, r in results[mname].items()),
                  file=sys.stderr, flush=True)
    print(f"\ndevice: {args.device}, torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"{args.rounds} rounds x {args.steps} steps, "
          f"median over rounds of the mean step time\n")
    names = [c.name for c in configs]
    header = "| model | baseline step | " + " | ".join(n for n in names[1:]) + " |"
    print(header)
    print("|" + "---|" * (len(names) + 1))
    for m, res in results.items():
        cells = [f"{res['baseline']['median_ms']:.1f} ms"] + \
                [f"{res[n]['ratio']:.2f}x ({res[n]['median_ms']:.1f} ms)" for n in names[1:]]
        print(f"| {m} | " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"device": args.device, "results": results}, fh, indent=2)


if __name__ == "__main__":
    main()
