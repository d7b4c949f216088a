// hardtrain's "watch it learn" player (an anywidget ES module for hardtrain.views.player.Player).
//
// The kernel sends a whole training run once, when Play is first pressed for it (`request` ->
// `series`: for some traces of one figure, the trajectory of every run, step by step; a new run
// only bumps `version` and `frames`, so moving a control sends no replay data); Play then redraws
// those traces in the browser, one step per animation frame, with no message to the kernel per
// frame. A trace of kind "path" shows each run's points up to the current step (runs separated by
// a gap); kind "head" shows each run's current point; kind "frames" gives the trace's whole data
// at each step (bars). When the animation ends, or when Pause / the step slider leaves it
// elsewhere and Play is pressed again, the traces get back exactly the data they had (what
// Python holds), so the figure and the kernel never disagree for long.
//
// Only for figures drawn by hardtrain's figure module (views/static/figure.js), which marks its
// graph divs (`__htLite`) and does not report these redraws to Python (`__htSilent`).
// The frame rate of the last play is kept on the element (data-fps) for the browser tests.

function graphOf(name) {
  const el = document.querySelector(".ht-fig-" + name);
  if (!el) return null;
  return el.matches(".js-plotly-plot") ? el : el.querySelector(".js-plotly-plot");
}

/** New x, y for some scatter traces, drawn as an animation frame without transition or full
 * redraw (as hardtrain.views.figures.redraw_traces_only does from Python): plotly.js moves the
 * traces and skips its replot, a few ms instead of tens on a 2-core machine. */
function redrawTraces(gd, indexes, x, y) {
  gd.__htSilent = (gd.__htSilent || 0) + 1;
  const scatter = indexes.every((i) => (gd.data[i].type || "scatter") === "scatter");
  const data = indexes.map((_, i) => ({ x: x[i], y: y[i] }));
  const done = scatter // plotly.js moves scatter traces without a replot; bars need restyle
    ? window.Plotly.animate(gd, { data, traces: indexes }, {
      transition: { duration: 0, easing: "linear" }, frame: { duration: 0, redraw: false },
    })
    : window.Plotly.restyle(gd, { x, y }, indexes);
  Promise.resolve(done).catch(() => {}).finally(() => { gd.__htSilent -= 1; });
}

function frameData(series, k) {
  const x = [];
  const y = [];
  for (const s of series) {
    const xs = [];
    const ys = [];
    if (s.kind === "frames") { // the trace's whole data at this step
      x.push(s.x[0]);
      y.push(s.y[Math.min(k, s.y.length - 1)]);
      continue;
    }
    s.x.forEach((run, r) => {
      const yr = s.y[r];
      const last = Math.min(k, run.length - 1);
      if (s.kind === "head") {
        xs.push(run[last]);
        ys.push(yr[last]);
      } else {
        for (let i = 0; i <= last; i++) {
          xs.push(run[i]);
          ys.push(yr[i]);
        }
        xs.push(null);
        ys.push(null);
      }
    });
    x.push(xs);
    y.push(ys);
  }
  return { x, y };
}

export default {
  render({ model, el }) {
    el.classList.add("ht-player");
    el.setAttribute("role", "group");
    el.setAttribute("aria-label", "Watch it learn: replay the run step by step");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "jupyter-button ht-play";
    const slider = document.createElement("input");
    slider.type = "range";
    slider.min = "0";
    slider.className = "ht-play-step";
    slider.setAttribute("aria-label", "Step of the replay");
    const said = document.createElement("span");
    said.className = "ht-play-said";
    el.append(button, slider, said);

    let frame = 0; // rAF handle
    let saved = null; // {indexes, x, y}: the traces' data before the replay
    let k = 0;
    let times = [];

    const frames = () => Math.max(1, model.get("frames"));
    const every = () => Math.max(1, model.get("every") || 1);
    const label = (step) => `${model.get("label")} ${step * every()} of ${(frames() - 1) * every()}`;
    const setButton = (playing) => {
      button.textContent = playing ? "Pause" : "Play";
      button.setAttribute("aria-label", playing ? "Pause the replay" : "Play the run step by step");
    };
    const reset = () => {
      slider.max = String(frames() - 1);
      slider.value = String(frames() - 1);
      said.textContent = label(frames() - 1);
      setButton(false);
    };

    const draw = (step) => {
      const gd = graphOf(model.get("figure"));
      const series = model.get("series") || [];
      if (!gd || !gd.__htLite || !series.length || !ready()) return false;
      const indexes = series.map((s) => s.trace);
      if (!saved) {
        saved = { indexes, x: indexes.map((i) => gd.data[i].x), y: indexes.map((i) => gd.data[i].y) };
      }
      const { x, y } = frameData(series, step);
      redrawTraces(gd, indexes, x, y);
      slider.value = String(step);
      said.textContent = label(step);
      return true;
    };

    const restore = () => {
      const gd = graphOf(model.get("figure"));
      if (gd && saved) redrawTraces(gd, saved.indexes, saved.x, saved.y);
      saved = null;
    };

    const stop = (andRestore) => {
      cancelAnimationFrame(frame);
      frame = 0;
      if (times.length > 2) {
        const span = (times[times.length - 1] - times[0]) / 1000;
        el.dataset.fps = String(Math.round(((times.length - 1) / span) * 10) / 10);
        el.dataset.frames = String(times.length);
      }
      if (andRestore) {
        restore();
        reset();
      } else {
        setButton(false);
      }
    };

    const tick = (now) => {
      times.push(now);
      if (!draw(k)) {
        said.textContent = "Replay needs the dashboard view (Voila).";
        stop(false);
        return;
      }
      k += Math.max(1, Math.ceil(frames() / (4 * 60))); // a whole run in about 4 s at 60 Hz
      if (k >= frames()) {
        times.push(performance.now());
        stop(true);
        return;
      }
      frame = requestAnimationFrame(tick);
    };

    const ready = () => model.get("series_version") === model.get("version");
    let pending = null; // what to do once the run's data arrive
    const whenReady = (action) => {
      if (ready()) {
        action();
        return;
      }
      pending = action;
      said.textContent = "Loading the run...";
      model.set("request", model.get("version"));
      model.save_changes();
    };
    const play = () => {
      k = Number(slider.value) >= frames() - 1 ? 0 : Number(slider.value);
      times = [];
      setButton(true);
      frame = requestAnimationFrame(tick);
    };
    button.addEventListener("click", () => {
      if (frame) {
        stop(false);
        return;
      }
      whenReady(play);
    });
    slider.addEventListener("input", () => {
      if (frame) stop(false);
      const step = Number(slider.value);
      if (step >= frames() - 1) {
        restore();
        reset();
      } else {
        whenReady(() => draw(Number(slider.value)));
      }
    });
    model.on("change:series_version", () => {
      if (pending && ready()) {
        const action = pending;
        pending = null;
        action();
      }
    });
    model.on("change:version", () => { // a new run: whatever was replayed is stale
      cancelAnimationFrame(frame);
      frame = 0;
      saved = null;
      pending = null;
      reset();
    });
    reset();
    return () => cancelAnimationFrame(frame);
  },
};
