// Runs: every run under the log directory with status, start, steps and top finding; filter; tick to compare.
import { get, el } from "../api.js";

const REFRESH_MS = 5000;
let shell, root, rows = [], filter = "", sortBy = "name", tops = new Map(), pending = new Set();
const SORTS = {
  name: (a, b) => a.id.localeCompare(b.id),
  newest: (a, b) => (b.start_time || 0) - (a.start_time || 0),
  status: (a, b) => a.status.localeCompare(b.status) || a.id.localeCompare(b.id),
};
const picked = new Set();  // ticked for comparison; survives the periodic refresh of the list

export async function mount(container, ctx) {
  shell = ctx;
  root = container;
  const input = el("input", { type: "search", id: "run-filter", placeholder: "filter runs by name…", style: "width:100%" });
  input.addEventListener("input", () => { filter = input.value.toLowerCase(); draw(); });
  const compareBtn = el("button", { id: "compare-btn", onclick: () => {
    const ids = rows.map(r => r.id).filter(id => picked.has(id));
    if (ids.length) shell.navigate({ run: ids[0], compare: ids, panel: "scalars" });
  } }, "Compare ticked runs");
  const sort = el("select", { id: "run-sort", onchange: ev => { sortBy = ev.target.value; draw(); } },
    Object.keys(SORTS).map(k => el("option", { value: k }, k === "newest" ? "newest first" : `by ${k}`)));
  root.append(el("h3", {}, "Runs"), input, el("div", { class: "controls" }, compareBtn, sort), el("div", { id: "runs-list" }));
  await load();
  setInterval(load, REFRESH_MS);
}

async function load() {
  try {
    const data = await get("runs");
    document.getElementById("logdir").textContent = data.logdir;
    rows = data.runs;
    for (const r of rows) if (r.diagnosed) tops.set(r.id, { top: r.top, steps: r.steps });
    draw();
    fillTops();
  } catch (e) {
    shell.showMessage(`Cannot list runs: ${e.message}`);
  }
}

function visible() {
  return rows.filter(r => !filter || r.name.toLowerCase().includes(filter) || r.id.toLowerCase().includes(filter))
    .sort(SORTS[sortBy]);
}

async function fillTops() {
  // Diagnoses are computed on demand, a few runs at a time, for the rows a user can see.
  const todo = visible().filter(r => !tops.has(r.id) && !pending.has(r.id) && r.status !== "unreadable").slice(0, 100);
  for (let i = 0; i < todo.length; i += 8) {
    const batch = todo.slice(i, i + 8);
    batch.forEach(r => pending.add(r.id));
    try {
      const got = await get("top", { run: batch.map(r => r.id) });
      for (const [id, v] of Object.entries(got)) tops.set(id, v);
    } catch { /* shown as unknown */ }
    batch.forEach(r => pending.delete(r.id));
    draw();
  }
}

function topCell(r) {
  const t = tops.get(r.id);
  if (!t) return el("span", { class: "muted" }, "…");
  if (t.error) return el("span", { class: "muted", title: t.error }, "diagnosis failed");
  if (!t.top) return el("span", { class: "sev-ok muted" }, "no finding");
  return el("span", { class: `sev-${t.top.severity}`, title: t.top.title }, t.top.id);
}

function draw() {
  const cur = shell.route();
  const list = root.querySelector("#runs-list");
  const vis = visible();
  const table = el("table", { class: "runs-table" },
    el("tr", {}, el("th", {}, ""), el("th", {}, "run"), el("th", {}, "status"), el("th", {}, "steps"), el("th", {}, "top finding")),
    vis.slice(0, 500).map(r => el("tr", { class: r.id === cur.run ? "current" : "", "data-run": r.id },
      el("td", {}, el("input", { type: "checkbox", class: "pick", value: r.id, checked: picked.has(r.id),
        onchange: ev => { ev.target.checked ? picked.add(r.id) : picked.delete(r.id); } })),
      el("td", { class: "name" }, el("a", { href: "#", title: r.error || r.id,
        onclick: ev => { ev.preventDefault(); shell.navigate({ run: r.id, panel: null, compare: [] }); } }, r.id === "." ? r.name : r.id),
        el("div", { class: "muted" }, r.start_time ? new Date(r.start_time * 1000).toLocaleString() : "")),
      el("td", {}, el("span", { class: `status ${r.status}` }, r.status)),
      el("td", {}, String(r.steps)),
      el("td", {}, topCell(r)))));
  const note = vis.length > 500 ? el("p", { class: "muted" }, `${vis.length - 500} more: narrow the filter`) : null;
  list.replaceChildren(table, ...(note ? [note] : []), el("p", { class: "muted" }, `${vis.length} of ${rows.length} runs`));
}

export function highlight(run, compare) {
  if (compare && compare.length) { picked.clear(); compare.forEach(id => picked.add(id)); }
  if (root) draw();
}
