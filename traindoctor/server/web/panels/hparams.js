// Hyperparameters and environment: optimizers and their groups, changes over time, data loaders, the machine.
import { get, el, fmt, kvTable } from "../api.js";

export const id = "hparams";
export const title = "Hyperparameters";

export async function render(container, ctx) {
  const draw = async () => {
    const h = await get("hparams", { run: ctx.run });
    const parts = [el("h3", {}, "Run"), kvTable(h.meta)];
    for (const o of h.optimizers) {
      parts.push(el("h3", {}, `Optimizer ${o.index}: ${o.class}`), kvTable(o.defaults));
      o.groups.forEach((g, i) => parts.push(el("h4", {}, `group ${i} (${g.params.length} tensors)`),
        kvTable(Object.fromEntries(Object.entries(g).filter(([k]) => k !== "params")))));
    }
    if (h.hparam_changes.length > h.optimizers.length) {
      parts.push(el("h3", {}, "Changes over time"), el("table", { id: "hparam-changes" },
        h.hparam_changes.slice(0, 200).map(c => el("tr", {}, el("td", {}, `step ${c.step}`), el("td", {}, `opt ${c.optimizer} group ${c.group}`),
          el("td", {}, Object.entries(c).filter(([k]) => !["kind", "step", "optimizer", "group", "rank"].includes(k)).map(([k, v]) => `${k}=${fmt(v)}`).join(", "))))));
    }
    for (const l of h.dataloaders) parts.push(el("h3", {}, `Data loader ${l.loader}: ${l.name || ""} (${l.role || "?"})`),
      kvTable(Object.fromEntries(Object.entries(l).filter(([k]) => !["kind", "loader", "name"].includes(k)))));
    parts.push(el("h3", {}, "Environment"), kvTable(h.environment));
    if (h.end) parts.push(el("h3", {}, "End"), kvTable(Object.fromEntries(Object.entries(h.end).filter(([k]) => k !== "kind"))));
    container.replaceChildren(el("div", {}, parts));
  };
  await draw();
  return { update: draw };
}
