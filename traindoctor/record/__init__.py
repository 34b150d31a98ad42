"""The run directory: append-only, checksummed stream files, and the readers over them."""
from __future__ import annotations

from .run import ACTIVATION_FIELDS, TENSOR_FIELDS, UPDATE_FIELDS, Histogram, Run, RunInfo, Series, Table, TensorSnapshot
from .reader import TDRun, is_td_run
from .writer import StreamWriter

__all__ = ["Run", "RunInfo", "Series", "Table", "Histogram", "TensorSnapshot", "TDRun", "StreamWriter", "is_td_run",
           "open_run", "list_runs", "TENSOR_FIELDS", "UPDATE_FIELDS", "ACTIVATION_FIELDS", "RunNotFound"]


class RunNotFound(Exception):
    """The path holds no run that traindoctor can read."""


#: Importers register here: ``(probe(path) -> bool, open(path) -> Run, list(logdir) -> [paths])``.
SOURCES: list[tuple] = []


def open_run(path: str) -> Run:
    """Open a traindoctor run directory, or any directory an importer recognises."""
    import os

    if not os.path.exists(path):
        raise RunNotFound(f"{path}: no such file or directory")
    if is_td_run(path):
        return TDRun(path)
    _load_importers()
    for probe, opener, _ in SOURCES:
        if probe(path):
            return opener(path)
    inside = list_runs(path) if os.path.isdir(path) else []
    if inside:
        names = ", ".join(os.path.relpath(p, path) for p in inside[:5]) + (", …" if len(inside) > 5 else "")
        raise RunNotFound(f"{path} is a log directory holding {len(inside)} runs ({names}): name one of them")
    raise RunNotFound(f"{path}: not a run directory (no traindoctor stream, TensorBoard or MindSpore summary files)")


def list_runs(logdir: str) -> list[str]:
    """Every run directory under ``logdir`` (itself included), sorted."""
    import os

    found: set[str] = set()
    if is_td_run(logdir):
        found.add(os.path.abspath(logdir))
    for root, dirs, _files in os.walk(logdir, followlinks=False):
        dirs.sort()
        for d in list(dirs):
            p = os.path.join(root, d)
            if is_td_run(p):
                found.add(os.path.abspath(p))
                dirs.remove(d)  # a run's subfolders are its own
    _load_importers()
    for _, _, lister in SOURCES:
        found.update(os.path.abspath(p) for p in lister(logdir))
    return sorted(found)


def _load_importers() -> None:
    import importlib

    for mod in ("traindoctor.importers",):
        try:
            importlib.import_module(mod)
        except ImportError:
            pass
