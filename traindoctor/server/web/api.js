// Every request to the server goes through here: errors become exceptions with the server's message.
export async function get(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, item);
  }
  const res = await fetch(`/api/${path}${q.toString() ? "?" + q : ""}`, { credentials: "same-origin" });
  let body;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok || body === null) {
    throw new Error((body && body.error) || `${res.status} ${res.statusText}`);
  }
  return body;
}

// A request that changes something (the debugger's actions): the server wants the X-Traindoctor header on it.
export async function post(path) {
  const res = await fetch(`/api/${path}`, { method: "POST", credentials: "same-origin", headers: { "X-Traindoctor": "1" } });
  let body;
  try { body = await res.json(); } catch { body = null; }
  if (!res.ok || body === null) {
    throw new Error((body && body.error) || `${res.status} ${res.statusText}`);
  }
  return body;
}

// The debugger's routes name the run in the path: /api/runs/<id>/debugger/<what> ("." is the empty segment).
export function debuggerPath(run, what) {
  const id = run === "." ? "" : run.split("/").map(encodeURIComponent).join("/");
  return `runs/${id}/debugger/${what}`;
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function fmt(v, digits = 4) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(digits)));
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

// Seconds since the epoch under a key such as start_time are shown as a date.
const asTime = (k, v) => /(^|_)time$/.test(k) && typeof v === "number" && v > 1e9 ? new Date(v * 1000).toLocaleString() : fmt(v);

export function kvTable(obj) {
  return el("table", { class: "kv" }, Object.entries(obj || {}).map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, asTime(k, v)))));
}

export const PLOT_CONFIG = { responsive: true, displaylogo: false };
