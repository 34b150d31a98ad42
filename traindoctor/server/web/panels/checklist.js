// Checklist: the diagnosis (ranked findings, each with the plot of its evidence) and every checklist item.
// The figures are the ones `traindoctor doctor --format html` draws (report/plots.py), sent by the server.
import { el, fmt, PLOT_CONFIG } from "../api.js";

export const id = "checklist";
export const title = "Checklist";

export async function render(container, ctx) {
  const draw = async () => {
    const { report, figures } = await ctx.report();
    const parts = [];
    for (const w of report.warnings || []) parts.push(el("p", { class: "sev-warning" }, `warning: ${w}`));
    if (report.accuracy && report.accuracy.verdict) parts.push(el("p", {}, el("b", {}, "Accuracy: "), report.accuracy.verdict));
    parts.push(el("h2", {}, `Findings (${report.findings.length})`));
    const failed = (report.checklist || []).filter(c => (c.note || "").startsWith("check failed:")).length;
    if (!report.findings.length) parts.push(failed
      ? el("p", { class: "sev-warning" }, `No problem found by the checks that ran; ${failed} failed (see the warnings).`)
      : el("p", { class: "sev-ok" }, "No problem found. Every check that could run passed."));
    const plots = [];
    report.findings.forEach((f, i) => {
      const plot = figures[`finding-${i}`] ? el("div", { class: "plot", id: `plot-finding-${i}` }) : null;
      if (plot) plots.push([plot, figures[`finding-${i}`]]);
      parts.push(el("section", { class: `finding ${f.severity}`, "data-id": f.id, "data-rank": i + 1 },
        el("h3", {}, `${i + 1}. `, el("code", {}, f.id), " ", f.title),
        el("p", { class: "muted" }, `${f.severity} · ${f.kind} · ${f.category} · confidence ${fmt(f.confidence, 2)}`,
          f.location ? [" · at ", el("a", { href: "#", onclick: ev => { ev.preventDefault(); ctx.navigate({ panel: "graph" }); } },
            el("code", {}, f.location))] : "",
          f.step !== null && f.step !== undefined ? ` · step ${f.step}` : ""),
        Object.keys(f.evidence || {}).length ? el("table", { class: "kv evidence" },
          Object.entries(f.evidence).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, fmt(v))))) : null,
        f.explains && f.explains.length ? el("p", {}, "explains: ", f.explains.map(e => el("code", {}, e))) : null,
        f.advice ? el("p", { class: "advice" }, `advice: ${f.advice}`) : null,
        plot));
    });
    const curves = ["loss", "metrics"].filter(k => figures[k]).map(k => {
      const d = el("div", { class: "plot", id: `plot-${k}` });
      plots.push([d, figures[k]]);
      return d;
    });
    if (curves.length) parts.push(el("h2", {}, "Curves"), el("div", { class: "grid2" }, curves));
    parts.push(el("h2", {}, "Checklist"), el("table", { class: "checklist" },
      el("tr", {}, el("th", {}, "id"), el("th", {}, "status"), el("th", {}, "note")),
      report.checklist.map(c => el("tr", { class: c.status, "data-id": c.id },
        el("td", {}, el("code", {}, c.id)), el("td", { class: "st" }, c.status), el("td", {}, c.note)))));
    container.replaceChildren(el("div", {}, parts));
    for (const [div, fig] of plots) Plotly.newPlot(div, fig.data, fig.layout, PLOT_CONFIG);
  };
  await draw();
  return { update: draw };
}
