"""Message classes built at runtime from the ``.proto`` files in ``proto/``.

Only the ``protobuf`` runtime is needed: no ``protoc`` at install time, no generated
code to keep in step. The parser reads the subset of the proto2 language those
files use (messages, nested messages, ``oneof``, ``map<,>``, scalar and message
fields, ``[packed = true]``, one ``import`` of a well-known type); anything else is
an error, so a later edit cannot silently drop a field.
"""
from __future__ import annotations

import functools
import os
import re
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool

try:
    from google.protobuf.message_factory import GetMessageClass as _message_class
except ImportError:  # protobuf < 4.21
    from google.protobuf import message_factory as _mf

    def _message_class(desc: Any) -> Any:
        return _mf.MessageFactory(desc.file.pool).GetPrototype(desc)

_HERE = os.path.join(os.path.dirname(__file__), "proto")
_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    "double": _F.TYPE_DOUBLE, "float": _F.TYPE_FLOAT, "int64": _F.TYPE_INT64, "uint64": _F.TYPE_UINT64,
    "int32": _F.TYPE_INT32, "uint32": _F.TYPE_UINT32, "bool": _F.TYPE_BOOL, "string": _F.TYPE_STRING,
    "bytes": _F.TYPE_BYTES, "sint32": _F.TYPE_SINT32, "sint64": _F.TYPE_SINT64,
}
_LABELS = {"optional": _F.LABEL_OPTIONAL, "required": _F.LABEL_REQUIRED, "repeated": _F.LABEL_REPEATED}
_TOKEN = re.compile(r"\s*(?://[^\n]*\n?|([A-Za-z_][\w.]*|\d+|\"[^\"]*\"|[{}<>=;,\[\]()]))", re.S)
_WELL_KNOWN = {"google/protobuf/struct.proto": "google.protobuf.struct_pb2"}


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text + "\n"
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos:].strip() == "":
                break
            raise SyntaxError(f"unexpected text at {text[pos:pos + 30]!r}")
        pos = m.end()
        if m.group(1):
            out.append(m.group(1))
    return out


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.file = descriptor_pb2.FileDescriptorProto(name=name, syntax="proto2")
        self.refs: list[tuple[Any, str, str]] = []  # (field, type name as written, scope)
        self.messages: set[str] = set()

    def next(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, tok: str) -> None:
        got = self.next()
        if got != tok:
            raise SyntaxError(f"{self.file.name}: expected {tok!r}, got {got!r}")

    def parse(self) -> descriptor_pb2.FileDescriptorProto:
        while self.i < len(self.toks):
            tok = self.next()
            if tok == "syntax":
                self.expect("=")
                self.next()
                self.expect(";")
            elif tok == "package":
                self.file.package = self.next()
                self.expect(";")
            elif tok == "import":
                self.file.dependency.append(self.next().strip('"'))
                self.expect(";")
            elif tok == "message":
                self._message(self.file.message_type.add(), "." + self.file.package)
            else:
                raise SyntaxError(f"{self.file.name}: unsupported statement {tok!r}")
        for field, written, scope in self.refs:
            field.type_name = self._resolve(written, scope)
        return self.file

    def _message(self, msg: descriptor_pb2.DescriptorProto, scope: str) -> None:
        msg.name = self.next()
        full = f"{scope}.{msg.name}"
        self.messages.add(full)
        self.expect("{")
        oneof = None
        while True:
            tok = self.next()
            if tok == "}":
                if oneof is not None:
                    oneof = None
                    continue
                return
            if tok == "message":
                self._message(msg.nested_type.add(), full)
            elif tok == "oneof":
                oneof = len(msg.oneof_decl)
                msg.oneof_decl.add(name=self.next())
                self.expect("{")
            elif tok == "map":
                self._map(msg, full)
            else:
                label = _LABELS.get(tok)
                type_name = self.next() if label is not None else tok
                if label is None and oneof is None:
                    raise SyntaxError(f"{self.file.name}: field {type_name} in {full} needs a label")
                self._field(msg, full, label or _F.LABEL_OPTIONAL, type_name, oneof)

    def _field(self, msg: Any, scope: str, label: int, type_name: str, oneof: int | None) -> Any:
        name = self.next()
        self.expect("=")
        field = msg.field.add(name=name, number=int(self.next()), label=label)
        if oneof is not None:
            field.oneof_index = oneof
        if type_name in _SCALARS:
            field.type = _SCALARS[type_name]
        else:
            field.type = _F.TYPE_MESSAGE
            self.refs.append((field, type_name, scope))
        tok = self.next()
        if tok == "[":
            opt, _, val, close = self.next(), self.expect("="), self.next(), self.next()
            if opt != "packed" or close != "]":
                raise SyntaxError(f"{self.file.name}: unsupported field option {opt}")
            field.options.packed = val == "true"
            tok = self.next()
        if tok != ";":
            raise SyntaxError(f"{self.file.name}: expected ';' after field {name}")
        return field

    def _map(self, msg: Any, scope: str) -> None:
        self.expect("<")
        key_type = self.next()
        self.expect(",")
        value_type = self.next()
        self.expect(">")
        name = self.toks[self.i]
        entry_name = "".join(p[:1].upper() + p[1:] for p in name.split("_")) + "Entry"
        entry = msg.nested_type.add(name=entry_name)
        entry.options.map_entry = True
        entry_scope = f"{scope}.{entry_name}"
        for fname, num, tname in (("key", 1, key_type), ("value", 2, value_type)):
            f = entry.field.add(name=fname, number=num, label=_F.LABEL_OPTIONAL)
            if tname in _SCALARS:
                f.type = _SCALARS[tname]
            else:
                f.type = _F.TYPE_MESSAGE
                self.refs.append((f, tname, scope))
        field = self._field(msg, scope, _F.LABEL_REPEATED, entry_name, None)
        self.refs.pop()
        field.type_name = entry_scope

    def _resolve(self, written: str, scope: str) -> str:
        if written.startswith("google.protobuf."):
            return "." + written
        parts = scope.split(".")
        while parts:
            cand = ".".join(parts) + "." + written
            if cand in self.messages:
                return cand
            parts.pop()
        raise SyntaxError(f"{self.file.name}: unknown type {written} (in {scope})")


@functools.lru_cache(maxsize=None)
def load(proto_file: str) -> dict[str, Any]:
    """``{message name (nested as Outer.Inner): class}`` for one file in ``proto/``."""
    import importlib

    with open(os.path.join(_HERE, proto_file), encoding="utf-8") as fh:
        fdp = _Parser(fh.read(), proto_file).parse()
    pool = descriptor_pool.DescriptorPool()
    for dep in fdp.dependency:
        mod = importlib.import_module(_WELL_KNOWN[dep])
        dep_proto = descriptor_pb2.FileDescriptorProto()
        mod.DESCRIPTOR.CopyToProto(dep_proto)
        pool.Add(dep_proto)
    pool.Add(fdp)
    out: dict[str, Any] = {}

    def walk(desc: Any, prefix: str) -> None:
        name = prefix + desc.name
        if not desc.GetOptions().map_entry:
            out[name] = _message_class(desc)
        for nested in desc.nested_types:
            walk(nested, name + ".")

    fd = pool.FindFileByName(proto_file)
    for desc in fd.message_types_by_name.values():
        walk(desc, "")
    return out
