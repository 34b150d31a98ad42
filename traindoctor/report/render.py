"""Rendering a :class:`Report` for people: the terminal (Rich), markdown, and one self-contained HTML file."""
from __future__ import annotations

import html
import json
from typing import Any

from ..checks.base import Finding
from .model import Report
from .plots import finding_figure, loss_figure, metric_figure

_SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_STATUS_STYLE = {"fail": "red", "warn": "yellow", "pass": "green", "not_checked": "dim"}


def _evidence_line(f: Finding, limit: int = 6) -> str:
    parts = []
    for k, v in list(f.evidence.items())[:limit]:
        if isinstance(v, float):
            v = f"{v:.4g}"
        elif isinstance(v, list) and v and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            items = [f"{x:.4g}" if isinstance(x, float) else str(x) for x in v]
            v = "[" + ", ".join(items[:8]) + (", …]" if len(items) > 8 else "]")
        elif isinstance(v, (list, dict)):
            v = json.dumps(v)
            v = v if len(v) <= 80 else v[:79] + "…"
        parts.append(f"{k}={v}")
    return ", ".join(parts)


def render_text(report: Report, console: Any = None, top: int = 5, checklist: bool = True) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = console or Console()
    r = report.run_json
    console.print(f"[bold]traindoctor[/bold] · run [bold]{escape(str(r['name']))}[/bold] ({r['source']}, "
                  f"{r['status']}, {r['steps']} steps)")
    for w in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(str(w))}")
    if not report.findings and r["status"] == "crashed":
        console.print("[yellow]No problem found in what was recorded before the crash.[/yellow]")
    elif not report.findings:
        console.print("[green]No problem found.[/green] Every check that could run passed." if not report.failed
                      else f"[yellow]No problem found by the checks that ran;[/yellow] "
                           f"{len(report.failed)} failed (see the warnings above).")
    for i, f in enumerate(report.findings[:top], 1):
        sev = _SEV_STYLE.get(f.severity, "")
        where = f" at [bold]{escape(str(f.location))}[/bold]" if f.location else ""
        when = f", step {f.step}" if f.step is not None else ""
        console.print(f"\n[{sev}]{i}. {f.severity.upper()}[/{sev}] [bold]{f.id}[/bold] ({f.kind}, "
                      f"confidence {f.confidence:.2f}){where}{when}")
        console.print(f"   {escape(f.title)}")
        if f.evidence:
            console.print(f"   [dim]evidence:[/dim] {escape(_evidence_line(f))}", markup=True, highlight=False)
        if f.explains:
            console.print(f"   [dim]explains:[/dim] {', '.join(f.explains)}")
        if f.advice:
            console.print(f"   [green]advice:[/green] {escape(f.advice)}")
    if len(report.findings) > top:
        console.print(f"\n… and {len(report.findings) - top} more (--format markdown or html shows all)")
    acc = report.accuracy
    if acc.get("verdict"):
        console.print(f"\n[bold]Accuracy:[/bold] {escape(acc['verdict'])}")
    for name, t in (acc.get("targets") or {}).items():
        if t.get("met") is not None:
            mark = "[green]met[/green]" if t["met"] else "[red]not met[/red]"
            sign = "≤" if "loss" in name else "≥"  # a loss target is met from below
            console.print(f"   target {name} {sign} {t['target']}: final {t['final']:.4g} (best {t['best']:.4g}) {mark}")
    if checklist:
        table = Table(title="Checklist", show_lines=False, header_style="bold")
        for col in ("id", "status", "note"):
            table.add_column(col, overflow="fold")
        for row in report.checklist():
            st = row["status"]
            table.add_row(row["id"], f"[{_STATUS_STYLE[st]}]{st}[/{_STATUS_STYLE[st]}]", escape(row["note"][:100]))
        console.print()
        console.print(table)


def render_markdown(report: Report) -> str:
    r = report.run_json
    lines = [f"# traindoctor report: {r['name']}", "",
             f"Source `{r['source']}`, status **{r['status']}**, {r['steps']} steps, `{r['path']}`", ""]
    for w in report.warnings:
        lines.append(f"> warning: {w}")
    lines += ["## Findings", ""]
    if not report.findings:
        lines.append("No problem found." if not report.failed else
                     f"No problem found by the checks that ran; {len(report.failed)} failed (see the warnings).")
    for i, f in enumerate(report.findings, 1):
        lines.append(f"### {i}. `{f.id}` — {f.title}")
        lines.append("")
        lines.append(f"- severity **{f.severity}**, {f.kind}, confidence {f.confidence:.2f}"
                     + (f", at `{f.location}`" if f.location else "") + (f", step {f.step}" if f.step is not None else ""))
        if f.evidence:
            lines.append(f"- evidence: {_evidence_line(f, 12)}")
        if f.explains:
            lines.append(f"- explains: {', '.join('`' + e + '`' for e in f.explains)}")
        if f.advice:
            lines.append(f"- advice: {f.advice}")
        lines.append("")
    if report.accuracy.get("verdict"):
        lines += ["## Accuracy", "", report.accuracy["verdict"], ""]
    lines += ["## Checklist", "", "| id | status | note |", "|---|---|---|"]
    for row in report.checklist():
        lines.append(f"| `{row['id']}` | {row['status']} | {row['note'].replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def report_figures(report: Report) -> list[tuple[str, dict[str, Any]]]:
    """``(anchor, figure)`` pairs: the loss and metric curves, then one per finding that has a plot."""
    out = []
    for name, fig in (("loss", loss_figure(report.run)), ("metrics", metric_figure(report.run))):
        if fig:
            out.append((name, fig))
    for i, f in enumerate(report.findings):
        fig = finding_figure(report.run, f)
        if fig:
            out.append((f"finding-{i}", fig))
    return out


def render_html(report: Report) -> str:
    from plotly.offline import get_plotlyjs

    r = report.run_json
    figs = dict(report_figures(report))
    esc = html.escape
    body = [f"<h1>traindoctor report: {esc(r['name'])}</h1>",
            f"<p class=meta>source <b>{esc(r['source'])}</b> · status <b>{esc(r['status'])}</b> · "
            f"{r['steps']} steps · <code>{esc(r['path'])}</code></p>"]
    for w in report.warnings:
        body.append(f"<p class=warn>warning: {esc(w)}</p>")
    for name in ("loss", "metrics"):
        if name in figs:
            body.append(f"<div class=plot id='plot-{name}'></div>")
    body.append("<h2>Findings</h2>")
    if not report.findings:
        body.append("<p class=ok>No problem found. Every check that could run passed.</p>" if not report.failed else
                    f"<p class=warn>No problem found by the checks that ran; {len(report.failed)} failed "
                    "(see the warnings).</p>")
    for i, f in enumerate(report.findings):
        body.append(f"<section class='finding {f.severity}' data-id='{esc(f.id)}'>"
                    f"<h3>{i + 1}. <code>{esc(f.id)}</code> {esc(f.title)}</h3>"
                    f"<p class=meta>{f.severity} · {f.kind} · confidence {f.confidence:.2f}"
                    + (f" · at <code>{esc(f.location)}</code>" if f.location else "")
                    + (f" · step {f.step}" if f.step is not None else "") + "</p>")
        if f.evidence:
            rows = "".join(f"<tr><th>{esc(str(k))}</th><td>{esc(json.dumps(v) if not isinstance(v, str) else v)}</td></tr>"
                           for k, v in f.to_json()["evidence"].items())
            body.append(f"<table class=evidence>{rows}</table>")
        if f.explains:
            body.append(f"<p>explains: {', '.join('<code>' + esc(e) + '</code>' for e in f.explains)}</p>")
        if f.advice:
            body.append(f"<p class=advice>advice: {esc(f.advice)}</p>")
        if f"finding-{i}" in figs:
            body.append(f"<div class=plot id='plot-finding-{i}'></div>")
        body.append("</section>")
    if report.accuracy.get("verdict"):
        body.append(f"<h2>Accuracy</h2><p>{esc(report.accuracy['verdict'])}</p>")
    body.append("<h2>Checklist</h2><table class=checklist><tr><th>id</th><th>status</th><th>note</th></tr>")
    for row in report.checklist():
        body.append(f"<tr class='{row['status']}'><td><code>{row['id']}</code></td><td>{row['status']}</td>"
                    f"<td>{esc(row['note'])}</td></tr>")
    body.append("</table>")
    script = "\n".join(f"Plotly.newPlot('plot-{k}', {json.dumps(v['data'])}, {json.dumps(v['layout'])}, "
                       "{responsive: true, displaylogo: false});" for k, v in figs.items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>traindoctor: {esc(r['name'])}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}
code{{background:#f3f3f3;padding:0 .25em}} .meta{{color:#666}} .warn{{color:#a60}}
.finding{{border-left:4px solid #999;padding:.3em 1em;margin:1em 0;background:#fafafa}}
.finding.error{{border-color:#d62728}} .finding.warning{{border-color:#f0a000}} .finding.info{{border-color:#1f77b4}}
.advice{{color:#176d2b}} table{{border-collapse:collapse}} td,th{{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}}
tr.fail td:nth-child(2){{color:#d62728;font-weight:bold}} tr.warn td:nth-child(2){{color:#b07800}}
tr.pass td:nth-child(2){{color:#2a8a3a}} tr.not_checked td{{color:#888}} .evidence{{font-size:.9em}}
</style>
<script>{get_plotlyjs()}</script></head><body>
{''.join(body)}
<script>{script}</script></body></html>"""
