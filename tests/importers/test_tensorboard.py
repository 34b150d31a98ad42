"""TensorBoard event files written by real writers, read back as traindoctor runs."""
from __future__ import annotations

import os
import struct

import numpy as np
import pytest

from traindoctor.importers.tensorboard import TensorBoardRun
from traindoctor.record import list_runs, open_run

from importer_helpers import needs_symptoms, train_torch_to_tensorboard


@pytest.fixture(scope="module")
def healthy_tb(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tb") / "healthy")
    train_torch_to_tensorboard(d, lr=0.05)
    return d


@pytest.fixture(scope="module")
def lr_big_tb(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("tb") / "lr_big")
    train_torch_to_tensorboard(d, lr=1.0)  # SGD+momentum: the loss spikes (to ~4) and swings around 2
    return d


def test_torch_summary_writer_becomes_our_signals(healthy_tb):
    run = open_run(healthy_tb)
    assert run.source == "tensorboard"
    assert run.warnings == []
    loss = run.scalar("train/loss")
    assert len(loss) == 6 * 44 and loss.step[0] == 0
    assert run.aliases()["train/loss"] == "Loss/train"
    assert run.aliases()["eval/acc"] == "Accuracy/val"
    assert run.aliases()["opt0/group0/lr"] == "learning_rate"
    assert run.scalar("eval/acc").value[-1] > 0.9  # the healthy model learned
    assert np.allclose(run.scalar("opt0/group0/lr").value, 0.05)
    # histograms per parameter, weights and gradients, and the tables derived from them
    weight = run.table("weight")
    assert set(weight.keys) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert {h.kind for h in run.histograms()} == {"weight", "grad"}
    assert len(run.table("grad").keys) == 4
    # the derived numbers agree with the tensors: 0.weight has 64*64 elements
    s = weight.series("0.weight", "numel")
    assert s.value[0] == 64 * 64
    assert {"loss", "eval", "weight", "grad", "histogram"} <= run.records()
    assert "graph" not in run.records() and "activation" not in run.records()
    # add_hparams writes a child run; its hyperparameters are attached to the parent
    hp = run.event("hparams")
    assert hp is not None and hp["lr"] == pytest.approx(0.05) and hp["optimizer"] == 0
    assert run.meta["hparams"]["batch_size"] == 32


def test_histogram_stats_are_exact(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    values = np.random.default_rng(1).normal(0.5, 2.0, 10_000)
    w = SummaryWriter(str(tmp_path))
    w.add_histogram("layer/weight", values, 3)
    w.close()
    row = open_run(str(tmp_path)).table("weight")
    assert row.keys == ["layer.weight"] and row.step.tolist() == [3]
    got = dict(zip(row.fields, row.values[0]))
    assert got["mean"] == pytest.approx(values.mean(), rel=1e-5)
    assert got["std"] == pytest.approx(values.std(), rel=1e-4)
    assert got["norm"] == pytest.approx(np.linalg.norm(values), rel=1e-5)
    assert (got["min"], got["max"]) == pytest.approx((values.min(), values.max()))


def test_tensorboardx_text_image_and_tf2_style_tensors(tmp_path):
    import tensorboardX as tbx
    w = tbx.SummaryWriter(str(tmp_path))
    w.add_text("notes", "lr=0.1, batch 64", 0)
    w.add_image("input", np.random.default_rng(0).random((3, 8, 8)), 0)
    w.add_scalar("val_loss", 0.5, 10)
    w.close()
    run = open_run(str(tmp_path))
    assert run.event("text")["text"] == "lr=0.1, batch 64"
    img = run.event("image")
    assert (img["width"], img["height"]) == (8, 8) and img["png_base64"]
    assert run.scalar("eval/loss").value.tolist() == [0.5]


def test_tf2_scalar_and_histogram_tensors(tmp_path):
    """TensorFlow 2 writes scalars and histograms as tensors with plugin metadata on the first value only."""
    from traindoctor.importers import _proto
    from traindoctor.importers._tfrecord import frame

    m = _proto.load("tensorboard.proto")
    recs = [m["Event"](wall_time=1.0, file_version="brain.Event:2").SerializeToString()]
    for step in range(3):
        ev = m["Event"](wall_time=2.0 + step, step=step)
        v = ev.summary.value.add(tag="epoch_loss")
        if step == 0:
            v.metadata.plugin_data.plugin_name = "scalars"
        v.tensor.dtype = 1
        v.tensor.float_val.append(1.0 / (step + 1))
        h = ev.summary.value.add(tag="dense/kernel_0")
        if step == 0:
            h.metadata.plugin_data.plugin_name = "histograms"
        h.tensor.dtype = 2
        h.tensor.tensor_shape.dim.add(size=2)
        h.tensor.tensor_shape.dim.add(size=3)
        h.tensor.tensor_content = np.array([[-1, 0, 4], [0, 1, 6]], np.float64).tobytes()
        recs.append(ev.SerializeToString())
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(b"".join(frame(r) for r in recs))
    run = open_run(str(tmp_path))
    assert run.scalar("train/loss").value.tolist() == pytest.approx([1.0, 0.5, 1 / 3])
    hs = run.histograms("weight")
    assert len(hs) == 3 and hs[0].key == "dense.kernel_0" and hs[0].counts.tolist() == [4, 6]
    assert run.table("weight").series("dense.kernel_0", "numel").value.tolist() == [10, 10, 10]


def test_a_directory_with_several_runs_is_several_runs(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    for name in ("a", "b/c"):
        w = SummaryWriter(str(tmp_path / name))
        w.add_scalar("loss", 1.0, 0)
        w.close()
    runs = [os.path.relpath(p, tmp_path) for p in list_runs(str(tmp_path))]
    assert runs == ["a", os.path.join("b", "c")]
    assert all(open_run(str(tmp_path / r)).source == "tensorboard" for r in runs)


# -- damage ------------------------------------------------------------------
def _records(path: str) -> list[tuple[int, int]]:
    """(offset, total length) of every record of a well-formed file."""
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        out.append((pos, length + 16))
        pos += length + 16
    return out


def _scalar_file(tmp_path, n: int = 50) -> str:
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    for i in range(n):
        w.add_scalar("train/loss", float(i), i)
    w.close()
    (path,) = [os.path.join(tmp_path, f) for f in os.listdir(tmp_path)]
    return path


def test_truncated_file_keeps_everything_before_and_names_the_offset(tmp_path):
    path = _scalar_file(tmp_path)
    recs = _records(path)
    cut = recs[30][0] + 7  # in the middle of record 30's header
    with open(path, "r+b") as fh:
        fh.truncate(cut)
    run = open_run(str(tmp_path))
    assert run.scalar("train/loss").step.tolist() == list(range(29))  # record 0 is the file version
    assert len(run.warnings) == 1
    msg = run.warnings[0]
    assert path in msg and f"offset {recs[30][0]}" in msg and "truncated" in msg and "\n" not in msg


def test_flipped_payload_byte_skips_one_record_and_keeps_the_rest(tmp_path):
    path = _scalar_file(tmp_path)
    recs = _records(path)
    off, size = recs[20]
    data = bytearray(open(path, "rb").read())
    data[off + 12 + (size - 16) // 2] ^= 0x40
    open(path, "wb").write(bytes(data))
    run = open_run(str(tmp_path))
    steps = run.scalar("train/loss").step.tolist()
    assert steps == [i for i in range(50) if i != 19]
    assert run.warnings == [f"{path}: damaged record at offset {off} (payload checksum mismatch; skipped {size} "
                            "bytes)"]


def test_flipped_length_byte_resynchronises_on_the_next_record(tmp_path):
    path = _scalar_file(tmp_path)
    recs = _records(path)
    off, _ = recs[10]
    data = bytearray(open(path, "rb").read())
    data[off + 1] ^= 0x01  # the length field itself: its CRC no longer matches
    open(path, "wb").write(bytes(data))
    run = open_run(str(tmp_path))
    assert run.scalar("train/loss").step.tolist() == [i for i in range(50) if i != 9]
    assert len(run.warnings) == 1 and f"offset {off}" in run.warnings[0] and "length checksum" in run.warnings[0]


def test_a_growing_file_is_followed(tmp_path):
    path = _scalar_file(tmp_path, 10)
    full = open(path, "rb").read()
    recs = _records(path)
    open(path, "wb").write(full[:recs[5][0] + 20])  # a writer in the middle of record 5
    run = TensorBoardRun(str(tmp_path))
    assert len(run.scalar("train/loss")) == 4
    open(path, "wb").write(full)
    assert run.refresh()
    assert len(run.scalar("train/loss")) == 10


# -- diagnosis ---------------------------------------------------------------
def test_doctor_reports_the_source(healthy_tb):
    pytest.importorskip("traindoctor.checks.symptoms", reason="the symptom checks are not in this tree yet")
    from traindoctor.report import diagnose

    report = diagnose(healthy_tb).to_json()
    assert report["run"]["source"] == "tensorboard"
    status = {c["id"]: c["status"] for c in report["checklist"]}
    # nothing about activations or the data pipeline is in a TensorBoard log: not guessed
    assert status["activation.dead_relu"] == "not_checked"
    assert status["data.not_shuffled"] == "not_checked"


@needs_symptoms
def test_healthy_tensorboard_run_gets_no_warning(healthy_tb):
    from traindoctor.report import diagnose

    report = diagnose(healthy_tb)
    assert [f.id for f in report.findings if f.severity in ("warning", "error")] == []


@needs_symptoms
def test_lr_too_large_is_diagnosed_from_tensorboard_logs(lr_big_tb):
    from traindoctor.report import diagnose

    report = diagnose(lr_big_tb)
    assert report.findings, "no finding for a learning rate of 1.0 with momentum 0.9"
    assert report.findings[0].id in ("hparam.lr_too_large", "loss.nan_inf", "loss.oscillating")
    assert "hparam.lr_too_large" in [f.id for f in report.findings[:3]]


def test_lr_too_large_run_shows_the_symptom_in_its_signals(lr_big_tb, healthy_tb):
    """What the checks will read: the large-lr loss spikes above its start and swings; the healthy one settles."""
    big_run, ok_run = open_run(lr_big_tb), open_run(healthy_tb)
    big, ok = big_run.scalar("train/loss").value, ok_run.scalar("train/loss").value
    assert np.nanmax(big) > 1.5 * big[0] and np.nanmean(big[-50:]) > 5 * np.mean(ok[-50:])
    assert np.std(np.diff(big[-100:])) > 3 * np.std(np.diff(ok[-100:]))
    assert big_run.scalar("eval/acc").value[-1] < 0.5 < 0.9 < ok_run.scalar("eval/acc").value[-1]
    assert np.isfinite(ok).all() and ok[-50:].mean() < 0.5 * ok[:10].mean()


def test_tensorflow_style_buckets_get_finite_edges(tmp_path):
    """tensorboardX writes TensorFlow's default buckets, whose outer limits are ±DBL_MAX."""
    import tensorboardX as tbx
    values = np.random.default_rng(2).normal(0, 1, 5000)
    w = tbx.SummaryWriter(str(tmp_path))
    w.add_histogram("fc/weight", values, 0, bins="tensorflow")
    w.close()
    (h,) = open_run(str(tmp_path)).histograms("weight")
    assert np.isfinite(h.edges).all() and h.counts.sum() == 5000
    assert h.edges[0] == pytest.approx(values.min()) and h.edges[-1] <= values.max() + 1e-9


def test_fast_scalar_path_agrees_with_protobuf(tmp_path):
    """The direct decoding of one-scalar events gives what the message classes give, or declines."""
    from traindoctor.importers import _proto
    from traindoctor.importers.tensorboard import simple_scalar

    Event = _proto.load("tensorboard.proto")["Event"]
    rng = np.random.default_rng(3)
    tags = ["loss", "Loss/train", "ünïcode/λ", "x" * 120, "y" * 200]
    steps = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40, -1, -(2 ** 40)]
    values = [0.0, -1.5, 3.4e38, float("nan"), float("inf"), float("-inf"), 1e-45]
    declined = 0
    for _ in range(500):
        ev = Event(wall_time=float(rng.uniform(0, 2e9)), step=int(rng.choice(steps)))
        v = ev.summary.value.add(tag=str(rng.choice(tags)), simple_value=float(rng.choice(values)))
        if rng.random() < 0.1:
            v.metadata.plugin_data.plugin_name = "scalars"  # metadata: must decline
        if rng.random() < 0.1:
            ev.summary.value.add(tag="second", simple_value=1.0)  # two values: must decline
        payload = ev.SerializeToString()
        fast = simple_scalar(payload)
        ref = Event.FromString(payload)
        if fast is None:
            declined += 1
            continue
        assert len(ref.summary.value) == 1 and not ref.summary.value[0].HasField("metadata")
        tag, step, value, wall = fast
        assert tag.decode() == ref.summary.value[0].tag and step == ref.step and wall == ref.wall_time
        assert value == ref.summary.value[0].simple_value or (np.isnan(value) and np.isnan(ref.summary.value[0].simple_value))
    assert 50 < declined < 300  # the long tags, metadata and two-value events went the slow way
    for payload in (b"", b"\x09", b"\x09" + b"\x00" * 8 + b"\x10\xff\xff", b"\x0a\x00"):
        assert simple_scalar(payload) is None


@needs_symptoms
def test_doctor_cli_reads_a_damaged_tensorboard_dir(tmp_path):
    """``traindoctor doctor DIR --format json`` on a TensorBoard log: the source, and the damage as a warning."""
    import json
    import subprocess
    import sys

    path = _scalar_file(tmp_path)
    off, size = _records(path)[20]
    data = bytearray(open(path, "rb").read())
    data[off + 14] ^= 0x01
    open(path, "wb").write(bytes(data))
    proc = subprocess.run([sys.executable, "-m", "traindoctor", "doctor", str(tmp_path), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["run"]["source"] == "tensorboard" and report["run"]["steps"] == 50
    assert report["warnings"] == [f"{path}: damaged record at offset {off} (payload checksum mismatch; "
                                  f"skipped {size} bytes)"]
