// Pieces shared by the per-tensor panels (distributions, activations, tensors, debugger).
import { get, el, PLOT_CONFIG } from "../api.js";

// Per-step statistics of one key of a table, one line per field (fields with very different scales get their own chart).
export async function statsChart(div, run, table, key, fields) {
  const d = await get("table", { run, name: table, key });
  const traces = fields.filter(f => d.values[f]).map(f => ({ x: d.step, y: d.values[f], type: "scattergl", mode: "lines", name: f, connectgaps: true }));
  Plotly.react(div, traces, { title: { text: `${table} · ${key}`, font: { size: 13 } }, height: 300,
    margin: { l: 55, r: 15, t: 35, b: 40 }, xaxis: { title: { text: "step" } }, legend: { orientation: "h", y: -0.25 } }, PLOT_CONFIG);
  div.dataset.points = d.step.length;
  return d;
}

// One field of every key at once: a steps × keys heatmap; clicking a cell picks that key.
export async function overviewChart(div, run, table, field, onPick, log = false) {
  const d = await get("table/overview", { run, name: table, field });
  const z = d.z.map(row => row.map(v => (v === null ? null : log ? Math.log10(Math.abs(v) + 1e-30) : v)));
  Plotly.react(div, [{ type: "heatmap", x: d.keys, y: d.step, z, colorscale: "Viridis",
                       colorbar: { title: { text: log ? `log10 ${field}` : field } } }],
    { title: { text: `${table} ${field}, every ${table === "activation" ? "module" : "parameter"} (rows: steps)`, font: { size: 13 } },
      height: 360, margin: { l: 55, r: 15, t: 35, b: 120 }, xaxis: { tickangle: -35, automargin: true, type: "category" }, yaxis: { title: { text: "step" } } },
    PLOT_CONFIG);
  div.removeAllListeners && div.removeAllListeners("plotly_click");
  div.on("plotly_click", ev => { if (ev.points && ev.points[0]) onPick(ev.points[0].x); });
  div.dataset.points = d.step.length * d.keys.length;
  return d;
}

// A histogram as bars (finite edges and counts); false, with the chart cleared, when there is nothing to draw.
export function histogramBars(div, edges, counts, titleText) {
  if (!(edges.every(Number.isFinite) && counts.some(c => c > 0))) {
    Plotly.purge(div);
    div.replaceChildren(el("p", { class: "muted" }, "no finite value to histogram"));
    return false;
  }
  Plotly.react(div, [{ type: "bar", x: counts.map((_, i) => (edges[i] + edges[i + 1]) / 2), y: counts,
                       width: counts.map((_, i) => edges[i + 1] - edges[i]), marker: { color: "#1f77b4" } }],
    { title: { text: titleText, font: { size: 13 } }, height: 320, bargap: 0.02, margin: { l: 55, r: 15, t: 35, b: 40 },
      xaxis: { title: { text: "value" } }, yaxis: { title: { text: "count" } } }, PLOT_CONFIG);
  return true;
}

export function select(id, values, value, onchange) {
  return el("select", { id, onchange: ev => onchange(ev.target.value) },
    values.map(v => el("option", { value: v, selected: v === value }, v)));
}
