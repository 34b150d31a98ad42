// Debugger: a run started with `traindoctor run --break-on CONDITION`: its state (running, or paused at a step),
// the hits, the tensors of the paused step (statistics, a slice of values, a histogram, the previous step),
// and Continue / Step / Stop / Pause. The actions go to the run's control channel, the same one that
// `traindoctor debug RUN` uses, so a run paused from the terminal can be continued here and the other way round.
// The state is polled every 2 s while the panel is shown.
import { get, post, el, fmt, kvTable, debuggerPath } from "../api.js";
import { histogramBars } from "./common.js";

export const id = "debugger";
export const title = "Debugger";

const POLL_MS = 2000;
const HITS_EVERY_MS = 10000; // while running, the recorded hits are re-read at most this often
const ACTIONS = [["continue", "Continue"], ["step", "Step"], ["stop", "Stop"], ["pause", "Pause"]];
const ENABLED = { paused: ["continue", "step", "stop"], running: ["pause"] };

export async function render(container, ctx) {
  const st = { state: null, key: null, hitsAt: 0, hitsVersion: null, tensor: null, slice: "", bins: 20,
               timer: null, disposed: false, busy: false };
  const status = el("div", { id: "dbg-state", class: "dbg-state" });
  const runStatus = el("span", { id: "dbg-run-status", class: "muted" });
  const note = el("span", { id: "dbg-note", class: "muted" });
  const buttons = Object.fromEntries(ACTIONS.map(([a, label]) =>
    [a, el("button", { id: `dbg-${a}`, "data-action": a, disabled: true, onclick: () => act(a) }, label)]));
  const pauseHits = el("div", { id: "dbg-pause-hits" });
  const tbar = el("div", { class: "controls", id: "dbg-tensor-controls" });
  const tinfo = el("div", { id: "dbg-tensor-info" });
  const hist = el("div", { class: "plot", id: "dbg-hist" });
  const inspector = el("div", { id: "dbg-inspect" }, tbar, el("div", { class: "grid2" }, tinfo, hist));
  const recorded = el("div", { id: "dbg-hits" });
  container.replaceChildren(status, el("div", { class: "controls" }, Object.values(buttons), runStatus, note),
    pauseHits, el("h2", {}, "Tensors of the paused step"), inspector, el("h2", {}, "Recorded hits"), recorded);

  function stateText(s, v) {
    const step = s.step === undefined || s.step === null ? "" : ` at step ${s.step}`;
    switch (s.status) {
      case "paused": return `paused${step} · ${s.reason || "breakpoint"}`;
      case "running": return `running${v && v.steps !== undefined ? ` · ${v.steps} steps recorded` : ""}`;
      case "ended": return `ended: the training ran to its end${s.step !== undefined ? ` (${s.step} steps)` : ""}`;
      case "stopped": return `stopped${step} from the debugger`;
      case "gone": return `the training process is gone (it was ${s.step !== undefined ? `at step ${s.step}` : "running"})`;
      case "none": return "This run has no debugger channel: start it with `traindoctor run --break-on CONDITION script.py` " +
                          "to pause at the first hit. The hits its watchpoints recorded are below.";
      default: return String(s.status);
    }
  }

  function hitsTable(hits, idAttr) {
    if (!hits.length) return el("p", { class: "muted" }, "no hits");
    return el("table", { class: "hits", id: idAttr },
      el("tr", {}, ["step", "condition", "target", "node", "statistics", "first bad op", "watchpoint"].map(h => el("th", {}, h))),
      hits.map(h => el("tr", { "data-condition": h.condition, "data-node": h.node, "data-step": h.step, "data-target": h.target },
        el("td", {}, fmt(h.step)), el("td", {}, el("code", {}, h.condition)), el("td", {}, h.target),
        el("td", {}, el("code", {}, h.node)),
        el("td", { class: "stats" }, Object.entries(h.stats || {}).map(([k, v]) => `${k}=${fmt(v)}`).join(", ")),
        el("td", {}, h.origin && h.origin.found ? [el("code", {}, h.origin.op_name), h.origin.module ? ` in ${h.origin.module}` : ""] : "–"),
        el("td", { class: "muted" }, h.watchpoint ?? "", h.break ? " (breaks)" : ""))));
  }

  function drawPauseHits(s) {
    if (s.status !== "paused") { pauseHits.replaceChildren(); return; }
    pauseHits.replaceChildren(el("h2", {}, s.hits && s.hits.length ? `Hits at step ${s.step}` : `Paused at step ${s.step} (${s.reason})`),
      s.hits && s.hits.length ? hitsTable(s.hits, "dbg-pause-table") : el("p", { class: "muted" }, "no watchpoint hit at this step"));
  }

  async function drawRecorded(force) {
    const v = st.version;
    const due = force || (v !== st.hitsVersion && Date.now() - st.hitsAt >= HITS_EVERY_MS);
    if (!due) return;
    st.hitsAt = Date.now();
    st.hitsVersion = v;
    const d = await get(debuggerPath(ctx.run, "hits"));
    recorded.replaceChildren(hitsTable(d.hits, "dbg-hits-table"));
    recorded.dataset.count = d.hits.length;
  }

  function pickTensor(s) {
    const ts = s.tensors || [];
    if (st.tensor && ts.includes(st.tensor)) return st.tensor;
    for (const h of s.hits || []) {
      if (ts.includes(`${h.target}:${h.node}`)) return `${h.target}:${h.node}`;
    }
    return ts[0] || null;
  }

  async function drawInspector(s) {
    if (s.status !== "paused") {
      tbar.replaceChildren();
      tinfo.replaceChildren(el("p", { class: "muted" }, "Tensors can be inspected while the run is paused (press Pause, or start it with --break-on)."));
      Plotly.purge(hist);
      hist.replaceChildren();
      hist.hidden = true;
      delete inspector.dataset.tensor;
      delete inspector.dataset.step;
      return;
    }
    st.tensor = pickTensor(s);
    hist.hidden = false;
    const slice = el("input", { id: "dbg-slice", size: 14, placeholder: "e.g. 0:2,0:8", value: st.slice });
    const bins = el("input", { id: "dbg-bins", type: "number", min: 1, max: 256, value: st.bins, style: "width:5em" });
    const choose = el("select", { id: "dbg-tensor", onchange: ev => { st.tensor = ev.target.value; inspect(); } },
      (s.tensors || []).map(t => el("option", { value: t, selected: t === st.tensor }, t)));
    const go = () => { st.slice = slice.value.trim(); st.bins = Math.max(1, Math.min(256, +bins.value || 20)); inspect(); };
    slice.addEventListener("change", go);
    bins.addEventListener("change", go);
    tbar.replaceChildren(el("label", {}, "tensor ", choose), el("label", {}, "slice ", slice), el("label", {}, "bins ", bins),
      el("button", { id: "dbg-inspect-go", onclick: go }, "Inspect"));
    await inspect();
  }

  async function inspect() {
    if (!st.tensor) { tinfo.replaceChildren(el("p", { class: "muted" }, "no tensor kept at this step")); return; }
    let a;
    try {
      a = await get(debuggerPath(ctx.run, "tensor"), { name: st.tensor, slice: st.slice || null, bins: st.bins });
    } catch (e) {
      tinfo.replaceChildren(el("p", { class: "sev-error" }, `cannot inspect ${st.tensor}: ${e.message}`));
      return;
    }
    const cur = (a.current && a.current.stats) || {}, prev = (a.previous && a.previous.stats) || null;
    const fields = [...new Set([...Object.keys(cur), ...Object.keys(prev || {})])];
    const values = a.slice.values;
    const shape = a.slice.shape;
    const cols = shape.length >= 2 ? shape[shape.length - 1] : values.length;
    const rows = [];
    for (let i = 0; i < values.length; i += Math.max(cols, 1)) rows.push(values.slice(i, i + Math.max(cols, 1)));
    tinfo.replaceChildren(...[
      el("h3", {}, el("code", {}, a.tensor), ` at step ${a.step}`),
      el("div", { id: "dbg-stats" }, kvTable(a.stats)),
      el("h3", {}, `slice ${a.slice.spec} · shape [${shape.join(", ")}]`),
      el("table", { class: "slice", id: "dbg-slice-values" }, rows.map(r => el("tr", {}, r.map(v => el("td", { class: typeof v === "string" ? "sev-error" : "" }, fmt(v)))))),
      el("h3", {}, `this step and the previous one (${a.previous.step})`),
      fields.length ? el("table", { class: "kv", id: "dbg-compare" },
        el("tr", {}, el("th", {}, ""), el("th", {}, `step ${a.step}`), el("th", {}, `step ${a.previous.step}`)),
        fields.map(f => el("tr", {}, el("th", {}, f), el("td", {}, fmt(cur[f])), el("td", {}, prev ? fmt(prev[f]) : "–"))))
        : el("p", { class: "muted" }, "no watched statistics of this tensor"),
      prev ? null : el("p", { class: "muted" }, "the previous step's statistics were not recorded")].filter(Boolean));
    const counts = a.histogram.counts;
    histogramBars(hist, a.histogram.edges.map(Number), counts, `${a.tensor} · finite values at step ${a.step}`);
    hist.dataset.total = counts.reduce((x, y) => x + y, 0);
    inspector.dataset.tensor = a.tensor;
    inspector.dataset.step = a.step;
  }

  async function refresh() {
    const s = await get(debuggerPath(ctx.run, "state"));
    let v = null;
    try { v = await get("version", { run: ctx.run }); } catch { /* the run's records may be unreadable for a moment */ }
    if (st.disposed) return;
    st.state = s;
    st.version = v && v.version;
    status.textContent = stateText(s, v);
    status.className = `dbg-state ${s.status}`;
    status.dataset.status = s.status;
    if (s.step !== undefined && s.step !== null) status.dataset.step = s.step; else delete status.dataset.step;
    runStatus.textContent = v ? `run: ${v.status}` : "";
    runStatus.dataset.status = v ? v.status : "";
    const on = st.busy ? [] : ENABLED[s.status] || [];
    for (const [a, b] of Object.entries(buttons)) b.disabled = !on.includes(a);
    const key = `${s.status}@${s.step}@${s.time}`;
    if (key !== st.key) {
      st.key = key;
      drawPauseHits(s);
      await Promise.all([drawInspector(s), drawRecorded(true)]);
    } else {
      await drawRecorded(false);
    }
    container.dataset.dbgKey = key;
  }

  async function act(action) {
    st.busy = true;
    for (const b of Object.values(buttons)) b.disabled = true;
    note.textContent = `${action}…`;
    try {
      const answer = await post(debuggerPath(ctx.run, action));
      note.textContent = `${action}: ${answer.note || "ok"}`;
      ctx.showMessage("");
    } catch (e) {
      note.textContent = "";
      ctx.showMessage(`${action}: ${e.message}`);
    } finally {
      st.busy = false;
    }
    await tick();
  }

  async function tick() {
    if (st.disposed) return;
    clearTimeout(st.timer);
    try {
      await refresh();
    } catch (e) {
      if (!st.disposed) status.textContent = `cannot read the debugger state: ${e.message}`;
    }
    clearTimeout(st.timer);
    if (!st.disposed) st.timer = setTimeout(tick, POLL_MS);
  }

  await refresh();
  st.timer = setTimeout(tick, POLL_MS);
  return {
    update: () => drawRecorded(false),
    dispose: () => { st.disposed = true; clearTimeout(st.timer); },
  };
}
