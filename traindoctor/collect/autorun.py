"""``traindoctor run``: execute a script exactly as ``python SCRIPT ARGS`` would, recorded.

The script runs in this process as ``__main__`` with its own ``sys.argv``, its
directory first on ``sys.path``, the caller's working directory, stdin and stdout.
Its exit code becomes ours; an uncaught exception prints the usual traceback and
exits 1; SIGTERM flushes the record before the process ends.
"""
from __future__ import annotations

import builtins
import io
import os
import runpy
import signal
import sys
import threading
import traceback
import types
from typing import Any

from .torch import CollectOptions, Collector


def run_script(script: str, args: list[str], run_dir: str, name: str, options: CollectOptions,
               meta: dict[str, Any] | None = None, module: bool = False) -> tuple[int, str]:
    """Run ``script`` recorded into ``run_dir``. Returns ``(exit_code, status)``."""
    collector = Collector(run_dir, name=name, options=options,
                          meta={"script": os.path.abspath(script) if not module else script,
                                "script_args": list(args), **(meta or {})})
    collector.install()
    _install_sigterm(collector)
    old_argv, old_path0 = sys.argv, sys.path[0] if sys.path else None
    sys.argv = [script] + list(args)
    if not module:
        sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    code, status, error = 0, "finished", None
    try:
        if module:
            runpy.run_module(script, run_name="__main__", alter_sys=True)
        else:
            _run_file(script)
    except SystemExit as exc:
        code = _exit_code(exc.code)
        if code != 0:
            status = "crashed"
            error = f"SystemExit({exc.code!r})"
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
    except KeyboardInterrupt:
        code, status, error = 130, "interrupted", "KeyboardInterrupt"
        traceback.print_exc()
    except BaseException:
        code, status = 1, "crashed"
        error = traceback.format_exc()
        _print_user_traceback()
    finally:
        sys.argv = old_argv
        if not module and sys.path and old_path0 is not None and sys.path[0] != old_path0:
            try:
                sys.path.remove(os.path.dirname(os.path.abspath(script)))
            except ValueError:
                pass
        collector.close(status=status, exit_code=code, error=error)
    return code, status


def _run_file(script: str) -> None:
    """The script as ``__main__``, as ``python SCRIPT`` runs it: ``__file__`` absolute and ``sys.argv[0]`` as
    typed (``runpy.run_path`` sets both to the one path it is given), compiled with its absolute path, so that
    tracebacks and warnings name the file as a plain run does."""
    path = os.path.abspath(script)
    with io.open_code(path) as f:
        code = compile(f.read(), path, "exec", dont_inherit=True)
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=path, __cached__=None, __loader__=None, __package__=None, __spec__=None,
                         __builtins__=builtins)
    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = main
    try:
        exec(code, main.__dict__)
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def _exit_code(code: Any) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1


def _ours(filename: str) -> bool:
    parts = filename.replace("\\", "/").split("/")
    return "traindoctor" in parts[-3:-1] or filename.endswith("runpy.py") or filename == "<frozen runpy>"


def _without_our_frames(te: traceback.TracebackException, seen: set[int]) -> None:
    """Drops traindoctor's frames (the runner on top, the wrappers of loss functions, backward and the optimizer
    in between) from a traceback and the exceptions chained to it, unless the error was raised in one of them."""
    if id(te) in seen:
        return
    seen.add(id(te))
    if te.stack and not _ours(te.stack[-1].filename):
        te.stack = traceback.StackSummary.from_list([f for f in te.stack if not _ours(f.filename)])
    for other in (te.__cause__, te.__context__):
        if other is not None:
            _without_our_frames(other, seen)


def _print_user_traceback() -> None:
    """The traceback as Python prints it, without traindoctor's own frames."""
    etype, value, tb = sys.exc_info()
    te = traceback.TracebackException(etype, value, tb)
    _without_our_frames(te, set())
    sys.stderr.write("".join(te.format()))


#: Seconds a SIGTERM gives the record to close before the process ends anyway. Closing takes well under a
#: second; the bound is there so that no hang in it (a plugin's on_close, a stuck disk) can keep a
#: terminated job alive. Schedulers wait longer before their SIGKILL (Kubernetes and Slurm: 30 s).
SIGTERM_GRACE = 10.0


def _install_sigterm(collector: Collector) -> None:
    if os.name != "posix":
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
    except (ValueError, OSError):
        return
    if previous == signal.SIG_IGN:  # ignored when we start (nohup-like parents): plain Python ignores it too
        return

    def on_sigterm(signum: int, frame: Any) -> None:
        # From here a second SIGTERM, or the watchdog's, ends the process as a plain Python one ends.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        watchdog = threading.Timer(SIGTERM_GRACE, os.kill, (os.getpid(), signal.SIGTERM))
        watchdog.daemon = True
        watchdog.start()
        try:
            collector.close(status="terminated", exit_code=128 + signum, error="SIGTERM")
        finally:
            watchdog.cancel()
            if callable(previous) and previous not in (signal.SIG_DFL, signal.SIG_IGN):
                signal.signal(signal.SIGTERM, previous)
                previous(signum, frame)
            else:
                os.kill(os.getpid(), signal.SIGTERM)

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:
        pass
