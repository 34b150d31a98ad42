"""The ``traindoctor`` command line."""
from __future__ import annotations

import os
import sys
import time
from typing import List, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="traindoctor: finds out why a model does not reach its accuracy.")

DEFAULT_LOGDIR = "tdruns"


class UserError(Exception):
    """A problem with what the user asked for: printed as one line, exit code 2."""


def fail(msg: str, code: int = 2) -> None:
    typer.echo(f"traindoctor: {msg}", err=True)
    raise typer.Exit(code)


def _parse_targets(items: List[str]) -> dict:
    out = {}
    for item in items or []:
        if "=" not in item:
            fail(f"--target {item!r}: expected NAME=VALUE, e.g. val_acc=0.95")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = float(v)
        except ValueError:
            fail(f"--target {item!r}: {v!r} is not a number")
    return out


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                               "allow_interspersed_args": False})
def run(
    script: str = typer.Argument(..., help="the training script (or -m MODULE)"),
    args: Optional[List[str]] = typer.Argument(None, help="the script's own arguments"),
    logdir: str = typer.Option(DEFAULT_LOGDIR, "--logdir", help="where runs are written"),
    name: Optional[str] = typer.Option(None, "--name", help="run name (default: script name and time)"),
    target: Optional[List[str]] = typer.Option(None, "--target", help="expected metric, e.g. val_acc=0.95"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace an existing run of the same name"),
    summary: bool = typer.Option(True, "--summary/--no-summary", help="print the diagnosis when the script ends"),
    no_activations: bool = typer.Option(False, "--no-activations", help="do not record module outputs"),
    histograms_every: Optional[int] = typer.Option(None, "--histograms-every", min=1, metavar="N",
                                                   help="weight and gradient histograms every N steps "
                                                   "(default: as often as 0.3% of the step time allows)"),
    # -- debugger (traindoctor/debugger)
    watch: Optional[List[str]] = typer.Option(None, "--watch", help="watchpoint CONDITION[(param=value,...)]"
                                              "[@PATTERN]; default: recommended; 'none' to switch off"),
    break_on: Optional[List[str]] = typer.Option(None, "--break-on", help="pause at the first hit of this "
                                                 "watchpoint spec (inspect with: traindoctor debug RUN)"),
) -> None:
    """Run SCRIPT exactly as `python SCRIPT ARGS` would, recording its training."""
    module = False
    args = list(args or [])
    if script == "-m":
        if not args:
            fail("-m needs a module name")
        script, args, module = args[0], args[1:], True
    elif not os.path.isfile(script):
        fail(f"{script}: no such script")
    stem = os.path.splitext(os.path.basename(script))[0] if not module else script.rsplit(".", 1)[-1]
    name = name or f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir = os.path.join(logdir, name)
    if os.path.isdir(run_dir) and os.listdir(run_dir):
        if not overwrite:
            fail(f"{run_dir} already exists: choose another --name or pass --overwrite")
        import shutil

        shutil.rmtree(run_dir)
    from .collect.autorun import run_script
    from .collect.torch import CollectOptions

    opts = CollectOptions(target=_parse_targets(target or []), activations=not no_activations,
                          histogram_every=histograms_every)
    opts.watch, opts.break_on = _debugger_specs(watch, break_on)  # debugger
    code, status = run_script(script, args, run_dir, name, opts, module=module)
    if summary:
        _print_summary(run_dir)
    sys.stdout.flush()
    raise typer.Exit(code)


def _debugger_specs(watch: Optional[List[str]], break_on: Optional[List[str]]) -> tuple[list, list]:
    """``--watch``/``--break-on`` as CollectOptions fields, validated here so a typo fails before the script runs."""
    watch = list(watch) if watch else ["recommended"]
    watch = [w for w in watch if w.strip().lower() not in ("none", "off")]
    try:
        from .debugger.watchpoints import parse_all
    except ImportError:
        return [], []
    try:
        parse_all(watch, list(break_on or []))
    except ValueError as exc:
        fail(str(exc))
    return watch, list(break_on or [])


def _print_summary(run_dir: str) -> None:
    try:
        from rich.console import Console
        from rich.markup import escape

        from .report import diagnose
        from .report.render import render_text

        report = diagnose(run_dir)
        console = Console(stderr=True)
        console.rule("traindoctor")
        render_text(report, console=console, top=3, checklist=False)
        console.print(f"[dim]full report: traindoctor doctor {escape(str(run_dir))}[/dim]")
    except Exception as exc:  # the summary must never change the script's exit code
        typer.echo(f"traindoctor: could not diagnose {run_dir}: {exc}", err=True)


@app.command()
def doctor(
    run_path: str = typer.Argument(..., metavar="RUN", help="a run directory, TensorBoard or MindSpore log directory"),
    format: str = typer.Option("text", "--format", "-f", help="text, json, markdown or html"),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="write to this file instead of stdout"),
) -> None:
    """Walk the accuracy checklist over a recorded run: ranked findings with evidence and advice."""
    from .record import RunNotFound
    from .report import diagnose
    from .report.render import render_html, render_markdown, render_text

    if format not in ("text", "json", "markdown", "md", "html"):
        fail(f"--format {format!r}: choose text, json, markdown or html")
    try:
        report = diagnose(run_path)
    except RunNotFound as exc:
        fail(str(exc))
    if format == "json":
        text = report.dumps()
    elif format in ("markdown", "md"):
        text = render_markdown(report)
    elif format == "html":
        text = render_html(report)
        if output is None:
            output = os.path.join(run_path if os.path.isdir(run_path) else ".", "report.html")
    else:
        if output:
            from rich.console import Console

            with open(output, "w") as fh:
                render_text(report, console=Console(file=fh, width=120))
            return
        render_text(report)
        return
    if output:
        with open(output, "w") as fh:
            fh.write(text)
        typer.echo(f"wrote {output}", err=True)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def demo(
    fault: str = typer.Option("lr_too_large", "--fault", help="the planted fault (see --list)"),
    logdir: str = typer.Option(DEFAULT_LOGDIR, "--logdir"),
    list_faults: bool = typer.Option(False, "--list", help="list the faults that can be planted"),
    epochs: int = typer.Option(4, "--epochs"),
) -> None:
    """Train a small real model on scikit-learn's digits with a planted fault, then diagnose it."""
    from .demo import FAULTS, run_demo

    if list_faults:
        for k, v in FAULTS.items():
            typer.echo(f"{k:22s} {v}")
        return
    if fault not in FAULTS:
        fail(f"--fault {fault!r}: choose one of {', '.join(FAULTS)}")
    raise typer.Exit(run_demo(fault, logdir, epochs))


def _register_optional_commands() -> None:
    """Commands of the parts around the core register themselves here when installed."""
    import importlib

    for mod in ("traindoctor.server.cli", "traindoctor.debugger.cli", "traindoctor.importers.cli"):
        try:
            importlib.import_module(mod).register(app)
        except ImportError:
            pass


def main() -> None:
    _register_optional_commands()
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("traindoctor: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
