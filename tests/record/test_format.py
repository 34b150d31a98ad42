"""The run directory's format: round trips, damage, live following."""
from __future__ import annotations

import os
import socket

import numpy as np

from traindoctor.record import StreamWriter, TDRun
from traindoctor.record import format as fmt


def _write(path, n_blocks=5, per_block=100):
    w = StreamWriter(str(path))
    # a writer on this host that is gone (no pid can be above pid_max)
    w.put_json({"kind": "meta", "name": "t", "pid": 2 ** 22 + 1, "hostname": socket.gethostname(), "start_time": 0})
    for b in range(n_blocks):
        steps = np.arange(b * per_block, (b + 1) * per_block, dtype=np.int64)
        w.put_block("scalars", {"step": steps, "tag": np.zeros(per_block, np.int32),
                                "value": steps.astype(np.float64) * 0.5, "wall": np.zeros(per_block)},
                    {"tags": ["train/loss"]})
    w.put_json({"kind": "end", "status": "finished"})
    w.close()


def test_round_trip(tmp_path):
    _write(tmp_path / "rank0.tdr")
    run = TDRun(str(tmp_path))
    s = run.scalar("train/loss")
    assert len(s) == 500
    assert s.value[10] == 5.0
    assert run.status == "finished"
    assert run.warnings == []


def test_truncated_tail_keeps_everything_before(tmp_path):
    path = tmp_path / "rank0.tdr"
    _write(path)
    data = path.read_bytes()
    path.write_bytes(data[:-30])  # tear the end record
    run = TDRun(str(tmp_path))
    assert len(run.scalar("train/loss")) == 500
    assert len(run.warnings) == 1
    assert "truncated record at offset" in run.warnings[0] and "rank0.tdr" in run.warnings[0]
    assert "\n" not in run.warnings[0]


def test_flipped_byte_skips_one_record_and_reads_the_rest(tmp_path):
    path = tmp_path / "rank0.tdr"
    _write(path)
    data = bytearray(path.read_bytes())
    # find the third block's payload and flip a byte inside it
    offsets = [off for off, kind, _ in _records(bytes(data)) if kind == fmt.KIND_BLOCK]
    target = offsets[2] + fmt.HEADER.size + 40
    data[target] ^= 0xFF
    path.write_bytes(bytes(data))
    run = TDRun(str(tmp_path))
    s = run.scalar("train/loss")
    assert len(s) == 400  # one block of 100 lost, the blocks after it kept
    assert 250 not in s.step and 450 in s.step
    assert any(f"offset {offsets[2]}" in w and "checksum" in w for w in run.warnings)
    assert run.status == "finished"


def test_garbage_file_is_reported_not_raised(tmp_path):
    (tmp_path / "rank0.tdr").write_bytes(b"this is not a stream at all" * 10)
    run = TDRun(str(tmp_path))
    assert run.warnings and "bad magic" in run.warnings[0]


def test_reader_follows_a_live_stream(tmp_path):
    w = StreamWriter(str(tmp_path / "rank0.tdr"), flush_interval=0.05)
    w.put_json({"kind": "meta", "name": "live", "pid": os.getpid(), "hostname": __import__("socket").gethostname()})
    w.put_block("scalars", {"step": np.arange(3), "tag": np.zeros(3, np.int32), "value": np.ones(3),
                            "wall": np.zeros(3)}, {"tags": ["train/loss"]})
    w.flush()
    run = TDRun(str(tmp_path))
    assert run.status == "running"
    assert len(run.scalar("train/loss")) == 3
    w.put_block("scalars", {"step": np.arange(3, 6), "tag": np.zeros(3, np.int32), "value": np.ones(3),
                            "wall": np.zeros(3)}, {"tags": ["train/loss"]})
    w.flush()
    assert run.refresh()
    assert len(run.scalar("train/loss")) == 6
    w.put_json({"kind": "end", "status": "finished"})
    w.close()
    run.refresh()
    assert run.status == "finished"


def test_full_queue_counts_drops_and_the_report_says_so(tmp_path):
    from traindoctor.report import diagnose

    w = StreamWriter(str(tmp_path / "rank0.tdr"), max_queue=1)
    w.put_json({"kind": "meta", "name": "d", "pid": 0, "hostname": "elsewhere"})
    for i in range(5000):  # far faster than the writer encodes 20 KB records
        w.put_json({"kind": "x", "i": i, "pad": "y" * 20000})
    w.close()
    assert w.dropped > 0
    run = TDRun(str(tmp_path))
    assert run.dropped == w.dropped
    assert len(run.events("x")) + w.dropped == 5000 + (1 if len(run.events("meta")) == 0 else 0)
    assert any("dropped" in msg for msg in diagnose(run).warnings)


def _records(data: bytes):
    gen = fmt.scan(memoryview(data), len(fmt.MAGIC), True)
    out = []
    while True:
        try:
            out.append(next(gen))
        except StopIteration:
            return out


def test_open_run_on_a_log_directory_names_the_runs_inside(tmp_path):
    import pytest

    from traindoctor.record import RunNotFound, open_run

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        _write(tmp_path / name / "rank0.tdr", n_blocks=1)
    with pytest.raises(RunNotFound, match=r"log directory holding 2 runs \(a, b\): name one of them"):
        open_run(str(tmp_path))
