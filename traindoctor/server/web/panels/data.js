// Data: sampled input batches (images drawn as images, tables as per-feature statistics), the label
// distribution, and training vs evaluation input statistics side by side.
import { get, el, fmt, kvTable, PLOT_CONFIG } from "../api.js";

export const id = "data";
export const title = "Data";

function drawImage(canvas, pixels, c, h, w, lo, hi) {
  canvas.width = w; canvas.height = h;
  const g = canvas.getContext("2d");
  const img = g.createImageData(w, h);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) {
      const v = pixels[c === 3 ? k : 0][i];
      img.data[i * 4 + k] = v === null ? 255 : Math.round((v - lo) * scale);
    }
    img.data[i * 4 + 3] = 255;
  }
  g.putImageData(img, 0, 0);
}

function examples(ex) {
  if (!ex) return el("p", { class: "muted" }, "no example inputs were sampled");
  if (ex.type === "image") {
    const [, c, h, w] = ex.shape;
    const flat = ex.data.flat(2).filter(v => v !== null);
    const lo = Math.min(...flat), hi = Math.max(...flat);
    return el("div", { class: "examples" }, ex.data.map((img, i) => {
      const cv = el("canvas", { class: "example", title: ex.labels ? `label ${ex.labels[i]}` : "" });
      drawImage(cv, img, c, h, w, lo, hi);
      return cv;
    }), el("p", { class: "muted" }, `batch ${ex.index} at step ${ex.step}; pixel range ${fmt(lo)}..${fmt(hi)}`));
  }
  return el("table", { class: "example-table" }, ex.data.slice(0, 8).map(r => el("tr", {}, r.slice(0, 16).map(v => el("td", {}, fmt(v, 3))))));
}

export async function render(container, ctx) {
  const draw = async () => {
    const d = await get("data", { run: ctx.run });
    const roles = Object.keys(d.roles);
    if (!roles.length) {
      container.replaceChildren(el("p", { class: "muted" }, "This run sampled no input batches."));
      return;
    }
    const labels = el("div", { class: "plot", id: "label-dist" });
    const compare = el("table", { id: "role-compare" }, el("tr", {}, el("th", {}, "input"), roles.map(r => el("th", {}, r))),
      ["mean", "std", "min", "max", "nan", "inf"].map(k => el("tr", {}, el("th", {}, k), roles.map(r => el("td", {}, fmt(d.roles[r].input[k]))))),
      el("tr", {}, el("th", {}, "batches sampled"), roles.map(r => el("td", {}, d.roles[r].batches))),
      el("tr", {}, el("th", {}, "shape"), roles.map(r => el("td", {}, JSON.stringify(d.roles[r].shape)))));
    const parts = [el("h3", {}, "Training vs evaluation inputs"), compare, labels];
    for (const r of roles) {
      const role = d.roles[r];
      parts.push(el("h3", {}, `${r}: sampled inputs`), examples(role.examples));
      const pf = role.per_feature;
      if (pf) {
        const div = el("div", { class: "plot feature-stats", "data-role": r });
        parts.push(div);
        queueMicrotask(() => Plotly.newPlot(div, [
          { type: "scatter", mode: "markers", name: "mean ± std", x: pf.mean.map((_, i) => i), y: pf.mean,
            error_y: { type: "data", array: pf.std, visible: true } },
          { type: "scatter", mode: "markers", name: "min", x: pf.min.map((_, i) => i), y: pf.min, marker: { symbol: "triangle-down" } },
          { type: "scatter", mode: "markers", name: "max", x: pf.max.map((_, i) => i), y: pf.max, marker: { symbol: "triangle-up" } }],
          { title: { text: `${r}: per-feature statistics (last sampled batch)`, font: { size: 13 } }, height: 300,
            margin: { l: 55, r: 15, t: 35, b: 40 }, xaxis: { title: { text: "feature / channel" } } }, PLOT_CONFIG));
      }
    }
    const cols = ["step", "role", "epoch", "index", "shape", "mean", "std", "min", "max", "nan", "inf", "classes"];
    parts.push(el("h3", {}, `Sampled batches (last ${d.batches.length})`), el("table", { id: "batches" },
      el("tr", {}, cols.map(c => el("th", {}, c))),
      d.batches.map(b => el("tr", {}, cols.map(c => el("td", {}, c === "shape" ? JSON.stringify(b[c]) : fmt(b[c])))))));
    parts.push(el("h3", {}, "Data loaders"), d.loaders.map(l => kvTable(Object.fromEntries(Object.entries(l).filter(([k]) => k !== "kind")))));
    container.replaceChildren(el("div", {}, parts));
    const classes = [...new Set(roles.flatMap(r => Object.keys(d.roles[r].labels)))].sort((a, b) => (+a - +b) || a.localeCompare(b));
    Plotly.newPlot(labels, roles.map(r => {
      const total = Object.values(d.roles[r].labels).reduce((a, b) => a + b, 0) || 1;
      return { type: "bar", name: r, x: classes, y: classes.map(c => (d.roles[r].labels[c] || 0) / total) };
    }), { title: { text: "label distribution (fraction of sampled labels)", font: { size: 13 } }, height: 300, barmode: "group",
          margin: { l: 55, r: 15, t: 35, b: 40 }, xaxis: { title: { text: "class" }, type: "category" } }, PLOT_CONFIG);
  };
  await draw();
  return { update: draw };
}
