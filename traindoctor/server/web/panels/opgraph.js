// The op view of the Model graph panel: the ATen ops of one traced forward pass (recorded once per model at its
// first training forward), grouped by the module they ran in, in execution order. A layered drawing (layer: the
// longest chain of ops before an op) gives the shape of the graph; the list below gives every op with its output
// shape and where each input came from (an earlier op, a parameter, the batch). Clicking an op marks the ops it
// reads from and those that read it; the search box finds ops by name, module or parameter; a finding whose
// location names a module marks that module's ops.
import { get, el, PLOT_CONFIG } from "../api.js";

const shape = d => (d.shape ? `[${d.shape.join(", ")}]` : "[?]");

// Positions of the ops inside their layers, ordered so that edges cross little: a few sweeps that sort each
// layer by the mean position of the ops it reads from (forwards), then of the ops that read it (backwards).
export function layerPositions(ops) {
  const layers = [];
  for (const o of ops) (layers[o.layer] || (layers[o.layer] = [])).push(o.id);
  const pos = new Array(ops.length).fill(0);
  const place = () => layers.forEach(ids => ids && ids.forEach((id, k) => { pos[id] = k; }));
  const mean = xs => (xs.length ? xs.reduce((a, b) => a + pos[b], 0) / xs.length : null);
  const sortBy = (ids, key) => {
    const keyed = ids.map((id, k) => [mean(key(id)) ?? k, k, id]);
    keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return keyed.map(x => x[2]);
  };
  const sources = id => ops[id].in.filter(x => x.from && x.from[0] < id).map(x => x.from[0]);
  place();
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let l = 1; l < layers.length; l++) if (layers[l]) { layers[l] = sortBy(layers[l], sources); place(); }
    for (let l = layers.length - 2; l >= 0; l--) if (layers[l]) { layers[l] = sortBy(layers[l], id => ops[id].users); place(); }
  }
  return pos;
}

export async function renderOps(container, ctx, { findings, nodeFor, classes }) {
  const data = await get("opgraph", { run: ctx.run });
  if (!data.graphs.length) {
    container.replaceChildren(el("p", { class: "muted", id: "op-none" }, data.why_none));
    return;
  }
  const st = { graph: 0, selected: null };
  const bar = el("div", { class: "controls" });
  const summary = el("p", { class: "muted", id: "op-summary" });
  const dag = el("div", { class: "plot", id: "op-dag" });
  const listEl = el("div", { class: "oplist", id: "op-list" });
  container.replaceChildren(bar, summary, dag, listEl);

  function draw() {
    const g = data.graphs[st.graph];
    const ops = g.ops;
    const moduleNames = new Set(ops.map(o => o.module).filter(Boolean));
    for (const n of classes.keys()) moduleNames.add(n);
    // A finding marks the ops of the module its location names, and of the modules inside it.
    const flags = new Map();
    for (const f of findings) {
      const m = nodeFor(f.location, moduleNames);
      if (m) (flags.get(m) || flags.set(m, []).get(m)).push(f);
    }
    const flagsOf = module => {
      if (!module) return [];
      const out = [];
      for (const [m, fs] of flags) if (module === m || module.startsWith(m + ".")) out.push(...fs);
      return out;
    };
    const search = el("input", { type: "search", id: "op-search", placeholder: "search ops, modules, parameters…", size: 32 });
    bar.replaceChildren(...[
      data.graphs.length > 1 ? el("label", {}, "model ", el("select", { id: "op-root", onchange: ev => { st.graph = +ev.target.value; draw(); } },
        data.graphs.map((x, i) => el("option", { value: i, selected: i === st.graph }, x.root)))) : null,
      search].filter(Boolean));
    summary.replaceChildren(`${ops.length} ops of ${g.root} (${g.class}), traced at step ${g.step}`,
      g.grad_enabled ? "" : ", under no_grad", g.autocast ? ", under autocast" : "",
      g.compiled_modules ? ` · compiled by torch.compile: ${g.compiled_modules.join(", ")} (the ops of their fused kernels are not seen)` : "",
      g.truncated ? el("span", { class: "sev-warning", id: "op-truncated" }, ` · truncated: the forward ran ${g.total_ops} ops, the first ${g.recorded_ops} are kept`) : "",
      flags.size ? el("span", { class: "sev-error" }, ` · ${[...flags.values()].flat().length} finding(s) on the graph`) : "");

    // The layered drawing: x = layer, y = position in the layer; edges from producer to consumer.
    const pos = layerPositions(ops);
    const ex = [], ey = [];
    for (const o of ops) for (const inp of o.in) if (inp.from && inp.from[0] < o.id) {
      const s = ops[inp.from[0]];
      ex.push(s.layer, o.layer, null);
      ey.push(pos[s.id], pos[o.id], null);
    }
    const modules = [...new Set(ops.map(o => o.module || "(outside any module)"))];
    const nodeTraces = modules.map(m => {
      const mine = ops.filter(o => (o.module || "(outside any module)") === m);
      const flagged = flagsOf(m).length > 0;
      return { type: "scatter", mode: "markers", name: m, x: mine.map(o => o.layer), y: mine.map(o => pos[o.id]),
               customdata: mine.map(o => o.id), text: mine.map(o => `#${o.id} ${o.op} in ${m} → ${o.out.map(shape).join(", ")}`),
               hovertemplate: "%{text}<extra></extra>",
               marker: { size: 9, symbol: flagged ? "diamond" : "circle", line: flagged ? { color: "#d62728", width: 2 } : undefined } };
    });
    Plotly.react(dag, [{ type: "scatter", mode: "lines", x: ex, y: ey, hoverinfo: "skip", showlegend: false,
                         line: { color: "#bbb", width: 1 } }, ...nodeTraces],
      { height: 320, margin: { l: 40, r: 15, t: 30, b: 40 }, title: { text: "ops by layer (edges: data flow)", font: { size: 13 } },
        xaxis: { title: { text: "layer" }, zeroline: false }, yaxis: { visible: false, autorange: "reversed" },
        legend: { font: { size: 10 } } }, PLOT_CONFIG);
    dag.dataset.ops = ops.length;
    dag.removeAllListeners && dag.removeAllListeners("plotly_click");
    dag.on && dag.on("plotly_click", ev => {
      const p = ev.points && ev.points[0];
      if (p && p.customdata !== undefined) pick(p.customdata, true);
    });

    // The list: consecutive ops of one module form a group.
    const groups = [];
    for (const o of ops) {
      const last = groups[groups.length - 1];
      if (last && last.module === o.module) last.ops.push(o);
      else groups.push({ module: o.module, ops: [o] });
    }
    const rows = new Map();
    const inputChip = inp => {
      if (inp.from) return el("a", { href: "#", class: "chip from", "data-ref": inp.from[0],
                                      onclick: ev => { ev.preventDefault(); pick(inp.from[0], true); } }, `#${inp.from[0]}`);
      if (inp.param) return el("span", { class: "chip param", title: `${shape(inp)} ${inp.dtype}` }, inp.param);
      return el("span", { class: "chip input", title: inp.dtype }, `input ${shape(inp)}`);
    };
    listEl.replaceChildren(...groups.map(gr => {
      const fs = flagsOf(gr.module);
      const depth = gr.module ? gr.module.split(".").length - 1 : 0;
      return el("div", { class: `op-group${fs.length ? " flagged" : ""}`, "data-module": gr.module || "", style: `margin-left:${Math.min(depth, 8) * 1.2}em`,
                         "data-findings": fs.map(f => f.id).join(" ") },
        el("div", { class: "op-module" }, el("b", {}, gr.module || "(outside any module)"), " ",
          el("span", { class: "muted" }, classes.get(gr.module) || ""), fs.map(f => el("span", { class: "tag finding", title: f.title }, f.id))),
        gr.ops.map(o => {
          const row = el("div", { class: "op", "data-op": o.id, "data-name": o.op, onclick: () => pick(o.id, false) },
            el("span", { class: "muted" }, `#${o.id}`), " ", el("b", {}, o.op), " ",
            el("span", { class: "tag" }, `L${o.layer}`), " ← ", o.in.length ? o.in.map(inputChip) : el("span", { class: "muted" }, "nothing"),
            " → ", o.out.map(d => el("code", {}, `${shape(d)} ${d.dtype}`)));
          rows.set(o.id, row);
          return row;
        }));
    }));

    function pick(i, scroll) {
      st.selected = i;
      const o = ops[i];
      const sources = new Set(o.in.filter(x => x.from).map(x => x.from[0]));
      const users = new Set(o.users);
      for (const [k, r] of rows) {
        r.classList.toggle("selected", k === i);
        r.classList.toggle("src", sources.has(k));
        r.classList.toggle("dst", users.has(k));
      }
      if (scroll) rows.get(i).scrollIntoView({ block: "nearest" });
      listEl.dataset.selected = i;
    }

    search.addEventListener("input", () => {
      const q = search.value.trim().toLowerCase();
      let first = null, n = 0;
      for (const o of ops) {
        const r = rows.get(o.id);
        const hit = !!q && (o.op.toLowerCase().includes(q) || (o.module || "").toLowerCase().includes(q) ||
                            o.in.some(x => x.param && x.param.toLowerCase().includes(q)));
        r.classList.toggle("hit", hit);
        if (hit) { n += 1; if (!first) first = r; }
      }
      listEl.dataset.hits = n;
      if (first) first.scrollIntoView({ block: "nearest" });
    });
  }

  draw();
  container.dataset.ops = data.graphs[st.graph].ops.length;
}
