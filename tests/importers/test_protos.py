"""Our .proto files against the projects' own compiled descriptors: every field we read
must have the number and wire type the writer uses."""
from __future__ import annotations

import json
import subprocess

import pytest

from traindoctor.importers import _proto

from importer_helpers import ROOT, mindspore_python

# enums are int32 in our files: the same varint on the wire
_ENUM, _INT32 = 14, 5


def _fields(cls) -> dict[str, tuple[int, int]]:
    return {f.name: (f.number, _INT32 if f.type == _ENUM else f.type) for f in cls.DESCRIPTOR.fields}


def _compare(ours, theirs, path: str) -> None:
    mine, ref = _fields(ours), _fields(theirs)
    for name, spec in mine.items():
        if name in ("explain", "loss_landscape", "audio", "experiment", "obsolete_old_style_histogram"):
            continue  # kept as opaque bytes on purpose
        assert name in ref, f"{path}.{name} is not in the reference"
        if spec[1] == 11 and ref[name][1] == 11:
            assert spec[0] == ref[name][0], f"{path}.{name}: number {spec[0]} != {ref[name][0]}"
        else:
            assert spec == ref[name], f"{path}.{name}: (number, type) {spec} != {ref[name]}"


def test_tensorboard_proto_matches_tensorboard():
    pytest.importorskip("tensorboard")
    from tensorboard.compat.proto import event_pb2, histogram_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2
    from tensorboard.plugins.hparams import plugin_data_pb2

    ours = _proto.load("tensorboard.proto")
    ref = {"Event": event_pb2.Event, "Summary": summary_pb2.Summary, "Summary.Value": summary_pb2.Summary.Value,
           "Summary.Image": summary_pb2.Summary.Image, "SummaryMetadata": summary_pb2.SummaryMetadata,
           "SummaryMetadata.PluginData": summary_pb2.SummaryMetadata.PluginData,
           "HistogramProto": histogram_pb2.HistogramProto, "TensorProto": tensor_pb2.TensorProto,
           "TensorShapeProto": tensor_shape_pb2.TensorShapeProto,
           "TensorShapeProto.Dim": tensor_shape_pb2.TensorShapeProto.Dim,
           "HParamsPluginData": plugin_data_pb2.HParamsPluginData,
           "SessionStartInfo": plugin_data_pb2.SessionStartInfo, "SessionEndInfo": plugin_data_pb2.SessionEndInfo}
    assert set(ours) == set(ref)
    for name, cls in ref.items():
        _compare(ours[name], cls, name)


_DUMP = r"""
import json
from mindspore.train import summary_pb2, lineage_pb2, anf_ir_pb2
out = {}
def walk(d, prefix):
    out[prefix + d.name] = {f.name: [f.number, 5 if f.type == 14 else f.type] for f in d.fields}
    for n in d.nested_types:
        if not n.GetOptions().map_entry:
            walk(n, prefix + d.name + ".")
for mod in (summary_pb2, lineage_pb2, anf_ir_pb2):
    for d in mod.DESCRIPTOR.message_types_by_name.values():
        walk(d, "")
print(json.dumps(out))
"""


def test_mindspore_proto_matches_mindspore():
    py = mindspore_python()
    proc = subprocess.run([py, "-c", _DUMP], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ref = json.loads(proc.stdout.strip().splitlines()[-1])
    ours = _proto.load("mindspore.proto")
    for name, cls in ours.items():
        assert name in ref, f"{name} is not a MindSpore message"
        for fname, (num, typ) in _fields(cls).items():
            if fname in ("explain", "loss_landscape"):
                continue
            assert fname in ref[name], f"{name}.{fname} is not in MindSpore's {name}"
            rnum, rtyp = ref[name][fname]
            assert num == rnum and (typ == rtyp or (typ, rtyp) == (12, 11)), \
                f"{name}.{fname}: ({num}, {typ}) != ({rnum}, {rtyp})"
