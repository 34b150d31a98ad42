// Tensors: the recorded snapshots of a tensor (weights the collector picked, tensors the script marked with
// td.tensor / traindoctor.tensor). Pick a tensor and a step (slider): the statistics of the whole tensor beside
// those of the previous snapshot, a heatmap of its 2-D view (block-reduced beyond 128x128, and said so), the
// values of a slice of that view (click the heatmap to move it), the histogram, and the difference to the
// previous snapshot as a second heatmap.
import { get, el, fmt, PLOT_CONFIG } from "../api.js";
import { histogramBars, select } from "./common.js";

export const id = "tensors";
export const title = "Tensors";

const LAYOUT = { height: 380, margin: { l: 60, r: 15, t: 35, b: 45 } };

function describeView(t) {
  const [rows, cols] = t.matrix;
  const r = t.reduced;
  const base = `${rows}×${cols} matrix` + (t.layout.startsWith("(") ? ` laid out as ${t.layout}` : t.layout === "as is" ? "" : ` (${t.layout})`);
  if (!r) return `${base}, every value stored`;
  const [br, bc] = r.block.map(v => Number(v.toPrecision(3)));
  return `${base}, stored as ${r.to[0]}×${r.to[1]} blocks of about ${br}×${bc} values: the block mean, or the block's largest |value|`;
}

export async function render(container, ctx) {
  const list = (await get("tensors", { run: ctx.run })).tensors;
  if (!list.length) {
    container.replaceChildren(el("p", { class: "muted" },
      "This run recorded no tensor snapshots. traindoctor keeps a few weights at steps 0, 1, 2, 5, 10, 20, 50, … and at the end; " +
      "mark your own with td.tensor(\"name\", t) on a watch session, or traindoctor.tensor(\"name\", t) under traindoctor run."));
    return {};
  }
  const st = { tensors: list, name: (list.find(t => t.source === "user") || list[0]).name, step: null, view: "mean",
               diff: true, rows: "", cols: "" };
  const bar = el("div", { class: "controls", id: "tensor-controls" });
  const info = el("p", { id: "tensor-info", class: "muted" });
  const heat = el("div", { class: "plot", id: "tensor-heatmap" });
  const diff = el("div", { class: "plot", id: "tensor-diff-heatmap" });
  const stats = el("div", { id: "tensor-stats" });
  const slice = el("div", { id: "tensor-slice" });
  const hist = el("div", { class: "plot", id: "tensor-hist" });
  container.replaceChildren(bar, info, el("div", { class: "grid2" }, heat, diff),
    el("div", { class: "grid2" }, stats, hist), el("div", { class: "scroll-x" }, slice));

  const current = () => st.tensors.find(t => t.name === st.name) || st.tensors[0];

  function controls() {
    const t = current();
    if (st.step === null || !t.steps.includes(st.step)) st.step = t.steps[t.steps.length - 1];
    const label = el("span", { id: "tensor-step-label" }, `step ${st.step}`);
    const slider = el("input", { type: "range", id: "tensor-step", min: 0, max: t.steps.length - 1, step: 1,
                                 value: t.steps.indexOf(st.step), style: "width:16em" });
    slider.addEventListener("input", () => { label.textContent = `step ${t.steps[+slider.value]}`; });
    slider.addEventListener("change", () => { st.step = t.steps[+slider.value]; draw(); });
    const rows = el("input", { id: "tensor-rows", size: 7, placeholder: "0:16", value: st.rows });
    const cols = el("input", { id: "tensor-cols", size: 7, placeholder: "0:16", value: st.cols });
    const go = () => { st.rows = rows.value.trim(); st.cols = cols.value.trim(); draw(); };
    rows.addEventListener("change", go);
    cols.addEventListener("change", go);
    bar.replaceChildren(...[
      el("label", {}, "tensor ", el("select", { id: "tensor-name", onchange: ev => { st.name = ev.target.value; st.step = null; st.rows = st.cols = ""; if (!current().reduced) st.view = "mean"; draw(); } },
        st.tensors.map(x => el("option", { value: x.name, selected: x.name === st.name }, `${x.name} [${x.shape.join("×")}]${x.source === "user" ? "" : " (weight)"}`)))),
      el("label", {}, "step ", slider, " ", label, el("span", { class: "muted" }, ` (${t.steps.length} recorded)`)),
      t.reduced ? el("label", {}, "blocks ", select("tensor-view", ["mean", "absmax"], st.view, v => { st.view = v; draw(); })) : null,
      el("label", {}, el("input", { type: "checkbox", id: "tensor-diff", checked: st.diff, onchange: ev => { st.diff = ev.target.checked; draw(); } }),
        " difference to the previous snapshot"),
      el("label", {}, "slice rows ", rows), el("label", {}, "cols ", cols)].filter(Boolean));
  }

  // Signed values: red above zero, blue below, grey at zero. Small matrices get a tick per row / column.
  function heatmap(div, z, d, titleText, signed) {
    const ticks = n => (n <= 24 ? { tick0: 0, dtick: 1 } : {});
    Plotly.react(div, [{ type: "heatmap", z, x: d.heatmap.cols, y: d.heatmap.rows, colorscale: signed ? "RdBu" : "Viridis",
                         zmid: signed ? 0 : undefined, hoverongaps: false,
                         hovertemplate: "row %{y}, col %{x}: %{z}<extra></extra>" }],
      { ...LAYOUT, title: { text: titleText, font: { size: 13 } },
        xaxis: { title: { text: d.reduced ? "column (first of each block)" : "column" }, ...ticks(d.heatmap.cols.length) },
        yaxis: { title: { text: d.reduced ? "row (first of each block)" : "row" }, autorange: "reversed", ...ticks(d.heatmap.rows.length) } },
      PLOT_CONFIG);
    div.dataset.cells = z.flat().filter(v => v !== null).length;
  }

  function statsTable(d) {
    const prev = d.previous ? d.previous.stats : null;
    const fields = ["mean", "std", "min", "max", "norm", "zero_frac", "nonfinite", "numel"].filter(f => f in d.stats);
    return el("table", { class: "kv", id: "tensor-stats-table" },
      el("tr", {}, el("th", {}, "whole tensor"), el("th", {}, `step ${d.step}`), el("th", {}, prev ? `step ${d.previous.step}` : "previous")),
      fields.map(f => el("tr", { "data-field": f }, el("th", {}, f),
        el("td", { class: f === "nonfinite" && d.stats[f] ? "sev-error" : "" }, fmt(d.stats[f])), el("td", {}, prev ? fmt(prev[f]) : "–"))));
  }

  function sliceTable(d) {
    const s = d.slice;
    return [el("h3", {}, `values, rows ${s.rows[0]}:${s.rows[1]} × cols ${s.cols[0]}:${s.cols[1]} of the ${d.reduced ? `${d.view === "absmax" ? "block max |x|" : "block mean"} view` : "matrix"}`),
      el("table", { class: "slice", id: "tensor-slice-values" },
        el("tr", {}, el("th", {}, ""), s.col_labels.map(c => el("th", {}, c))),
        s.values.map((row, i) => el("tr", {}, el("th", {}, s.row_labels[i]),
          row.map(v => el("td", { class: v === null ? "sev-error" : "", title: v === null ? "NaN or ±Inf" : "" }, v === null ? "nan/inf" : fmt(v))))))];
  }

  function histogram(d) {
    const edges = d.histogram.edges.map(v => (v === null ? NaN : v)), counts = d.histogram.counts;
    histogramBars(hist, edges, counts, `histogram of the whole tensor (finite values), step ${d.step}`);
    hist.dataset.total = counts.reduce((a, b) => a + b, 0);
  }

  async function draw() {
    controls();
    let d;
    try {
      d = await get("tensor", { run: ctx.run, name: st.name, step: st.step, view: st.view, rows: st.rows || null, cols: st.cols || null });
    } catch (e) {
      ctx.showMessage(`tensor ${st.name}: ${e.message}`);
      return;
    }
    ctx.showMessage("");
    info.replaceChildren(el("code", {}, d.name), ` · shape [${d.shape.join(", ")}] ${d.dtype} · `, describeView(d),
      d.note ? ` · ${d.note}` : "", d.heatmap.nonfinite ? el("span", { class: "sev-error" }, ` · ${d.heatmap.nonfinite} cells hold NaN/Inf (blank in the heatmap)`) : "");
    const what = d.reduced ? (d.view === "absmax" ? "block max |x|" : "block means") : "values";
    heatmap(heat, d.heatmap.z, d, `${d.name} at step ${d.step}: ${what}`, d.view !== "absmax");
    if (st.diff && d.previous && d.previous.diff) {
      diff.hidden = false;
      heatmap(diff, d.previous.diff, d, `change since step ${d.previous.step}`, true);
    } else {
      Plotly.purge(diff);
      diff.replaceChildren(el("p", { class: "muted" }, !st.diff ? "" :
        d.previous ? `no difference to step ${d.previous.step}: ${d.previous.why_no_diff}` : "the first recorded step: nothing to compare with"));
      delete diff.dataset.cells;
    }
    stats.replaceChildren(statsTable(d));
    slice.replaceChildren(...sliceTable(d));
    histogram(d);
    heat.removeAllListeners && heat.removeAllListeners("plotly_click");
    heat.on && heat.on("plotly_click", ev => {
      const p = ev.points && ev.points[0];
      if (!p) return;
      const r = d.heatmap.rows.indexOf(p.y), c = d.heatmap.cols.indexOf(p.x);
      st.rows = `${r}:${r + 16}`;
      st.cols = `${c}:${c + 16}`;
      draw();
    });
    container.dataset.tensor = d.name;
    container.dataset.step = d.step;
  }

  async function update() {
    try { st.tensors = (await get("tensors", { run: ctx.run })).tensors; } catch { return; }
    await draw();
  }

  await draw();
  return { update };
}
