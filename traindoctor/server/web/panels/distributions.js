// Distributions: weights, gradients and updates per layer over time. A histogram heatmap (value × step)
// for one tensor, its per-step statistics beside it, and one statistic of every layer at a glance.
import { get, el } from "../api.js";
import { statsChart, overviewChart, select } from "./common.js";

export const id = "distributions";
export const title = "Distributions";

export async function render(container, ctx) {
  const hk = ctx.info.histogram_keys;
  // Per-step statistics tables (weight, grad, update) and histogram-only kinds (e.g. from TensorBoard logs).
  const tables = [...new Set([...Object.keys(ctx.info.tables).filter(t => t !== "activation"), ...Object.keys(hk)])];
  if (!tables.length) {
    container.replaceChildren(el("p", { class: "muted" }, "This run recorded no weight, gradient or update statistics."));
    return {};
  }
  const st = { table: tables.includes("grad") ? "grad" : tables[0], key: null, field: "norm" };
  const keysOf = t => (ctx.info.tables[t] || {}).keys || hk[t] || (ctx.info.tables.weight || { keys: [] }).keys;
  st.key = keysOf(st.table)[0];
  const heat = el("div", { class: "plot", id: "hist-heatmap" });
  const stats = el("div", { class: "plot", id: "dist-stats" });
  const overview = el("div", { class: "plot", id: "dist-overview" });
  const bar = el("div", { class: "controls" });
  container.replaceChildren(bar, el("div", { class: "grid2" }, heat, stats), overview);

  function controls() {
    const fields = (ctx.info.tables[st.table] || { fields: [] }).fields;
    bar.replaceChildren(
      el("label", {}, "tensor ", select("dist-table", tables, st.table, v => { st.table = v; if (!keysOf(v).includes(st.key)) st.key = keysOf(v)[0]; if (!fields.includes(st.field)) st.field = "norm"; draw(); })),
      el("label", {}, "layer ", select("dist-key", keysOf(st.table), st.key, v => { st.key = v; draw(); })),
      el("label", {}, "overview field ", select("dist-field", fields, st.field, v => { st.field = v; draw(); })));
  }

  async function draw() {
    controls();
    const kind = st.table === "update" ? "weight" : st.table;
    const tasks = [];
    if (ctx.info.tables[st.table]) {
      tasks.push(statsChart(stats, ctx.run, st.table, st.key, st.table === "update" ? ["norm", "ratio"] : ["mean", "std", "min", "max", "norm"]),
                 overviewChart(overview, ctx.run, st.table, st.field, k => { st.key = k; draw(); }, true));
    } else {
      stats.replaceChildren(el("p", { class: "muted" }, `no per-step ${st.table} statistics recorded`));
    }
    if ((hk[kind] || []).includes(st.key)) {
      tasks.push(get("histograms", { run: ctx.run, kind, key: st.key }).then(h => {
        Plotly.react(heat, [{ type: "heatmap", x: h.edges.slice(0, -1).map((e, i) => (e + h.edges[i + 1]) / 2), y: h.step, z: h.z,
                              colorscale: "Blues", reversescale: true, colorbar: { title: { text: "count" } } }],
          { title: { text: `${kind} histogram · ${st.key}`, font: { size: 13 } }, height: 300, margin: { l: 55, r: 15, t: 35, b: 40 },
            xaxis: { title: { text: "value" } }, yaxis: { title: { text: "step" } } }, { responsive: true, displaylogo: false });
        heat.dataset.rows = h.step.length;
      }));
    } else {
      heat.replaceChildren(el("p", { class: "muted" }, `no ${kind} histograms recorded`));
    }
    await Promise.all(tasks);
  }
  await draw();
  return { update: draw };
}
