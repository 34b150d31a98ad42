// The shell: which run and panel are shown (kept in the URL hash), the tabs, and live polling.
import { get, el, debuggerPath } from "./api.js";
import * as runsPanel from "./panels/runs.js";
import * as checklist from "./panels/checklist.js";
import * as scalars from "./panels/scalars.js";
import * as distributions from "./panels/distributions.js";
import * as activations from "./panels/activations.js";
import * as tensors from "./panels/tensors.js";
import * as graph from "./panels/graph.js";
import * as data from "./panels/data.js";
import * as hparams from "./panels/hparams.js";
import * as debuggerPanel from "./panels/debugger.js";

const PANELS = [checklist, scalars, distributions, activations, tensors, graph, data, hparams, debuggerPanel];
const POLL_MS = 2000;

const state = { run: null, panel: null, compare: [], version: null, current: null, reportCache: new Map() };

export function route() {
  const p = new URLSearchParams(location.hash.slice(1));
  return { run: p.get("run"), panel: p.get("panel"), compare: (p.get("compare") || "").split(",").filter(Boolean) };
}

export function navigate(change) {
  const r = { ...route(), ...change };
  const p = new URLSearchParams();
  if (r.run) p.set("run", r.run);
  if (r.panel) p.set("panel", r.panel);
  if (r.compare && r.compare.length) p.set("compare", r.compare.join(","));
  location.hash = p.toString();
}

export function showMessage(text) {
  const m = document.getElementById("message");
  m.textContent = text || "";
  m.hidden = !text;
}

export async function report(run) {
  // One diagnosis per run and data version: the checklist, graph and runs list share it.
  const key = `${run}@${state.version}`;
  if (!state.reportCache.has(key)) state.reportCache.set(key, get("report", { run }));
  return state.reportCache.get(key);
}

async function render() {
  const r = route();
  state.compare = r.compare;
  runsPanel.highlight(r.run, r.compare);
  const tabs = document.getElementById("tabs");
  const panel = document.getElementById("panel");
  showMessage("");
  if (!r.run && !r.compare.length) {
    tabs.replaceChildren();
    panel.replaceChildren(el("p", { class: "muted" }, "Choose a run on the left (tick several to compare their curves)."));
    return;
  }
  let info = null;
  if (r.run) {
    try {
      info = await get("run", { run: r.run });
    } catch (e) {
      tabs.replaceChildren();
      panel.replaceChildren();
      showMessage(`Cannot open run ${r.run}: ${e.message}`);
      return;
    }
  }
  if (info && info.warnings.length) {
    showMessage(`This run is damaged or incomplete; what could be read is shown. ${info.warnings.slice(0, 3).join(" · ")}`);
  }
  let id = r.panel;
  if (!id) {
    if (!r.run) id = "scalars";
    else {
      // A run paused in the debugger opens on the debugger; one with findings on its diagnosis; a healthy one on its curves.
      try { if ((await get(debuggerPath(r.run, "state"))).status === "paused") id = "debugger"; } catch { /* no channel */ }
      if (!id) try { id = (await report(r.run)).report.findings.length ? "checklist" : "scalars"; }
      catch { id = "scalars"; }
    }
  }
  const mod = PANELS.find(p => p.id === id) || scalars;
  tabs.replaceChildren(...PANELS.map(p => el("a", {
    href: "#", class: p.id === mod.id ? "active" : "", "data-panel": p.id,
    onclick: ev => { ev.preventDefault(); navigate({ panel: p.id }); },
  }, p.title)));
  if (state.current && state.current.dispose) state.current.dispose();
  panel.replaceChildren();
  delete panel.dataset.ready;
  const ctx = { run: r.run, info, compare: r.compare, report: () => report(r.run), showMessage, navigate };
  try {
    state.current = (await mod.render(panel, ctx)) || {};
  } catch (e) {
    showMessage(`${mod.title}: ${e.message}`);
    state.current = {};
  }
  panel.dataset.ready = mod.id;
}

async function poll() {
  const r = route();
  if (r.run) {
    try {
      const v = await get("version", { run: r.run });
      const live = document.getElementById("live");
      live.textContent = v.status === "running" ? `● live · step ${v.steps}` : "";
      if (state.version !== null && v.version !== state.version && state.current && state.current.update) {
        state.version = v.version;
        await state.current.update();
      }
      state.version = v.version;
    } catch { /* the run may have been removed: the next render says so */ }
  }
  setTimeout(poll, POLL_MS);
}

window.addEventListener("hashchange", render);
window.addEventListener("DOMContentLoaded", async () => {
  await runsPanel.mount(document.getElementById("runs-panel"), { navigate, route, showMessage });
  await render();
  setTimeout(poll, POLL_MS);
});
