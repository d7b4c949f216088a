// hardtrain's browser side for plotly's FigureWidget under Voila (an anywidget ES module).
//
// plotly.py's FigureWidget (plotly 6-7, BaseFigureWidget) keeps the figure in Python and sends
// each change as a message: the traitlets `_widget_data` / `_widget_layout` / `_config` hold the
// figure it was created with, and `_py2js_{restyle,relayout,update,animate,addTraces,
// deleteTraces,moveTraces,removeLayoutProps,removeTraceProps}` carry the edits (set, then set
// back to null). plotly's own front end for that protocol comes in a 5 MB bundle with the full
// plotly.js (every trace type, maps, WebGL), which the page must evaluate before the first figure
// is drawn: 1.6 s on a 2-core machine, the largest single cost of opening a dashboard. This module
// speaks the same protocol with plotly.js's "basic" distribution (1.2 MB; the scatter, bar and
// pie traces, with colour bars, layout images, shapes and annotations: what the labs draw; their
// heatmaps are pictures in the layout), loaded once per page by URL from the copy that
// hardtrain.views.common places beside the notebooks.
//
// Differences from plotly's front end, on purpose:
// - Edits go to plotly.js without the `_doNotReportToPy` key that plotly's front end puts inside
//   each edit: plotly.js takes it for an unknown attribute and redraws the whole figure (an image
//   relayout cost 54-72 ms instead of 1-2.4 ms; the edit-cost table of benchmarks/browser_lab1.py).
// - The figure is not diffed against plotly.js's defaults after every edit (`_js2py_traceDeltas`,
//   `_js2py_layoutDelta`), a deep copy of every trace per slider step. So Python's
//   `on_edits_completed` and the defaults that plotly.js fills in are not reported back.
// - Zoom, pan, autoscale and legend clicks are reported to Python (`_js2py_relayout`,
//   `_js2py_restyle`, `_js2py_update`) as plotly's front end does; point events (click, hover,
//   selection: `_js2py_pointsCallback`) are not, since no dashboard listens to them.
//
// Export: under each figure, three buttons save it as PNG or SVG (plotly.js's own
// Plotly.downloadImage, drawn in the browser: no server-side renderer) and its data as CSV (every
// trace's x, y and, where present, text, one row per point, after comment lines naming the page's
// address, which holds the view's settings, the figure's title, and the provenance of precomputed
// results: the text of the view's `.ht-provenance` elements).
//
// anywidget gives a model 2 s to load its module and run initialize(): initialize() here only
// starts fetching plotly.js, registers listeners and returns. Edits that arrive before the figure
// is drawn are queued and replayed in order, with plotly.js's own semantics, once it is. The
// figures of a page are drawn one after the other with a paint in between.

const PLOTLY_PATH = "@PLOTLY_PATH@"; // relative to the notebook's folder (set by Python)
const EDITS = ["restyle", "relayout", "update", "animate", "addTraces", "deleteTraces",
  "moveTraces", "removeLayoutProps", "removeTraceProps"];
const TYPED = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array,
  uint16: Uint16Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array,
};

/** The URL of the copy of plotly.js beside the notebook, for both ways Voila serves a page:
 * - the tree (`voila labs/`, or Jupyter Server's extension): the page is
 *   <base>/voila/render/<folder>/<notebook>, files are under <base>/voila/files/<folder>/;
 * - one notebook (`voila labs/01_....ipynb`): the page is <base>/, files are under
 *   <base>/voila/files/ relative to the notebook's folder. */
function plotlyUrl(path) {
  const at = path.indexOf("/voila/render/");
  const rel = at < 0
    ? path.replace(/[^/]*$/, "") + "voila/files/" + PLOTLY_PATH
    : path.slice(0, at) + "/voila/files/"
      + path.slice(at + "/voila/render/".length).replace(/[^/]*$/, "") + PLOTLY_PATH;
  return new URL(rel, window.location.origin).href;
}

/** The page's plotly.js, imported once per page (every figure model shares the promise). */
function loadPlotly() {
  if (!window.__htPlotly) {
    const url = plotlyUrl(window.location.pathname);
    window.PlotlyConfig = window.PlotlyConfig || { MathJaxConfig: "local" };
    window.__htPlotly = import(url).catch((err) => {
      throw new Error(`hardtrain figure: could not load plotly.js from ${url} (${err})`);
    }).then(() => {
      const Plotly = window.Plotly;
      if (!Plotly || typeof Plotly.newPlot !== "function") {
        throw new Error(`hardtrain figure: ${url} did not define Plotly`);
      }
      return Plotly;
    });
  }
  return window.__htPlotly;
}

/** Resolves after the browser has had a chance to paint (a frame), or after 100 ms in a hidden
 * tab, where animation frames do not run. */
function nextPaint() {
  return new Promise((resolve) => {
    let done = false;
    const go = () => { if (!done) { done = true; resolve(); } };
    requestAnimationFrame(() => setTimeout(go, 0));
    setTimeout(go, 100);
  });
}

/** Run `task` (drawing one figure) after the page's previous figures, with a paint in between:
 * the first figure shows as soon as it is drawn instead of after every figure of the page (each
 * first draw takes 0.1-0.4 s of main-thread time on a 2-core machine). */
function inTurn(task) {
  const mine = (window.__htDrawTurn || Promise.resolve()).then(task);
  window.__htDrawTurn = mine.then(nextPaint, nextPaint);
  return mine;
}

/** A typed array over an ipywidgets binary buffer (a DataView or ArrayBuffer). */
function typedArray(raw, Type) {
  const buffer = raw instanceof ArrayBuffer ? raw : raw.buffer;
  const offset = raw instanceof ArrayBuffer ? 0 : raw.byteOffset;
  const n = Math.floor(raw.byteLength / Type.BYTES_PER_ELEMENT);
  if (offset % Type.BYTES_PER_ELEMENT === 0) return new Type(buffer, offset, n);
  return new Type(buffer.slice(offset, offset + n * Type.BYTES_PER_ELEMENT)); // unaligned: copy
}

/** plotly.py's wire format -> plotly.js values: numpy arrays arrive as
 * {buffer, dtype, shape} (plotly/serializers.py), its Undefined as "_undefined_". Returns fresh
 * objects and arrays (plotly.js keeps and mutates what it is given); typed arrays are shared,
 * since plotly.js never writes into data arrays. */
function decode(v) {
  if (v === "_undefined_") return undefined;
  if (Array.isArray(v)) return v.map(decode);
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
  const raw = v.buffer !== undefined ? v.buffer : v.value;
  if (raw !== undefined && TYPED[v.dtype] && "shape" in v
      && (ArrayBuffer.isView(raw) || raw instanceof ArrayBuffer)) {
    return typedArray(raw, TYPED[v.dtype]);
  }
  const out = {};
  for (const key of Object.keys(v)) out[key] = decode(v[key]);
  return out;
}

/** plotly.js event data -> plotly.py's wire format (plain JSON, Undefined as "_undefined_"). */
function encode(v) {
  if (v === undefined) return "_undefined_";
  if (ArrayBuffer.isView(v)) return Array.from(v);
  if (Array.isArray(v)) return v.map(encode);
  if (v === null || typeof v !== "object") return typeof v === "function" ? "_undefined_" : v;
  const out = {};
  for (const key of Object.keys(v)) out[key] = encode(v[key]);
  return out;
}

/** "lab01-convex-vs-nonconvex-playground": the notebook's name and the figure's, for files. */
function exportName(el) {
  const page = decodeURIComponent(window.location.pathname.split("/").pop() || "figure")
    .replace(/\.ipynb$/, "").replace(/[^A-Za-z0-9]+/g, "-");
  const fig = ([...el.classList].find((c) => c.startsWith("ht-fig-")) || "ht-fig-figure").slice(7);
  return `${page}-${fig}`.replace(/^-+|-+$/g, "");
}

/** One CSV field: quoted when it holds a comma, a quote or a line break. */
function csvField(v) {
  if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The figure's data as CSV text: comment lines (#), a header, one row per point of each trace. */
function figureCsv(gd, el) {
  const lines = [`# page: ${window.location.href}`];
  const title = gd.layout && gd.layout.title && (gd.layout.title.text || gd.layout.title);
  if (typeof title === "string" && title) lines.push(`# figure: ${title.replace(/<[^>]+>/g, "")}`);
  const view = el.closest(".ht-view");
  for (const p of view ? view.querySelectorAll(".ht-provenance") : []) {
    const text = p.innerText.replace(/\s+/g, " ").trim();
    if (text) lines.push(`# provenance: ${text}`);
  }
  lines.push("trace,name,point,x,y,text");
  (gd.data || []).forEach((t, i) => {
    const x = t.x ? Array.from(t.x) : null;
    const y = t.y ? Array.from(t.y) : null;
    const n = Math.max(x ? x.length : 0, y ? y.length : 0);
    const text = Array.isArray(t.text) ? t.text : null;
    for (let k = 0; k < n; k++) {
      lines.push([i, t.name || "", k, x ? x[k] : "", y ? y[k] : "", text ? text[k] : ""]
        .map(csvField).join(","));
    }
  });
  return lines.join("\n") + "\n";
}

/** Buttons under a figure: PNG, SVG (plotly.js's image export) and CSV (its data). */
function exportBar(Plotly, gd, el) {
  const bar = document.createElement("div");
  bar.className = "ht-export";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", "Save this figure");
  const name = () => exportName(el);
  const add = (label, what, action) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `jupyter-button ht-export-${label.toLowerCase()}`;
    b.textContent = label;
    b.setAttribute("aria-label", `Save this figure's ${what}`);
    b.title = `Save this figure's ${what}`;
    b.addEventListener("click", () => {
      Promise.resolve().then(action).catch((err) => console.error("hardtrain figure: export failed", err));
    });
    bar.append(b);
  };
  const size = () => ({ width: gd.clientWidth || 900, height: (gd.layout && gd.layout.height) || 420 });
  add("PNG", "picture as PNG", () => Plotly.downloadImage(gd, { format: "png", filename: name(), ...size(), scale: 2 }));
  add("SVG", "picture as SVG", () => Plotly.downloadImage(gd, { format: "svg", filename: name(), ...size() }));
  add("CSV", "data as CSV", () => {
    const url = URL.createObjectURL(new Blob([figureCsv(gd, el)], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `${name()}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });
  return bar;
}

let nextViewId = 0;

/** One drawing of a figure model in one element. */
class FigureView {
  constructor(Plotly, model, el) {
    this.Plotly = Plotly;
    this.model = model;
    this.gd = el;
    this.id = `ht-${Date.now().toString(36)}-${nextViewId++}`;
    this.drawn = false;
    this.queue = [];
    this.quiet = 0; // > 0 while an edit from Python runs: its plotly_* events are not echoed
    this.width = 0;
    this.autoWidth = false;
    this.frame = 0;
  }

  /** Run a plotly.js call whose events must not go back to Python. */
  quietly(call) {
    this.quiet += 1;
    const done = () => { this.quiet -= 1; };
    let out;
    try {
      out = call();
    } catch (err) {
      done();
      throw err;
    }
    Promise.resolve(out).then(done, done);
    return out;
  }

  traces(indexes) {
    if (indexes === null || indexes === undefined) return this.gd.data.map((_, i) => i);
    return Array.isArray(indexes) ? indexes : [indexes];
  }

  async draw(data, layout, config, replay) {
    const { Plotly, gd } = this;
    if (!layout.height) layout.height = 360;
    await this.quietly(() => Plotly.newPlot(gd, data, layout, { ...config, editSelection: false }));
    for (const edit of replay.concat(this.queue.splice(0))) this.applyNow(edit);
    this.drawn = true;
    gd.__htLite = true; // drawn here: static/player.js may replay its traces
    this.autoWidth = !layout.width; // plotly.js filled the container's width at newPlot
    this.width = gd.clientWidth;
    for (const [event, attr] of [["plotly_relayout", "_js2py_relayout"],
      ["plotly_restyle", "_js2py_restyle"], ["plotly_update", "_js2py_update"]]) {
      gd.on(event, (d) => this.report(attr, d));
    }
    this.describe(layout);
    this.observer = new ResizeObserver(() => {
      cancelAnimationFrame(this.frame);
      this.frame = requestAnimationFrame(() => this.fitWidth());
    });
    this.observer.observe(gd);
    document.dispatchEvent(new CustomEvent("plotlywidget-after-render",
      { detail: { element: gd, viewID: this.id } }));
  }

  /** For screen readers: the graph is a figure named by its title(s) and described by its
   * view's text summary (`.ht-summary`, which the view updates with the figure). */
  describe(layout, tries = 0) {
    const gd = this.gd;
    const texts = [];
    const title = layout.title && (typeof layout.title === "string" ? layout.title : layout.title.text);
    if (title) texts.push(title);
    for (const a of layout.annotations || []) {
      if (a && a.yref === "paper" && a.y >= 1 && a.text) texts.push(a.text); // subplot titles
    }
    if (!texts.length) { // no title: name it by its axes
      const axis = (a) => a && a.title && (typeof a.title === "string" ? a.title : a.title.text);
      const x = axis(layout.xaxis);
      const y = axis(layout.yaxis);
      if (x && y) texts.push(`${y} against ${x}`);
    }
    const label = texts.join("; ").replace(/<[^>]+>/g, "").trim();
    gd.setAttribute("role", "figure");
    gd.setAttribute("aria-label", label ? `Figure: ${label}` : "Figure");
    const view = gd.closest(".ht-view");
    const summary = view && view.querySelector(".ht-summary");
    if (summary) {
      if (!summary.id) summary.id = `ht-summary-${this.id}`;
      gd.setAttribute("aria-describedby", summary.id);
    } else if (view && tries < 20) { // the summary's widget may be drawn after the figure
      setTimeout(() => this.describe(layout, tries + 1), 500);
    }
  }

  /** Follow the container's width when Python left the width open (the labs fix a figure's
   * height, not its width). Not Plotly.Plots.resize: it deletes layout.height too and
   * autosizes both. */
  fitWidth() {
    const width = this.gd.clientWidth;
    if (!this.drawn || !this.autoWidth || !this.gd.isConnected || width === 0
        || Math.abs(width - this.width) < 2) return;
    this.width = width;
    this.quietly(() => this.Plotly.relayout(this.gd, { width })).catch(() => {});
  }

  apply(edit) {
    if (this.drawn) this.applyNow(edit);
    else this.queue.push(edit);
  }

  applyNow({ kind, msg }) {
    const { Plotly, gd } = this;
    if (msg.source_view_id && msg.source_view_id === this.id) return; // this view's own event
    let out;
    try {
      switch (kind) {
        case "restyle":
          out = this.quietly(() => Plotly.restyle(gd, msg.restyle_data, this.traces(msg.restyle_traces)));
          break;
        case "relayout":
          out = this.quietly(() => Plotly.relayout(gd, msg.relayout_data));
          break;
        case "update":
          out = this.quietly(() => Plotly.update(gd, msg.style_data || {}, msg.layout_data || {},
            this.traces(msg.style_traces)));
          break;
        case "animate":
          out = this.quietly(() => Plotly.animate(gd, {
            data: msg.style_data, layout: msg.layout_data, traces: this.traces(msg.style_traces),
          }, msg.animation_opts));
          break;
        case "addTraces":
          out = this.quietly(() => Plotly.addTraces(gd, msg.trace_data));
          break;
        case "deleteTraces":
          out = this.quietly(() => Plotly.deleteTraces(gd, msg.delete_inds));
          break;
        case "moveTraces":
          out = this.quietly(() => Plotly.moveTraces(gd, msg.current_trace_inds, msg.new_trace_inds));
          break;
        case "removeLayoutProps":
          out = this.quietly(() => Plotly.relayout(gd, Object.fromEntries(
            msg.remove_props.map((p) => [[].concat(p).join("."), null]))));
          break;
        case "removeTraceProps":
          out = this.quietly(() => Plotly.restyle(gd, Object.fromEntries(
            msg.remove_props.map((p) => [[].concat(p).join("."), null])), [msg.remove_trace]));
          break;
        default:
          return;
      }
    } catch (err) {
      console.error(`hardtrain figure: ${kind} failed`, err);
      return;
    }
    Promise.resolve(out).catch((err) => console.error(`hardtrain figure: ${kind} failed`, err));
  }

  /** A zoom, pan, autoscale or legend click by the learner: tell Python. */
  report(attr, d) {
    // gd.__htSilent > 0: a replay (static/player.js) is redrawing traces; Python keeps the data.
    if (this.quiet > 0 || this.gd.__htSilent > 0 || d === null || d === undefined) return;
    let msg;
    if (attr === "_js2py_relayout") {
      const keys = Object.keys(d);
      if (keys.every((k) => k === "autosize" || k === "width" || k === "height")) return;
      msg = { relayout_data: d };
    } else if (attr === "_js2py_restyle") {
      msg = { style_data: d[0], style_traces: d[1] };
    } else {
      msg = { style_data: d.data && d.data[0], style_traces: d.data && d.data[1], layout_data: d.layout };
    }
    this.model.set(attr, encode({ ...msg, source_view_id: this.id }));
    this.model.save_changes();
  }

  state() {
    return { data: this.gd.data, layout: this.gd.layout };
  }

  remove() {
    cancelAnimationFrame(this.frame);
    if (this.observer) this.observer.disconnect();
    this.drawn = false;
    try { this.Plotly.purge(this.gd); } catch (err) { /* already gone */ }
  }
}

export default () => {
  const views = new Set(); // drawn or drawing
  let pending = []; // edits that arrived while no view existed
  let last = null; // {data, layout} of the last view removed
  return {
    initialize({ model }) {
      loadPlotly().catch(() => {}); // start fetching now; render() reports a failure
      for (const kind of EDITS) {
        const attr = "_py2js_" + kind;
        model.on("change:" + attr, () => {
          const value = model.get(attr);
          if (value === null || value === undefined) return;
          const edit = { kind, msg: decode(value) };
          if (views.size === 0) pending.push(edit);
          else for (const view of views) view.apply(edit);
        });
      }
    },
    async render({ model, el }) {
      let Plotly;
      try {
        Plotly = await loadPlotly();
      } catch (err) { // say so on the page, not only in the console
        console.error(err);
        el.classList.add("ht-figure-error");
        el.setAttribute("role", "alert");
        el.textContent = "This figure could not be drawn: its drawing library did not load "
          + `(${err.message}). Reload the page; if it persists, tell your instructor.`;
        return () => {};
      }
      const view = new FigureView(Plotly, model, el);
      const live = [...views].find((v) => v.drawn);
      let data, layout, replay;
      if (live) { // another drawing of this model (e.g. the widget displayed twice)
        ({ data, layout } = decode(live.state()));
        replay = [];
      } else {
        ({ data, layout } = decode(last || {
          data: model.get("_widget_data") || [],
          layout: model.get("_widget_layout") || {},
        }));
        replay = pending;
        pending = [];
      }
      views.add(view);
      try {
        await inTurn(() => view.draw(data, layout, decode(model.get("_config") || {}), replay));
        // The export buttons go under the plot, inside the graph's element (the tests and the
        // replay find the graph as the element with the figure's class); plotly.js leaves
        // children it did not make alone.
        el.append(exportBar(Plotly, el, el));
      } catch (err) {
        views.delete(view);
        console.error("hardtrain figure: could not draw", err);
        el.classList.add("ht-figure-error");
        el.setAttribute("role", "alert");
        el.textContent = `This figure could not be drawn (${err}).`;
        return () => {};
      }
      return () => {
        if (view.drawn) last = view.state(); // the arrays plotly.js was given; purge keeps them
        views.delete(view);
        view.remove();
      };
    },
  };
};
