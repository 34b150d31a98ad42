"""``traindoctor hits`` and ``traindoctor debug``, registered into the main command line."""
from __future__ import annotations

import json
import os
import sys
from typing import Any, List, Optional

import typer


def register(app: typer.Typer) -> None:
    app.command(name="hits")(hits)
    app.command(name="debug")(debug)
    app.command(name="conditions")(conditions)


def _fail(msg: str, code: int = 2) -> None:
    typer.echo(f"traindoctor: {msg}", err=True)
    raise typer.Exit(code)


def hits(
    run_path: str = typer.Argument(..., metavar="RUN", help="a run directory"),
    watch: Optional[List[str]] = typer.Option(None, "--watch", help="evaluate these watchpoints offline "
                                              "(CONDITION[(param=value,...)][@PATTERN], or 'recommended')"),
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
) -> None:
    """The watchpoint hits of a run: as recorded live, or re-evaluated offline with --watch."""
    from ..record import RunNotFound, open_run
    from .offline import SCHEMA, evaluate_run, not_written, recorded_hits
    from .watchpoints import parse_all

    if format not in ("text", "json"):
        _fail(f"--format {format!r}: choose text or json")
    try:
        run = open_run(run_path)
    except RunNotFound as exc:
        _fail(str(exc))
    if watch:
        try:
            wps = parse_all(list(watch))
        except ValueError as exc:
            _fail(str(exc))
        doc = evaluate_run(run, wps)
    else:
        doc = {"schema": SCHEMA, "run": run.path, "source": "recorded", "hits": recorded_hits(run),
               "hits_not_written": not_written(run)}
    if format == "json":
        sys.stdout.write(json.dumps(doc, allow_nan=False) + "\n")
        return
    _print_hits(doc)


def _print_hits(doc: dict[str, Any]) -> None:
    hs = doc["hits"]
    typer.echo(f"{len(hs)} hit(s) in {doc['run']} ({doc['source']})")
    if doc.get("hits_not_written"):
        typer.echo(f"  ({doc['hits_not_written']} repeated hits were counted, not written: "
                   f"re-evaluate with --watch to list them)")
    for h in hs[:200]:
        stats = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in h["stats"].items())
        typer.echo(f"  step {h['step']:>6}  {h['condition']:<24} {h['target']:<10} {h['node']}  [{stats}]")
        if h.get("origin"):
            typer.echo(_origin_text(h["origin"], 16))
    if len(hs) > 200:
        typer.echo(f"  ... {len(hs) - 200} more (use --format json)")
    for o in doc.get("outcomes", []):
        typer.echo(f"  watchpoint {o['watchpoint']} {o['condition']}: hit {o['hit']}, not hit {o['not_hit']}, "
                   f"cannot check {o['cannot_check']}" + (f" ({'; '.join(o['cannot_check_reasons'])})"
                                                          if o['cannot_check_reasons'] else ""))


def debug(
    run_path: str = typer.Argument(..., metavar="RUN", help="a run started with --break-on"),
    action: str = typer.Argument("show", help="show, tensors, inspect TENSOR, continue, step, stop, pause"),
    tensor: Optional[str] = typer.Argument(None, help="for inspect: e.g. weight:fc1.weight, activation:fc1"),
    slice_: Optional[str] = typer.Option(None, "--slice", help="for inspect: e.g. '0:2,0:4'"),
    bins: int = typer.Option(20, "--bins", help="for inspect: histogram bins"),
    wait: float = typer.Option(0.0, "--wait", help="seconds to wait for the run to pause first"),
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
) -> None:
    """Inspect a paused run and continue, step or stop it (the run can be left paused and resumed later)."""
    from .control import Client

    client = Client(os.path.abspath(run_path))
    if not os.path.isdir(client.dir):
        _fail(f"{run_path}: no debugger channel (start the run with --break-on CONDITION)")
    st = client.wait_paused(wait) if wait > 0 else client.state()
    if st is None:
        _fail(f"{run_path}: the run has not published a debugger state yet")
    if action == "show":
        _emit(st, format, _show_text)
        return
    if action == "pause" and st.get("status") == "running":
        answer = client.request("pause")
        if not answer.get("ok"):
            _fail(answer.get("error", "request failed"), code=1)
        _emit(answer, format, _answer_text)
        return
    if st.get("status") != "paused":
        _fail(f"the run is {st.get('status')} (step {st.get('step')}), not paused", code=1)
    if action == "inspect":
        if not tensor:
            _fail("inspect needs a tensor name (see: traindoctor debug RUN tensors)")
        answer = client.request("inspect", tensor=tensor, slice=slice_, bins=bins)
    elif action in ("tensors", "continue", "step", "stop", "state"):
        answer = client.request(action)
    else:
        _fail(f"unknown action {action!r}: show, tensors, inspect, continue, step, stop")
    if not answer.get("ok"):
        _fail(answer.get("error", "request failed"), code=1)
    _emit(answer, format, _answer_text)


def _origin_text(origin: dict | None, indent: int) -> str:
    pad = " " * indent
    if not origin:
        return ""
    if not origin.get("found"):
        return f"{pad}op-level origin not found: {origin.get('reason', '')}"
    if origin.get("phase") == "backward":
        return (f"{pad}first non-finite gradient: produced by {origin['backward_function']} "
                f"(the backward of forward op {origin['op_name']})")
    return f"{pad}first non-finite op: {origin['op']} in {origin.get('module')}" + \
        (f"\n{pad}at {origin['source']}" if origin.get("source") else "")


def _emit(obj: dict, format: str, text: Any) -> None:
    if format == "json":
        sys.stdout.write(json.dumps(obj) + "\n")
    else:
        text(obj)


def _show_text(st: dict) -> None:
    typer.echo(f"status: {st.get('status')}  step: {st.get('step')}  reason: {st.get('reason', '-')}")
    for h in st.get("hits") or []:
        stats = ", ".join(f"{k}={v}" for k, v in h.get("stats", {}).items())
        typer.echo(f"  hit {h['condition']} on {h['target']} {h['node']} at step {h['step']}: {stats}")
        if h.get("origin"):
            typer.echo(_origin_text(h["origin"], 4))
    if st.get("tensors"):
        typer.echo("tensors: " + ", ".join(st["tensors"]))


def _answer_text(a: dict) -> None:
    if "tensor" in a and "stats" in a:
        typer.echo(f"{a['tensor']} at step {a['step']}")
        typer.echo("  stats: " + ", ".join(f"{k}={v}" for k, v in a["stats"].items()))
        typer.echo(f"  slice {a['slice']['spec']}: {a['slice']['values'][:32]}")
        h = a["histogram"]
        top = max(h["counts"]) or 1
        for lo, c in zip(h["edges"], h["counts"]):
            typer.echo(f"  {lo:>12.4g} | {'#' * int(40 * c / top)} {c}" if isinstance(lo, (int, float))
                       else f"  {lo} | {c}")
        prev = a.get("previous", {}).get("stats")
        typer.echo(f"  previous step: {prev if prev else 'not recorded'}")
    elif "tensors" in a:
        typer.echo("\n".join(a["tensors"]))
    else:
        typer.echo(f"{a.get('action', 'ok')}: ok")


def conditions(format: str = typer.Option("text", "--format", "-f", help="text or json")) -> None:
    """The watchpoint conditions, their targets and parameters."""
    from .conditions import describe

    table = describe()
    if format == "json":
        sys.stdout.write(json.dumps(table) + "\n")
        return
    for c in table:
        ps = ", ".join(p["name"] + (f"={p['default']}" if p["default"] is not None else "") for p in c["params"])
        typer.echo(f"{c['name']:<25} {c['target']:<11} {ps}")
