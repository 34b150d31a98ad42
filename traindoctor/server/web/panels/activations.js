// Activations: per-module output statistics over time, dead (ReLU) and saturated (sigmoid/tanh) fractions.
import { el } from "../api.js";
import { statsChart, overviewChart, select } from "./common.js";

export const id = "activations";
export const title = "Activations";

export async function render(container, ctx) {
  const t = ctx.info.tables.activation;
  if (!t || !t.keys.length) {
    container.replaceChildren(el("p", { class: "muted" }, "This run recorded no activation statistics."));
    return {};
  }
  const st = { key: t.keys[0], field: "dead_frac" };
  const bar = el("div", { class: "controls" });
  const fracs = el("div", { class: "plot", id: "act-fracs" });
  const stats = el("div", { class: "plot", id: "act-stats" });
  const overview = el("div", { class: "plot", id: "act-overview" });
  container.replaceChildren(bar, el("div", { class: "grid2" }, fracs, stats), overview);
  async function draw() {
    bar.replaceChildren(
      el("label", {}, "module ", select("act-key", t.keys, st.key, v => { st.key = v; draw(); })),
      el("label", {}, "overview field ", select("act-field", t.fields, st.field, v => { st.field = v; draw(); })));
    await Promise.all([
      statsChart(fracs, ctx.run, "activation", st.key, ["zero_frac", "dead_frac", "sat_frac"]),
      statsChart(stats, ctx.run, "activation", st.key, ["mean", "std", "min", "max"]),
      overviewChart(overview, ctx.run, "activation", st.field, k => { st.key = k; draw(); }),
    ]);
  }
  await draw();
  return { update: draw };
}
