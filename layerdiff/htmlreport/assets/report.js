// The report page: a zoomable treemap of the page's data (d3-hierarchy lays it out), the steps table and, for
// a diff, the table of changed paths. Everything it shows comes from the JSON in #data; it loads nothing.
"use strict";
(function () {
  const page = JSON.parse(document.getElementById("data").textContent);
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";

  // formatSize is layerdiff.FormatSize (Go) digit for digit: decimal units, one decimal under 9.95, the same
  // float operations, and Go's round-half-to-even where a value is exactly halfway (JS's toFixed rounds up).
  function formatSize(n) {
    if (n < 0) return "-" + formatSize(-n);
    if (n < 1000) return n + " B";
    let v = n;
    for (const u of ["kB", "MB", "GB", "TB", "PB", "EB"]) {
      v /= 1000;
      if (v < 999.5) {
        if (v < 9.95) {
          const q = v * 4;
          if (Number.isInteger(q) && q % 2 === 1) {
            let tenths = Math.floor(v * 10);
            if (tenths % 2 === 1) tenths++;
            return (tenths / 10).toFixed(1) + " " + u;
          }
          return v.toFixed(1) + " " + u;
        }
        return Math.round(v).toFixed(0) + " " + u;
      }
    }
    return v.toFixed(0) + " EB";
  }
  function signed(n) { return n > 0 ? "+" + formatSize(n) : formatSize(n); }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const palette = ["#7aa6d9", "#8fc79a", "#e8b86d", "#c49bd8", "#7fc8c8", "#e69a8f", "#b7c26b", "#d9a3c0", "#9fb1c9", "#d6c08a"];
  const stepColor = (s) => palette[s % palette.length];
  const changeNames = { added: "added", grew: "grew", deleted: "deleted", shrank: "shrank", changed: "changed, same size", same: "unchanged" };

  // ---------------------------------------------------------------- header

  function header() {
    const t = $("totals");
    const layers = page.steps.filter((s) => s.layer !== null).length;
    const left = Object.values(page.leftovers || {}).reduce((a, b) => a + b, 0);
    const parts = [];
    if (page.kind === "diff") {
      const s = page.diff.summary;
      parts.push(`growth <b>${signed(s.growth)}</b> (A ${formatSize(s.size_a)}, B ${formatSize(s.size_b)})`);
      parts.push(`${s.added} added, ${s.deleted} deleted, ${s.modified} modified paths`);
      parts.push(`${s.shared_layers} shared layers, ${s.only_a_layers} only in A, ${s.only_b_layers} only in B`);
    } else {
      parts.push(`<b>${formatSize(page.size)}</b> of files in ${layers} layers (tar ${formatSize(page.tar_size)})`);
    }
    const of = page.kind === "diff" ? "B: " : "";
    parts.push(`${of}<b>${formatSize(page.wasted)}</b> wasted`);
    parts.push(`${of}<b>${formatSize(left)}</b> package-manager and temporary leftovers`);
    t.innerHTML = parts.join(" · ");
    const a = page.alignment;
    if (a && !a.complete && a.message) $("alignment").textContent = "The Dockerfile matches the image only in part: " + a.message;
  }

  // ---------------------------------------------------------------- treemap

  let view = page.kind === "diff" ? "changes" : "image";
  let stack = []; // the nodes from the root to the one shown
  const tip = $("tip");

  function treeFor(v) { return v === "changes" ? page.changes : page.tree; }

  // stepOf returns the step index of a hierarchy node, looking up through it and the focus stack.
  function stepOf(h) {
    for (let a = h; a; a = a.parent) if (a.data.s >= 0) return a.data.s;
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i].s >= 0) return stack[i].s;
    return -1;
  }
  // pathOf returns the path of a hierarchy node under its step: the directories of the focus stack below the
  // step, then the node's own ancestors below it.
  function pathOf(h) {
    const names = [];
    for (let i = 2; i < stack.length; i++) names.push(stack[i].n);
    const own = h.ancestors().reverse().slice(1);
    for (const a of own) if (stack.length - 1 + a.depth >= 2) names.push(a.data.n);
    return names.join("/");
  }
  // leafClass names how a leaf is drawn: hatched when wasted; in a diff, by its change (B's unchanged files
  // grey, or dotted when leftovers); for one image, dotted when leftovers, else in its step's colour ("").
  function leafClass(d) {
    if (d.w) return "wasted";
    if (page.kind === "diff") {
      if (d.d) return "c-" + d.d;
      return d.l ? "leftover" : "c-same";
    }
    return d.l ? "leftover" : "";
  }

  function render() {
    const svg = $("treemap");
    const W = Math.max(480, Math.min(1400, document.documentElement.clientWidth - 48));
    const H = Math.max(360, Math.min(640, Math.round(W * 0.55)));
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    while (svg.lastChild && svg.lastChild.nodeName !== "defs") svg.removeChild(svg.lastChild);

    const focus = stack[stack.length - 1];
    const root = d3.hierarchy(focus, (d) => d.k).sum((d) => (d.k ? 0 : d.b || 0)).sort((a, b) => b.value - a.value);
    // A group gets a header (its name and size) and a margin only where there is room for them: small
    // directories are drawn as their files alone.
    const roomy = (n) => n.depth > 0 && n.x1 - n.x0 > 48 && n.y1 - n.y0 > 36;
    d3.treemap().tile(d3.treemapSquarify).size([W, H]).round(false)
      .paddingInner(1).paddingOuter((n) => (roomy(n) ? 2 : 0)).paddingTop((n) => (roomy(n) ? 15 : 0))(root);

    const g = document.createElementNS(SVG, "g");
    for (const h of root.descendants()) {
      if (h.depth === 0) continue;
      // Every node is drawn, even those under a pixel: what the page holds adds up to the image's bytes.
      const w = h.x1 - h.x0, hh = h.y1 - h.y0;
      const isStep = h.data.s >= 0;
      if (h.children) {
        const r = rect(g, h, "group" + (isStep ? " step" : ""));
        r.dataset.bytes = h.value;
        if (isStep) r.dataset.step = h.data.s;
        if (!roomy(h)) continue;
        const head = rect(g, { x0: h.x0, y0: h.y0, x1: h.x1, y1: Math.min(h.y1, h.y0 + 14) }, "head" + (isStep ? " step" : ""));
        head.dataset.bytes = h.value;
        bind(head, h);
        if (w > 40) label(g, h.x0 + 3, h.y0 + 11, h.data.n + "  " + formatSize(h.value), w - 6, "head");
        continue;
      }
      const cls = leafClass(h.data);
      const r = rect(g, h, "leaf " + cls + (isStep ? " step" : ""));
      if (cls === "") r.style.fill = stepColor(stepOf(h));
      r.dataset.bytes = h.data.b || 0;
      r.dataset.step = stepOf(h);
      r.dataset.path = pathOf(h);
      if (h.data.c) r.dataset.count = h.data.c;
      if (h.data.w) r.dataset.wasted = "1";
      if (h.data.l) r.dataset.leftover = h.data.l;
      if (h.data.d) r.dataset.change = h.data.d;
      bind(r, h);
      if (w > 60 && hh > 16) label(g, h.x0 + 3, h.y0 + 12, h.data.n, w - 6, "");
      if (w > 60 && hh > 30) label(g, h.x0 + 3, h.y0 + 25, formatSize(h.data.b || 0), w - 6, "");
    }
    svg.appendChild(g);
    crumbs();
    legend(root);
  }
  function rect(g, h, cls) {
    const r = document.createElementNS(SVG, "rect");
    r.setAttribute("x", h.x0.toFixed(2));
    r.setAttribute("y", h.y0.toFixed(2));
    r.setAttribute("width", Math.max(0, h.x1 - h.x0).toFixed(2));
    r.setAttribute("height", Math.max(0, h.y1 - h.y0).toFixed(2));
    r.setAttribute("class", cls.trim());
    g.appendChild(r);
    return r;
  }
  function label(g, x, y, text, width, cls) {
    const max = Math.floor(width / 6.5);
    if (max < 3) return;
    const t = document.createElementNS(SVG, "text");
    t.setAttribute("x", x);
    t.setAttribute("y", y);
    if (cls) t.setAttribute("class", cls);
    t.textContent = text.length > max ? text.slice(0, max - 1) + "…" : text;
    g.appendChild(t);
  }
  function bind(r, h) {
    r.addEventListener("click", () => zoomTo(h));
    r.addEventListener("mousemove", (ev) => {
      const d = h.data;
      const s = stepOf(h);
      const lines = [];
      const p = pathOf(h);
      lines.push(h.children ? (p ? p + "/" : d.n) : p || d.n);
      lines.push(formatSize(h.value) + (d.c ? ` in ${d.c} files` : ""));
      if (d.w) lines.push("wasted: a later layer overwrites or deletes it");
      if (d.l) lines.push("leftover: " + d.l + " cache");
      if (d.d) lines.push(changeNames[d.d]);
      if (s >= 0) lines.push(page.steps[s].label);
      tip.textContent = lines.join("\n");
      tip.style.whiteSpace = "pre-line";
      tip.hidden = false;
      tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - 540) + "px";
      tip.style.top = ev.clientY + 14 + "px";
    });
    r.addEventListener("mouseleave", () => { tip.hidden = true; });
  }
  // zoomTo shows the child of the current node that holds h.
  function zoomTo(h) {
    let a = h;
    while (a.depth > 1) a = a.parent;
    if (!a.children) return;
    stack.push(a.data);
    render();
  }
  function zoomStep(s) {
    const tree = treeFor(view);
    const n = (tree.k || []).find((c) => c.s === s);
    if (!n) return;
    stack = [tree, n];
    render();
    $("map").scrollIntoView({ behavior: "smooth", block: "start" });
  }
  function crumbs() {
    const c = $("crumbs");
    c.textContent = "";
    stack.forEach((n, i) => {
      if (i > 0) c.appendChild(el("span", { class: "sep" }, i === 2 ? "›" : i > 2 ? "/" : "›"));
      const a = el("a", {}, i === 0 ? (page.kind === "diff" ? (view === "changes" ? "all changes" : "image B") : "image") : n.n);
      a.addEventListener("click", () => { stack = stack.slice(0, i + 1); render(); });
      c.appendChild(a);
    });
  }
  function legend(root) {
    const l = $("legend");
    l.textContent = "";
    const sums = {};
    for (const h of root.leaves()) {
      const k = leafClass(h.data) || "plain";
      sums[k] = (sums[k] || 0) + (h.data.b || 0);
    }
    const item = (cls, name, swatchStyle) => {
      const s = el("span", { "data-class": cls });
      const sw = el("span", { class: "sw" });
      sw.style.background = swatchStyle;
      s.appendChild(sw);
      s.appendChild(document.createTextNode(`${name} ${formatSize(sums[cls] || 0)}`));
      l.appendChild(s);
    };
    if (page.kind !== "diff") {
      l.appendChild(el("span", {}, "Colour: the step that wrote the file."));
    } else {
      // B's own files: a deleted path is not among them.
      const kinds = view === "changes" ? ["added", "grew", "deleted", "shrank", "changed"] : ["added", "grew", "shrank", "changed", "same"];
      for (const k of kinds) {
        item("c-" + k, changeNames[k], `var(--${k})`);
      }
    }
    if (view !== "changes") item("wasted", "hatched red: wasted", "repeating-linear-gradient(45deg, #f7d4d1 0 3px, var(--wasted) 3px 4px)");
    if (view !== "changes") item("leftover", "dotted orange: package-manager and temporary leftovers (hatched when also wasted)", "radial-gradient(var(--leftover) 30%, #fbe3c5 35%)");
  }
  function setView(v) {
    view = v;
    $("min-bytes").textContent = formatSize(v === "changes" ? page.changes_min_bytes : page.min_bytes);
    stack = [treeFor(v)];
    for (const b of document.querySelectorAll(".views button")) b.setAttribute("aria-pressed", String(b.dataset.view === v));
    render();
  }

  // ---------------------------------------------------------------- steps table

  function stepsTable() {
    const t = $("steps-table");
    const withCache = page.steps.some((s) => s.cache);
    const diff = page.kind === "diff";
    const hasLines = page.steps.some((s) => s.line !== null);
    const cols = ["LINE", "LAYER", "SIZE", "FILES", "+/~/-", "WASTED", "LEFTOVERS"];
    if (withCache) cols.push("CACHE");
    if (diff) cols.push("GREW", "SHRANK");
    cols.push(hasLines ? "INSTRUCTION" : "CREATED BY");
    const tr = el("tr");
    for (const c of cols) tr.appendChild(el("th", { class: ["SIZE", "FILES", "WASTED", "GREW", "SHRANK", "+/~/-"].includes(c) ? "num" : "" }, c));
    t.appendChild(el("thead")).appendChild(tr);
    const body = el("tbody");
    page.steps.forEach((s, i) => {
      const r = el("tr", { class: "step-row" + (s.stale ? " stale" : ""), "data-step": i });
      const layer = s.layer !== null;
      r.appendChild(el("td", {}, s.line !== null ? String(s.line) : "-"));
      const lc = el("td", { class: "layer" }, layer ? s.layer.replace("sha256:", "").slice(0, 12) : "-");
      if (layer && !diff) { // a diff's treemap is coloured by change, not by step
        const sw = el("span", { class: "swatch" });
        sw.style.background = stepColor(i);
        lc.prepend(sw);
      }
      r.appendChild(lc);
      r.appendChild(el("td", { class: "num", "data-col": "size" }, layer ? formatSize(s.size) : "-"));
      r.appendChild(el("td", { class: "num", "data-col": "files" }, layer ? String(s.files) : ""));
      r.appendChild(el("td", { class: "num", "data-col": "changes" }, layer ? `${s.added}/${s.modified}/${s.deleted}` : ""));
      r.appendChild(el("td", { class: "num", "data-col": "wasted" }, layer ? formatSize(s.wasted) : ""));
      const left = Object.keys(s.leftovers || {}).sort().map((k) => `${k} ${formatSize(s.leftovers[k])}`).join(", ");
      r.appendChild(el("td", { "data-col": "leftovers" }, left));
      if (withCache) {
        const c = s.cache;
        r.appendChild(el("td", { "data-col": "cache", class: c ? (c.cached ? "cache-cached" : "cache-rebuild") : "" },
          c ? (c.cached ? "cached" : "rebuild: " + c.reason) : ""));
      }
      if (diff) {
        r.appendChild(el("td", { class: "num", "data-col": "grew" }, s.grew ? "+" + formatSize(s.grew) : ""));
        r.appendChild(el("td", { class: "num", "data-col": "shrank" }, s.shrank ? "-" + formatSize(s.shrank) : ""));
      }
      let text = s.line !== null ? s.instruction : s.created_by;
      if (s.stale) text = "(stale) " + s.created_by;
      else if (s.base) text = "(base) " + s.created_by;
      else if (s.rebuild) text = `[rebuild: ${s.rebuild}] ${s.instruction}`;
      r.appendChild(el("td", { class: "instr" }, text));
      if (layer) r.addEventListener("click", () => zoomStep(i));
      body.appendChild(r);
    });
    t.appendChild(body);
  }

  // ---------------------------------------------------------------- changed paths (diff)

  const shown = 500;
  function filesTable() {
    const d = page.diff;
    const input = $("filter-text"), sel = $("filter-change");
    const body = $("files-body");
    const marks = { added: "A", deleted: "D", modified: "M" };
    function update() {
      const q = input.value, ch = sel.value;
      const match = d.files.filter((f) => (!ch || f[1] === ch) && (!q || f[0].includes(q)));
      body.textContent = "";
      for (const f of match.slice(0, shown)) {
        const r = el("tr", { "data-path": f[0], "data-change": f[1], "data-class": f[6] });
        r.appendChild(el("td", { class: "mark-" + marks[f[1]] }, marks[f[1]]));
        r.appendChild(el("td", { class: "path" }, f[0]));
        r.appendChild(el("td", {}, f[2]));
        r.appendChild(el("td", { class: "num" }, formatSize(f[3])));
        r.appendChild(el("td", { class: "num" }, formatSize(f[4])));
        r.appendChild(el("td", { class: "num" }, signed(f[4] - f[3])));
        r.appendChild(el("td", { class: "instr" }, f[5] >= 0 ? page.steps[f[5]].label : ""));
        body.appendChild(r);
      }
      let msg = `${match.length} of ${d.files.length} changed paths match`;
      if (match.length > shown) msg += `; the first ${shown} are shown: narrow the filter to see others`;
      if (d.files_left_out) msg += `. The page holds the ${d.files.length} largest of ${d.files.length + d.files_left_out} changed paths: layerdiff --format json lists them all`;
      $("files-count").textContent = msg + ".";
    }
    input.addEventListener("input", update);
    sel.addEventListener("change", update);
    update();
  }

  // ---------------------------------------------------------------- start

  header();
  if (page.kind === "diff") {
    $("views").hidden = false;
    for (const b of document.querySelectorAll(".views button")) b.addEventListener("click", () => setView(b.dataset.view));
    $("files").hidden = false;
    filesTable();
  }
  stepsTable();
  setView(view);
  let resize;
  window.addEventListener("resize", () => { clearTimeout(resize); resize = setTimeout(render, 150); });
  requestAnimationFrame(() => { document.body.dataset.rendered = String(Math.round(performance.now())); });
  window.layerdiffReport = { formatSize, setView, zoomStep };
})();
