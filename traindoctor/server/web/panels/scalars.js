// Scalars: loss, metrics, learning rate; several runs overlaid; smoothing; log axis; step or time axis;
// zooming re-fetches the window from the server, which min/max-downsamples it (spikes survive).
import { get, el, PLOT_CONFIG } from "../api.js";

export const id = "scalars";
export const title = "Scalars";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

function smooth(values, weight) {
  // TensorBoard's debiased exponential moving average; nulls (NaN/Inf) stay gaps.
  if (!weight) return values;
  let last = 0, n = 0;
  return values.map(v => {
    if (v === null) return null;
    last = last * weight + (1 - weight) * v; n += 1;
    return last / (1 - Math.pow(weight, n));
  });
}

export async function render(container, ctx) {
  const runs = ctx.compare.length ? ctx.compare : [ctx.run];
  const infos = await Promise.all(runs.map(r => get("run", { run: r })));
  const tags = [...new Set(infos.flatMap(i => i.scalar_tags))].sort();
  if (!tags.length) {
    container.replaceChildren(el("p", { class: "muted" }, "This run recorded no scalars yet."));
    return { update: () => render(container, ctx) };
  }
  const opts = { smoothing: 0.6, log: false, x: "step", threshold: null, thresholdTag: tags.find(t => /loss/.test(t)) || tags[0],
                 tags: new Set(tags.filter(t => /loss|acc|lr/.test(t)).slice(0, 8)) };
  if (!opts.tags.size) tags.slice(0, 6).forEach(t => opts.tags.add(t));
  const windows = new Map();  // tag -> [lo, hi] while zoomed

  const charts = el("div", { class: "grid2", id: "scalar-charts" });
  const tagBoxes = el("div", { class: "controls" }, tags.map(t => el("label", {},
    el("input", { type: "checkbox", class: "tag-pick", value: t, checked: opts.tags.has(t),
      onchange: ev => { ev.target.checked ? opts.tags.add(t) : opts.tags.delete(t); drawAll(); } }), " ", t)));
  const smoothing = el("input", { type: "range", min: 0, max: 0.99, step: 0.01, value: opts.smoothing,
    oninput: ev => { opts.smoothing = +ev.target.value; smoothLabel.textContent = opts.smoothing.toFixed(2); drawAll(false); } });
  const smoothLabel = el("span", {}, opts.smoothing.toFixed(2));
  const controls = el("div", { class: "controls" },
    el("label", {}, "smoothing ", smoothing, " ", smoothLabel),
    el("label", {}, el("input", { type: "checkbox", id: "log-y", onchange: ev => { opts.log = ev.target.checked; drawAll(false); } }), " log y"),
    el("label", {}, "x ", el("select", { id: "x-axis", onchange: ev => { opts.x = ev.target.value; windows.clear(); drawAll(); } },
      el("option", { value: "step" }, "step"), el("option", { value: "relative" }, "time (s)"), el("option", { value: "wall" }, "wall clock"))),
    el("label", {}, "highlight ", el("select", { id: "threshold-tag", onchange: ev => { opts.thresholdTag = ev.target.value; drawAll(false); } },
      tags.map(t => el("option", { value: t, selected: t === opts.thresholdTag }, t))), " above ", el("input", { type: "number", id: "threshold", step: "any", style: "width:7em",
      onchange: ev => { opts.threshold = ev.target.value === "" ? null : +ev.target.value; drawAll(false); } })),
    runs.length > 1 ? el("span", { class: "muted" }, `comparing ${runs.length} runs`) : null);
  container.replaceChildren(controls, tagBoxes, charts);

  const cache = new Map();  // tag -> last response
  async function fetchTag(tag) {
    const w = windows.get(tag);
    const width = (divs.get(tag) && divs.get(tag).clientWidth) || 800;
    const points = Math.min(4000, Math.max(500, Math.round(2 * width)));  // about two points per pixel
    const data = await get("scalars", { run: runs, tag, x: opts.x, lo: w ? w[0] : null, hi: w ? w[1] : null, points });
    cache.set(tag, data);
    return data;
  }

  function xs(s) {
    return opts.x === "wall" ? s.x.map(w => (w === null ? null : new Date(w * 1000))) : s.x;
  }

  function draw(div, tag) {
    const data = cache.get(tag);
    if (!data) return;
    const traces = [];
    let points = 0;
    data.series.forEach((s, i) => {
      const color = COLORS[runs.indexOf(s.run) % COLORS.length];
      const label = runs.length > 1 ? s.run : tag;
      const x = xs(s);
      points += s.value.length;
      traces.push({ x, y: s.value, type: "scattergl", mode: "lines", name: label + " (raw)", showlegend: false,
                    line: { color, width: 1 }, opacity: opts.smoothing ? 0.3 : 1, hoverinfo: "skip" });
      if (opts.smoothing) traces.push({ x, y: smooth(s.value, opts.smoothing), type: "scattergl", mode: "lines", name: label, line: { color, width: 2 } });
      if (opts.threshold !== null && tag === opts.thresholdTag) {
        const hx = [], hy = [];
        s.value.forEach((v, j) => { if (v !== null && v > opts.threshold) { hx.push(x[j]); hy.push(v); } });
        if (hx.length) traces.push({ x: hx, y: hy, type: "scattergl", mode: "markers", name: `${label} > ${opts.threshold}`,
                                     marker: { color: "#d62728", size: 6 } });
      }
    });
    const w = windows.get(tag);
    const bad = data.series.reduce((a, s) => a + s.nonfinite, 0);
    const layout = { title: { text: bad ? `${tag} · ${bad} NaN/Inf values (gaps)` : tag, font: { size: 13, color: bad ? "#d62728" : undefined } }, height: 300, margin: { l: 55, r: 15, t: 35, b: 40 },
      xaxis: { title: { text: opts.x === "step" ? "step" : opts.x === "relative" ? "seconds" : "time" },
               ...(w ? { range: opts.x === "wall" ? w.map(v => new Date(v * 1000)) : w } : { autorange: true }) },
      yaxis: { type: opts.log ? "log" : "linear" }, legend: { orientation: "h", y: -0.25 }, uirevision: tag + opts.x,
      shapes: opts.threshold === null || tag !== opts.thresholdTag ? [] : [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: opts.threshold, y1: opts.threshold,
                                                  line: { color: "#d62728", dash: "dash", width: 1 } }] };
    div.dataset.points = points;
    div.dataset.total = data.series.reduce((a, s) => a + s.total, 0);
    Plotly.react(div, traces, layout, PLOT_CONFIG);
  }

  const divs = new Map();
  async function drawAll(refetch = true) {
    const wanted = tags.filter(t => opts.tags.has(t));
    for (const t of [...divs.keys()]) if (!opts.tags.has(t)) { Plotly.purge(divs.get(t)); divs.get(t).remove(); divs.delete(t); }
    await Promise.all(wanted.map(async tag => {
      let div = divs.get(tag);
      if (!div) {
        div = el("div", { class: "plot scalar-chart", "data-tag": tag });
        charts.append(div);
        divs.set(tag, div);
        Plotly.newPlot(div, [], {}, PLOT_CONFIG);
        div.on("plotly_relayout", ev => onZoom(tag, div, ev));
      }
      if (refetch || !cache.has(tag)) await fetchTag(tag);
      draw(div, tag);
    }));
  }

  async function onZoom(tag, div, ev) {
    let range = null;
    if (ev["xaxis.range[0]"] !== undefined) range = [ev["xaxis.range[0]"], ev["xaxis.range[1]"]];
    else if (ev["xaxis.range"]) range = ev["xaxis.range"];
    else if (!ev["xaxis.autorange"]) return;
    if (range && opts.x === "wall") range = range.map(v => Date.parse(String(v).replace(" ", "T")) / 1000);
    if (range) windows.set(tag, range.map(Number)); else windows.delete(tag);
    await fetchTag(tag);
    draw(div, tag);
  }

  await drawAll();
  return { update: () => drawAll(), dispose: () => divs.forEach(d => Plotly.purge(d)) };
}
