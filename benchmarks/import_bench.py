"""Reading a TensorBoard log into traindoctor's signals, against TensorBoard's own readers.

    python benchmarks/import_bench.py [--scalars 1000000] [--histograms 1000] [--repeat 3] [--no-data-server]

One event file holds ``--scalars`` scalar points (10 tags, one value per event, as
``SummaryWriter.add_scalar`` writes them) and ``--histograms`` histograms (10
parameters, 64 buckets). Each reader goes from the file on disk to every point in
memory:

* ours: ``TensorBoardRun`` + every scalar series, the ``weight`` table derived
  from the histograms, and every ``Histogram``; every CRC verified;
* ``EventAccumulator`` with ``size_guidance`` 0 for every kind (no sampling), then
  ``Scalars(tag)`` and ``Histograms(tag)`` for every tag;
* ``tensorboard-data-server`` (the Rust server TensorBoard starts, loading once),
  driven through TensorBoard's own gRPC data provider, timed from its start until ``read_scalars`` returns every
  point and ``read_tensors`` every histogram.

The file is generated once into ``benchmarks/results/`` and reused. Times are the
best of ``--repeat`` runs, in one process, on the same file; the ratio is theirs / ours.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from traindoctor.importers import _proto  # noqa: E402
from traindoctor.importers._tfrecord import CRC_IMPLEMENTATION, frame  # noqa: E402
from traindoctor.importers.tensorboard import TensorBoardRun  # noqa: E402

N_TAGS = 10
BUCKETS = 64


def make_logdir(scalars: int, histograms: int) -> str:
    logdir = os.path.join(HERE, "results", f"tb_{scalars}_{histograms}")
    done = os.path.join(logdir, ".complete")
    if os.path.exists(done):
        return logdir
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    Event = _proto.load("tensorboard.proto")["Event"]
    rng = np.random.default_rng(0)
    per_tag = scalars // N_TAGS
    hist_every = max(1, per_tag // max(1, histograms // N_TAGS))
    path = os.path.join(logdir, "events.out.tfevents.1700000000.bench.1.0")
    t = 1.7e9
    with open(path, "wb") as fh:
        fh.write(frame(Event(wall_time=t, file_version="brain.Event:2").SerializeToString()))
        written_h = 0
        chunk = []
        for step in range(per_tag):
            for k in range(N_TAGS):
                ev = Event(wall_time=t + step * 0.01, step=step)
                ev.summary.value.add(tag=f"metric_{k}/train", simple_value=float(np.exp(-step / per_tag) + k))
                chunk.append(frame(ev.SerializeToString()))
            if step % hist_every == 0 and written_h < histograms:
                for k in range(min(N_TAGS, histograms - written_h)):
                    vals = rng.normal(0, 1 + step / per_tag, 4096)
                    counts, edges = np.histogram(vals, BUCKETS)
                    ev = Event(wall_time=t + step * 0.01, step=step)
                    h = ev.summary.value.add(tag=f"layer{k}.weight").histo
                    h.min, h.max, h.num = float(vals.min()), float(vals.max()), float(vals.size)
                    h.sum, h.sum_squares = float(vals.sum()), float(np.dot(vals, vals))
                    h.bucket_limit.extend(edges[1:].tolist())
                    h.bucket.extend(counts.astype(float).tolist())
                    chunk.append(frame(ev.SerializeToString()))
                    written_h += 1
            if len(chunk) > 50_000:
                fh.write(b"".join(chunk))
                chunk = []
        fh.write(b"".join(chunk))
    open(done, "w").close()
    return logdir


def read_ours(logdir: str) -> tuple[int, int]:
    run = TensorBoardRun(logdir)
    points = sum(len(run.scalar(t)) for t in run.scalar_tags() if not t.startswith(("train/", "eval/", "opt0/")))
    run.table("weight")
    return points, len(run.histograms())


def read_event_accumulator(logdir: str) -> tuple[int, int]:
    from tensorboard.backend.event_processing import event_accumulator as ea_mod

    guidance = {ea_mod.SCALARS: 0, ea_mod.HISTOGRAMS: 0, ea_mod.COMPRESSED_HISTOGRAMS: 0, ea_mod.IMAGES: 0,
                ea_mod.AUDIO: 0, ea_mod.TENSORS: 0}
    acc = ea_mod.EventAccumulator(logdir, size_guidance=guidance)
    acc.Reload()
    tags = acc.Tags()
    points = sum(len(acc.Scalars(t)) for t in tags["scalars"])
    hists = sum(len(acc.Histograms(t)) for t in tags["histograms"])
    return points, hists


def read_data_server(logdir: str, want: tuple[int, int], timeout: float = 600) -> tuple[int, int]:
    """Start the Rust data server on a copy of ``logdir`` and wait until it serves every point."""
    from tensorboard.data import server_ingester
    from tensorboard.data.provider import RunTagFilter
    from tensorboard.util.grpc_util import ChannelCredsType

    ingester = server_ingester.SubprocessServerDataIngester(
        server_ingester.get_server_binary(), logdir, reload_interval=0,  # 0: load once, at once
        channel_creds_type=ChannelCredsType.LOCAL, samples_per_plugin={"scalars": 0, "histograms": 0})
    ingester.start()
    provider = ingester.data_provider
    deadline = time.time() + timeout
    points = hists = 0
    try:
        while time.time() < deadline:
            ctx = None
            scal = provider.read_scalars(ctx, experiment_id="", plugin_name="scalars", downsample=10 ** 9,
                                         run_tag_filter=RunTagFilter())
            points = sum(len(v) for tags in scal.values() for v in tags.values())
            ten = provider.read_tensors(ctx, experiment_id="", plugin_name="histograms", downsample=10 ** 9,
                                        run_tag_filter=RunTagFilter())
            hists = sum(len(v) for tags in ten.values() for v in tags.values())
            if (points, hists) == want:
                break
            time.sleep(0.05)
    finally:
        ingester._stdin_handle.close()  # the server runs with --die-after-stdin
    return points, hists


def best_of(fn, repeat: int, *args) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scalars", type=int, default=1_000_000)
    ap.add_argument("--histograms", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-data-server", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    logdir = make_logdir(args.scalars, args.histograms)
    size = sum(os.path.getsize(os.path.join(logdir, f)) for f in os.listdir(logdir))
    print(f"event file: {args.scalars:,} scalars + {args.histograms:,} histograms, {size / 1e6:.1f} MB "
          f"({time.perf_counter() - t0:.1f} s to make or find); CRC-32C: {CRC_IMPLEMENTATION}")
    results: dict[str, dict] = {}
    t_ours, got = best_of(read_ours, args.repeat, logdir)
    results["traindoctor"] = {"seconds": t_ours, "points": got}
    print(f"traindoctor TensorBoardRun      {t_ours:8.2f} s   {got}")
    want = got
    t_ea, got = best_of(read_event_accumulator, max(1, args.repeat - 1), logdir)
    results["EventAccumulator"] = {"seconds": t_ea, "points": got}
    print(f"tensorboard EventAccumulator    {t_ea:8.2f} s   {got}   ratio {t_ea / t_ours:5.2f}x (theirs/ours)")
    if got != want:
        print(f"  note: EventAccumulator returned {got}, ours {want}")
    if not args.no_data_server:
        try:
            with tempfile.TemporaryDirectory() as tmp:
                copy = os.path.join(tmp, "run")
                shutil.copytree(logdir, copy)
                t_ds, got = best_of(read_data_server, 1, tmp, want)
            results["tensorboard-data-server"] = {"seconds": t_ds, "points": got}
            print(f"tensorboard-data-server (Rust)  {t_ds:8.2f} s   {got}   ratio {t_ds / t_ours:5.2f}x (theirs/ours)"
                  "  [includes starting the server process]")
        except Exception as exc:  # the server is optional: say why it was not measured
            print(f"tensorboard-data-server: not measured ({type(exc).__name__}: {exc})")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "import_bench.json"), "w") as fh:
        json.dump({"scalars": args.scalars, "histograms": args.histograms, "bytes": size, "crc": CRC_IMPLEMENTATION,
                   "results": results}, fh, indent=2)


if __name__ == "__main__":
    main()
