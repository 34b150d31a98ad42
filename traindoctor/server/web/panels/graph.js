// Model graph: the module tree with parameter counts and shapes, frozen/shared flags, train/eval mode,
// and every finding marked on the module (or parameter) named by its `location`. Searchable.
// The toggle "modules / ops" switches to the traced op graph (panels/opgraph.js).
import { get, el, fmt } from "../api.js";
import { renderOps } from "./opgraph.js";

export const id = "graph";
export const title = "Model graph";

// The node a location names: the module itself, or the deepest module whose name prefixes it (a parameter).
export function nodeFor(location, names) {
  if (!location) return null;
  if (names.has(location)) return location;
  let best = null;
  for (const n of names) if (location.startsWith(n + ".") && (!best || n.length > best.length)) best = n;
  return best;
}

export async function render(container, ctx) {
  const g = await get("graph", { run: ctx.run });
  if (!g.nodes.length) {
    container.replaceChildren(el("p", { class: "muted" }, "This run recorded no model structure."));
    return {};
  }
  let findings = [];
  try { findings = (await ctx.report()).report.findings; } catch (e) { ctx.showMessage(`diagnosis unavailable: ${e.message}`); }
  const names = new Set(g.nodes.map(n => n.name));
  const marks = new Map();
  for (const f of findings) {
    const n = nodeFor(f.location, names);
    if (n) (marks.get(n) || marks.set(n, []).get(n)).push(f);
  }
  const children = new Map();
  const roots = [];
  for (const n of g.nodes) {
    if (n.parent && names.has(n.parent) && n.parent !== n.name) (children.get(n.parent) || children.set(n.parent, []).get(n.parent)).push(n);
    else roots.push(n);
  }
  const detail = el("div", { id: "node-detail" });
  const search = el("input", { type: "search", id: "graph-search", placeholder: "search modules…" });

  function nodeEl(n) {
    const fs = marks.get(n.name) || [];
    const trainMode = n.modes && n.modes.train;
    const evalMode = n.modes && n.modes.eval;
    const row = el("div", { class: `node${fs.length ? " flagged" : ""}`, "data-name": n.name,
                            "data-findings": fs.map(f => f.id).join(" "), onclick: () => showDetail(n, fs) },
      el("b", {}, n.name.split(".").pop()), " ", el("span", { class: "muted" }, n.class),
      n.total_params ? el("span", { class: "tag" }, `${n.total_params.toLocaleString()} params`) : null,
      n.frozen ? el("span", { class: "tag frozen" }, "frozen") : null,
      n.shared_with.length ? el("span", { class: "tag shared", title: n.shared_with.join(", ") }, "shared") : null,
      trainMode && trainMode.training === false ? el("span", { class: "tag eval", title: `step ${trainMode.step}` }, "eval mode while training") : null,
      evalMode && evalMode.training === true ? el("span", { class: "tag eval", title: `step ${evalMode.step}` }, "train mode at evaluation") : null,
      fs.map(f => el("span", { class: "tag finding", title: f.title }, f.id)));
    const kids = children.get(n.name) || [];
    return el("div", {}, row, kids.length ? el("div", { class: "children" }, kids.map(nodeEl)) : null);
  }

  function showDetail(n, fs) {
    detail.replaceChildren(el("div", {}, el("h3", {}, n.name, " ", el("span", { class: "muted" }, n.class)),
      n.extra ? el("p", {}, el("code", {}, n.extra)) : null,
      fs.map(f => el("div", { class: `finding ${f.severity}` }, el("b", {}, f.id), " ", f.title, el("p", { class: "advice" }, f.advice))),
      el("p", {}, `parameters: ${fmt(n.total_params)} (own ${fmt(n.own_params)})`,
        n.modes && Object.keys(n.modes).length ? ` · modes: ${Object.entries(n.modes).map(([p, m]) => `${p}: ${m.training ? "train" : "eval"}`).join(", ")}` : ""),
      n.params.length ? el("table", {}, el("tr", {}, ["name", "shape", "numel", "trainable", "dtype", "device"].map(h => el("th", {}, h))),
        n.params.map(p => el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, JSON.stringify(p.shape)),
          el("td", {}, fmt(p.numel)), el("td", {}, p.requires_grad ? "yes" : "no"), el("td", {}, p.dtype), el("td", {}, p.device)))) : null,
      n.shared_with.length ? el("p", {}, "shared with: ", n.shared_with.map(s => el("code", {}, s))) : null));
  }

  const tree = el("div", { class: "tree", id: "model-tree" }, roots.map(nodeEl));
  const modulesView = el("div", { id: "graph-modules" });
  const opsView = el("div", { id: "graph-ops", hidden: true });
  const classes = new Map(g.nodes.map(n => [n.name, n.class]));
  let opsDrawn = false;
  async function show(mode) {
    modulesView.hidden = mode !== "modules";
    opsView.hidden = mode !== "ops";
    toggle.querySelectorAll("button").forEach(b => b.classList.toggle("active", b.dataset.mode === mode));
    container.dataset.mode = mode;
    if (mode === "ops" && !opsDrawn) {
      opsDrawn = true;
      try { await renderOps(opsView, ctx, { findings, nodeFor, classes }); }
      catch (e) { opsView.replaceChildren(el("p", { class: "sev-error" }, `op graph: ${e.message}`)); }
    }
  }
  const toggle = el("span", { class: "toggle", id: "graph-mode" },
    ["modules", "ops"].map(m => el("button", { "data-mode": m, onclick: () => show(m) }, m)));
  search.addEventListener("input", () => {
    const q = search.value.toLowerCase();
    let first = null;
    tree.querySelectorAll(".node").forEach(d => {
      const hit = q && (d.dataset.name.toLowerCase().includes(q) || d.textContent.toLowerCase().includes(q));
      d.classList.toggle("hit", !!hit);
      if (hit && !first) first = d;
    });
    if (first) first.scrollIntoView({ block: "nearest" });
  });
  modulesView.replaceChildren(
    el("div", { class: "controls" }, search,
      el("span", { class: "muted" }, `${fmt(g.total_params)} parameters, ${fmt(g.trainable_params)} trainable`),
      marks.size ? el("span", { class: "sev-error" }, `${[...marks.values()].flat().length} finding(s) on the graph`) : null),
    el("div", { class: "grid2" }, tree, detail));
  container.replaceChildren(el("div", { class: "controls" }, toggle), modulesView, opsView);
  const firstFlag = g.nodes.find(n => marks.has(n.name));
  if (firstFlag) showDetail(firstFlag, marks.get(firstFlag.name));
  await show("modules");
  return {};
}
