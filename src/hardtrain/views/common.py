"""Shared controls and figure helpers for the dashboards (ipywidgets + plotly).

Rules every view follows (see DESIGN.md): bad input shows a short message next to the control
and keeps the last good state; a callback never lets an exception reach the kernel's output
(no traceback on the page); figures are created once and updated in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go

from ..config import release_memory

__all__ = ["Status", "NumberField", "guarded", "figure_widget", "compact", "css_class",
           "labelled", "Timer", "ExerciseBox", "LongRun", "heatmap_image", "colorbar_trace",
           "colorbar_ticks", "redraw_traces_only"]

log = logging.getLogger("hardtrain.views")

#: Light, readable colours that keep contrast in Voila's light and dark themes (the figures sit
#: on their own white card).
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def css_class(widget: widgets.Widget, *names: str) -> widgets.Widget:
    """Add stable CSS classes (used by the browser tests and the Voila style sheet)."""
    for name in names:
        widget.add_class(name)
    return widget


class Status(widgets.HTML):
    """A one-line message area: ``ok``, ``info`` or ``error`` (class ``ht-status``).

    Errors carry the class ``ht-error`` so tests and screen readers can find them; the text is
    HTML-escaped, so a learner's input is never interpreted as markup.
    """

    def __init__(self, text: str = "", **kwargs):
        super().__init__(**kwargs)
        css_class(self, "ht-status")
        self.info(text)

    def _set(self, kind: str, text: str) -> None:
        self.value = f'<span class="ht-msg ht-{kind}" role="status">{html.escape(text)}</span>'

    def info(self, text: str) -> None:
        """Neutral message."""
        self._set("info", text)

    def ok(self, text: str) -> None:
        """Success message."""
        self._set("ok", text)

    def error(self, text: str) -> None:
        """Problem message (what was wrong, what is accepted)."""
        self._set("error", text)


def guarded(status_attr: str = "status"):
    """Decorate a view method used as a widget callback so that no exception escapes.

    ``ValueError`` (bad input) shows its message in ``self.<status_attr>``; any other
    exception shows a one-line summary and is logged. The previous figures stay as they were.
    """

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self, *args, **kwargs):
            status: Status = getattr(self, status_attr)
            try:
                return fn(self, *args, **kwargs)
            except ValueError as exc:
                status.error(str(exc))
            except Exception as exc:  # noqa: BLE001 - a dashboard must never die on a learner
                log.exception("dashboard callback failed")
                status.error(f"Could not update ({type(exc).__name__}: {exc}). "
                             "The last good result is still shown.")
            return None

        return wrapper

    return deco


class NumberField(widgets.HBox):
    """A text box for a number (or a few numbers) with validation and a message beside it.

    The box accepts what a learner types; on Enter or leaving the box the text is parsed. A
    malformed or out-of-range entry shows a message next to the box (class ``ht-error``) and
    ``value`` keeps the last good value; the next valid entry clears the message.

    Args:
      label: text before the box.
      value: initial value (a float, or a tuple of ``size`` floats).
      lo, hi: inclusive bounds of each number.
      size: how many comma-separated numbers the box holds (1 for a plain number).
      name: the class ``ht-<name>`` is added to the box, for tests and styling.
      on_change: called with the new value after a valid entry.
      positive: reject 0 (e.g. a learning rate).
    """

    def __init__(self, label: str, value, lo: float, hi: float, *, size: int = 1,
                 name: str = "", on_change: Callable | None = None, positive: bool = False,
                 width: str = "9em"):
        self.lo, self.hi, self.size, self.positive = lo, hi, size, positive
        self.label = label
        self.value = value
        self.on_change = on_change
        self.text = widgets.Text(value=self._format(value), continuous_update=False,
                                 description=label, style={"description_width": "initial"},
                                 layout=widgets.Layout(width=f"calc({width} + {len(label)}ch)"))
        self.message = widgets.HTML("", layout=widgets.Layout(margin="0 0 0 0.5em"))
        css_class(self.message, "ht-field-message")
        super().__init__([self.text, self.message])
        css_class(self, "ht-field", *( [f"ht-{name}"] if name else []))
        self.text.observe(self._changed, names="value")

    def _format(self, value) -> str:
        if self.size == 1:
            return f"{value:g}"
        return ", ".join(f"{v:g}" for v in value)

    def parse(self, text: str):
        """Parse ``text``; return the value or raise ValueError with what is accepted."""
        accepted = (f"a number in [{self.lo:g}, {self.hi:g}]" if self.size == 1 else
                    f"{self.size} numbers separated by commas, each in [{self.lo:g}, {self.hi:g}]")
        parts = [p for p in text.replace("\u2212", "-").replace(";", ",").split(",") if p.strip()]
        if len(parts) != self.size:
            raise ValueError(f"{self.label}: expected {accepted}, got {text.strip()[:40]!r}")
        try:
            nums = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"{self.label}: expected {accepted}, got {text.strip()[:40]!r}") from None
        for v in nums:
            if not np.isfinite(v) or not self.lo <= v <= self.hi or (self.positive and v == 0):
                extra = " (and not 0)" if self.positive else ""
                raise ValueError(f"{self.label}: {v:g} is outside the accepted range; "
                                 f"expected {accepted}{extra}")
        return nums[0] if self.size == 1 else tuple(nums)

    def _changed(self, change) -> None:
        try:
            value = self.parse(change["new"])
        except ValueError as exc:
            self.message.value = f'<span class="ht-msg ht-error" role="alert">{html.escape(str(exc))}</span>'
            return
        self.message.value = ""
        self.value = value
        if self.on_change is not None:
            self.on_change(value)


def labelled(text: str, widget: widgets.Widget) -> widgets.Widget:
    """Set a widget's description with enough room to read it."""
    widget.description = text
    widget.style = {"description_width": "initial"}
    return widget


def figure_widget(fig: go.Figure | None = None, *, height: int = 420, name: str = "") -> go.FigureWidget:
    """A plotly FigureWidget with the lab's look: white card, compact margins, fixed height.

    One is created per view and updated in place (``with fw.batch_update(): ...``): each
    FigureWidget carries plotly's ~5 MB JavaScript bundle, and re-creating figures is slow.

    Wrap a figure only once it holds its first data and layout: the browser builds the figure
    from the widget's state, and changes made between the widget's creation and the page load
    reach the browser only as messages that anywidget 0.11 may drop (a model not ready within
    2 s ignores them), which left figures empty in Voila.
    """
    fig = go.Figure(fig if fig is not None else go.Figure())
    cls = _figure_widget_class()
    # Subplot titles sit just above the plots: lift the legend above them, with room for it.
    titled = any(a.yref == "paper" and (a.y or 0) >= 1.0 for a in fig.layout.annotations)
    m = fig.layout.margin  # a view's own margins win over the defaults
    margin = {k: (getattr(m, k) if getattr(m, k) is not None else v)
              for k, v in dict(l=60, r=20, t=90 if titled else 50, b=50).items()}
    fig.update_layout(template="plotly_white", height=height, margin=margin,
                      paper_bgcolor="white", font=dict(size=13),
                      legend=dict(orientation="h", yanchor="bottom", y=1.09 if titled else 1.02, x=0))
    # Off unless HARDTRAIN_PRELOAD_BUNDLE=1. The preload evaluates the 5 MB bundle on the page's
    # main thread while Voila's widget manager waits for the kernel's widget states, and the
    # manager renders an output only if its model is registered within 2 s (get_model in
    # @jupyter-widgets/base); on a busy 2-core machine the page then showed "Error displaying
    # widget: model not found" (seen in CI). Without it, the bundle is imported by the first
    # figure's module, after every model of the page is registered. It saved ~0.5 s at best.
    if cls is not go.FigureWidget and os.environ.get("HARDTRAIN_PRELOAD_BUNDLE") == "1":
        _preload_shared_bundle()
    fw = cls(fig)
    if name:
        css_class(fw, f"ht-fig-{name}")
    release_memory()  # the view has just done its first (heaviest) computation
    return fw


#: Name of the copy of plotly's widget bundle that Voila serves beside the labs.
SHARED_BUNDLE = "_static/plotly-widgetbundle.js"

# An ES module of a few lines that anywidget loads instead of plotly's 5 MB bundle: it imports
# the bundle once, by URL, from Voila's file handler (/voila/files/ beside /voila/render/), and
# every FigureWidget of the page then shares that one module.
#
# The import is deliberately not awaited at the module's top level, nor in initialize():
# anywidget 0.11 gives each model 2 s (``AbortSignal.timeout(2000)`` in its Runtime) to load its
# module and run initialize(); past that it rejects the model's ``ready`` promise and drops every
# later message of the model, so the figure never updates again. Evaluating the bundle takes
# longer than 2 s on a busy 2-core machine (seen in CI: the live curves of lab 3 never arrived).
# So initialize() returns at once; until the bundle is there, the changes plotly's model would
# have handled are recorded, and replayed (in order, each with the value it had) once plotly's
# own initialize() has registered its handlers. render() waits for the bundle.
_LOADER_ESM = """const path = window.location.pathname;
const at = path.indexOf("/voila/render/");
const url = path.slice(0, at) + "/voila/files/" + path.slice(at + "/voila/render/".length).replace(/[^/]*$/, "@BUNDLE@");
const bundle = import(new URL(url, window.location.origin).href).then((mod) => { patchPlotly(); return mod; });
// plotly's FigureWidget forwards each edit from Python as Plotly.restyle/relayout/update with a
// key "_doNotReportToPy" inside the edit, so that its own plotly_* event handlers do not echo the
// edit back to Python. plotly.js takes that key for an unknown attribute and replots the whole
// figure: a relayout of one image took 72 ms instead of 2.4 ms, a colour-bar restyle 43 instead of
// 20 (benchmarks/browser_lab1.py prints these edit costs). Give plotly.js the edit without the key and put the
// mark back on the event the widget listens to, for the duration of the call.
const FLAG = "_doNotReportToPy";
const MARK = {
  plotly_restyle: (d) => { if (Array.isArray(d) && d[0]) d[0][FLAG] = true; },
  plotly_relayout: (d) => { if (d) d[FLAG] = true; },
  plotly_update: (d) => { if (d && d.data && d.data[0]) d.data[0][FLAG] = true; },
};
function strip(edit) {
  if (!edit || typeof edit !== "object" || !Object.prototype.hasOwnProperty.call(edit, FLAG)) return null;
  const clean = { ...edit };
  delete clean[FLAG];
  return clean;
}
function quietly(gd, call) {
  if (!gd.__htEmit) {
    const emit = gd.emit;
    gd.__htEmit = emit;
    gd.__htQuiet = 0;
    gd.emit = function (event, data) {
      if (gd.__htQuiet > 0 && MARK[event]) MARK[event](data);
      return emit.apply(this, arguments);
    };
  }
  gd.__htQuiet += 1;
  const done = () => { gd.__htQuiet -= 1; };
  let out;
  try { out = call(); } catch (e) { done(); throw e; }
  Promise.resolve(out).then(done, done);
  return out;
}
function patchPlotly() {
  const P = window.Plotly;
  if (!P || P.__htPatched) return;
  P.__htPatched = true;
  const { restyle, relayout, update } = P;
  P.__htOriginal = { restyle, relayout, update };  // benchmarks/browser_lab1.py times both
  const usable = (gd) => gd && typeof gd === "object" && typeof gd.emit === "function";
  P.restyle = function (gd, edit, ...rest) {
    const clean = usable(gd) ? strip(edit) : null;
    return clean ? quietly(gd, () => restyle.call(this, gd, clean, ...rest)) : restyle.apply(this, arguments);
  };
  P.relayout = function (gd, edit, ...rest) {
    const clean = usable(gd) ? strip(edit) : null;
    return clean ? quietly(gd, () => relayout.call(this, gd, clean, ...rest)) : relayout.apply(this, arguments);
  };
  P.update = function (gd, traceEdit, layoutEdit, ...rest) {
    const t = usable(gd) ? strip(traceEdit) : null;
    const l = usable(gd) ? strip(layoutEdit) : null;
    if (!t && !l) return update.apply(this, arguments);
    return quietly(gd, () => update.call(this, gd, t || traceEdit, l || layoutEdit, ...rest));
  };
}
const ATTRS = ["_widget_data", "_widget_layout", "_py2js_addTraces", "_py2js_deleteTraces",
  "_py2js_moveTraces", "_py2js_restyle", "_py2js_relayout", "_py2js_update", "_py2js_animate",
  "_py2js_removeLayoutProps", "_py2js_removeTraceProps"];
export default () => {
  let inner = null;
  let ready = null;
  return {
    initialize(ctx) {
      const model = ctx.model;
      const pending = [];
      const overrides = new Map();
      const handlers = new Map();
      for (const name of ATTRS) {
        model.on("change:" + name, () => { if (inner === null) pending.push([name, model.get(name)]); });
      }
      const proxy = {
        ...model,
        get: (key) => (overrides.has(key) ? overrides.get(key) : model.get(key)),
        on: (event, callback) => {
          model.on(event, callback);
          if (!handlers.has(event)) handlers.set(event, []);
          handlers.get(event).push(callback);
        },
      };
      ready = bundle.then((mod) => {
        const def = typeof mod.default === "function" ? mod.default() : mod.default;
        if (def.initialize) def.initialize({ ...ctx, model: proxy });
        inner = def;
        for (const [name, value] of pending) {
          if (value === null || value === undefined) continue;
          overrides.set(name, value);
          try {
            for (const callback of handlers.get("change:" + name) || []) callback();
          } finally {
            overrides.delete(name);
          }
        }
        pending.length = 0;
      });
    },
    async render(ctx) {
      await ready;
      return inner.render(ctx);
    },
  };
};
""".replace("@BUNDLE@", SHARED_BUNDLE)


# Opt-in (HARDTRAIN_PRELOAD_BUNDLE=1; see figure_widget for why it is off): starts loading the
# shared bundle as soon as the page's outputs render, while Voila's front end connects to the
# kernel, instead of after the widget models exist. The URL is the one _LOADER_ESM imports, so the browser's module map makes the figures'
# own import resolve to this same, already evaluated module.
_PRELOAD_HTML = """<script type="module">
const path = window.location.pathname;
const at = path.indexOf("/voila/render/");
if (at >= 0) {
  const url = path.slice(0, at) + "/voila/files/" + path.slice(at + "/voila/render/".length).replace(/[^/]*$/, "%s");
  import(new URL(url, window.location.origin).href).catch(() => {});
}
</script>""" % SHARED_BUNDLE


@functools.lru_cache(maxsize=1)
def _preload_shared_bundle() -> None:
    """Put :data:`_PRELOAD_HTML` in the output of the cell that creates the page's first figure
    (once per kernel; only when the shared bundle is in use, i.e. under Voila)."""
    from IPython.display import HTML, display

    display(HTML(_PRELOAD_HTML))


@functools.lru_cache(maxsize=1)
def _figure_widget_class() -> type:
    """FigureWidget, or a subclass whose ESM loads plotly's bundle once per page by URL.

    Each plain FigureWidget sends plotly's ~5 MB bundle through the websocket and evaluates it as
    its own module, one figure after the other; anywidget 0.11 drops every later update of a
    model that is not ready 2 s after its creation (``AbortSignal.timeout(2000)`` in its
    Runtime), so the third and fourth figures of a page froze on a 2-core machine. The shared
    bundle is used only when it can be served: under Voila (``VOILA_PREHEAT`` is in the kernel's
    environment), with ``HARDTRAIN_SHARED_PLOTLY_BUNDLE=1`` (set by ``tasks.py serve`` and
    ``tasks.py test``, whose Voila allows the file in ``file_allowlist``), and when the copy
    beside the notebook could be written. Otherwise plotly's own class is used unchanged.
    """
    if os.environ.get("HARDTRAIN_SHARED_PLOTLY_BUNDLE") != "1" or "VOILA_PREHEAT" not in os.environ:
        return go.FigureWidget
    try:
        import plotly

        source = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
        if not source.is_file():
            return go.FigureWidget
        target = Path.cwd() / SHARED_BUNDLE
        if not target.is_file() or target.stat().st_size != source.stat().st_size:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            os.close(fd)
            shutil.copyfile(source, tmp)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the server may run as another user
            os.replace(tmp, target)  # atomic: kernels starting together never serve half a file
    except OSError:
        log.warning("could not place plotly's bundle beside the notebook; using the inline one")
        return go.FigureWidget
    return type("SharedBundleFigureWidget", (go.FigureWidget,), {"_esm": _LOADER_ESM})


def compact(a, decimals: int = 5) -> np.ndarray:
    """Data to send to the browser: float32 for 1-D arrays (sent as binary buffers by plotly),
    rounded float64 for 2-D arrays (sent as JSON lists; rounding keeps them short). NaN stays."""
    a = np.asarray(a)
    if a.ndim == 1:
        return a.astype(np.float32)
    return np.round(a.astype(np.float64), decimals)


@functools.lru_cache(maxsize=8)
def _colorscale_table(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Stops (K,) and RGB colours (K, 3) of a named plotly colorscale."""
    from plotly.colors import get_colorscale, hex_to_rgb, unlabel_rgb

    stops, colours = [], []
    for pos, colour in get_colorscale(name):
        stops.append(float(pos))
        colours.append(hex_to_rgb(colour) if colour.startswith("#") else unlabel_rgb(colour))
    return np.asarray(stops), np.asarray(colours, np.float64)


def heatmap_image(z, *, colorscale: str = "Viridis", zmin: float | None = None,
                  zmax: float | None = None) -> tuple[str, float, float]:
    """A 2-D array as a PNG data URI, coloured like a plotly heatmap, for ``layout.images``.

    Why: a plotly ``Heatmap`` trace is recomputed and redrawn on every restyle of the figure,
    even of another trace (measured in Chromium: a 101x101 heatmap under a scatter made each
    restyle of the scatter 66 ms instead of 46 ms). An image in the layout is decoded once and
    only moved. Place it with ``x``/``y`` at the top-left corner, ``sizex``/``sizey`` the spans,
    ``sizing="stretch"``, ``layer="below"``; the browser interpolates between the pixels.

    Args:
      z: array of shape (rows, cols); row j is drawn at the j-th y value from the *bottom*
        (plotly's heatmap convention, entry [j, i] at (x[i], y[j])). NaN and inf are transparent.
      colorscale: a plotly colorscale name.
      zmin, zmax: colour range; default the finite min and max of ``z``.
    Returns:
      (data URI of an RGBA PNG with ``rows`` x ``cols`` pixels, zmin, zmax).
    Raises:
      ValueError: ``z`` is not 2-D.
    """
    import base64
    import io

    from PIL import Image

    z = np.asarray(z, np.float64)
    if z.ndim != 2:
        raise ValueError(f"heatmap_image needs a 2-D array, got shape {z.shape}")
    finite = np.isfinite(z)
    lo = float(np.min(z[finite])) if zmin is None and finite.any() else float(zmin if zmin is not None else 0.0)
    hi = float(np.max(z[finite])) if zmax is None and finite.any() else float(zmax if zmax is not None else 1.0)
    t = np.clip((np.where(finite, z, lo) - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    stops, colours = _colorscale_table(colorscale)
    rgba = np.empty(z.shape + (4,), np.uint8)
    for c in range(3):
        rgba[..., c] = np.rint(np.interp(t, stops, colours[:, c]))
    rgba[..., 3] = np.where(finite, 255, 0)
    buf = io.BytesIO()
    Image.fromarray(rgba[::-1], "RGBA").save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"), lo, hi


def colorbar_trace(title: str, zmin: float, zmax: float, *, colorscale: str = "Viridis",
                   **colorbar) -> go.Scatter:
    """An invisible one-point trace that draws only a colour bar (for a :func:`heatmap_image`)."""
    return go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                      marker=dict(color=[zmin], cmin=zmin, cmax=zmax, colorscale=colorscale, size=0,
                                  showscale=True, colorbar=dict(title=title, **colorbar)))


def colorbar_ticks(zmin: float, zmax: float, n: int = 5) -> dict:
    """Tick positions and labels for a colour bar fixed to [0, 1] that shows values in [zmin, zmax].

    Why: changing a colour bar's ``cmin``/``cmax`` makes plotly.js recompute and redraw the
    whole figure, while new ``colorbar.ticktext`` only redraws the colour bar (20 ms in lab 1's
    page in Chromium here; ``benchmarks/browser_lab1.py`` prints the edit costs). So a view whose colour range changes keeps the trace of
    :func:`colorbar_trace` at ``zmin=0, zmax=1`` (the range :func:`heatmap_image` maps to the
    colorscale) and updates ``marker.colorbar`` with this dict.

    Args:
      zmin, zmax: the values at the bottom and the top of the bar (any units; zmax > zmin).
      n: number of evenly spaced ticks, >= 2.
    Returns:
      ``{"tickvals": [0, ..., 1], "ticktext": [...]}``: n positions and the values there, printed
      with 3 significant digits.
    Raises:
      ValueError: n < 2.
    """
    if n < 2:
        raise ValueError(f"a colour bar needs n >= 2 ticks, got {n}")
    t = np.linspace(0.0, 1.0, n)
    return {"tickvals": [float(v) for v in t],
            "ticktext": [f"{zmin + float(v) * (zmax - zmin):.3g}" for v in t]}


@contextlib.contextmanager
def redraw_traces_only(fig: go.Figure):
    """Like ``fig.batch_update()``, but the browser redraws only the traces that changed.

    The changes made inside the block reach plotly.js as one ``Plotly.animate`` call with no
    transition and ``frame.redraw = false`` instead of a ``Plotly.update``: plotly.js then moves
    the changed scatter traces and skips its full replot (axes, legend, colour bars, images,
    every trace). Measured in lab 1's page in Chromium (``benchmarks/browser_lab1.py``, median of
    12): the playground's trajectories restyled in 27 ms, animated in 16 ms.

    Use it only for the data of scatter traces (``x``, ``y``, ``text``) on axes with a fixed
    range: axis autorange, colour bars and layout images are not redrawn by such a frame
    (change those with ``batch_update``). The Python figure is updated as by ``batch_update``,
    and a plain ``go.Figure`` (before :func:`figure_widget`) just takes the changes.

    Relies on plotly's ``BaseFigure._perform_batch_animate`` (the body of ``batch_animate``,
    whose frame options cannot be set), checked with plotly 7.1.0; ``tests/browser`` assert that
    the figure's data change in the page.
    """
    if getattr(fig, "_in_batch_mode", False):  # inside another batch: that one sends
        yield
        return
    fig._in_batch_mode = True
    try:
        yield
    finally:
        fig._in_batch_mode = False
        fig._perform_batch_animate({"transition": {"duration": 0, "easing": "linear"},
                                    "frame": {"duration": 0, "redraw": False}})


class Timer:
    """Context manager measuring wall time in milliseconds (``.ms``)."""

    def __enter__(self):
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = 1e3 * (time.perf_counter() - self._t)
        return False


class ExerciseBox(widgets.VBox):
    """An answer box with a Check button for one exercise of :mod:`hardtrain.exercises`.

    Lets learners check answers inside a Voila dashboard, where no code can be typed. The text
    is parsed as one number or several comma-separated numbers; the feedback (correct, or a
    hint that never contains the answer) appears under the box (class ``ht-feedback``).

    Args:
      exercise_id: an id from ``hardtrain.exercises.list_exercises()``.
    Raises:
      ValueError: unknown exercise id.
    """

    def __init__(self, exercise_id: str):
        from .. import exercises

        known = dict(exercises.list_exercises())
        if exercise_id not in known:
            raise ValueError(f"unknown exercise {exercise_id!r}; known: {', '.join(known)}")
        self.exercise_id = exercise_id
        self.question = widgets.HTML(f"<b>Exercise.</b> {html.escape(known[exercise_id])}")
        self.answer = css_class(widgets.Text(placeholder="your answer, e.g. 12 or 1.5, -2",
                                             continuous_update=False,
                                             layout=widgets.Layout(width="18em")), "ht-answer")
        self.button = css_class(widgets.Button(description="Check", icon="check"), "ht-check")
        self.feedback = css_class(widgets.HTML(), "ht-feedback")
        self.button.on_click(lambda _: self.check())
        self.answer.observe(lambda _: self.check(), names="value")
        super().__init__([self.question, widgets.HBox([self.answer, self.button]), self.feedback])
        css_class(self, "ht-exercise")

    def check(self) -> None:
        """Parse the typed answer and show the feedback (never raises)."""
        from .. import exercises

        text = self.answer.value.replace("\u2212", "-").strip()
        if not text:
            self.feedback.value = '<span class="ht-msg ht-info">Type an answer first.</span>'
            return
        try:
            parts = [float(p) for p in text.replace(";", ",").split(",") if p.strip()]
        except ValueError:
            self.feedback.value = ('<span class="ht-msg ht-error" role="alert">Type a number, or '
                                   'numbers separated by commas (e.g. <code>-1.5, 2</code>).</span>')
            return
        answer = parts[0] if len(parts) == 1 else tuple(parts)
        self.feedback.value = exercises.check(self.exercise_id, answer)._repr_html_()


#: What a long computation yields after each chunk of work: (fraction done in [0, 1], message).
Progress = tuple[float, str]


class LongRun(widgets.HBox):
    """A progress bar with a Stop button for a computation done in chunks.

    The computation is a generator written by the view: it does one chunk of work (one width of
    a sweep, one instance size...), updates its figures if it likes, then ``yield``s
    ``(fraction_done, message)``. :meth:`start` drives it from the kernel's asyncio event loop,
    awaiting between chunks, so the kernel handles other messages meanwhile: a click on Stop
    (or on any other control) is processed after the current chunk, and the run ends there.
    A chunk should therefore take well under a second.

    An exception inside the generator ends the run with a one-line message in the widget's
    status (class ``ht-error``), never a traceback; ``on_done`` is still called.

    Args:
      description: the label in front of the bar, e.g. ``"Sweep"``.
      budget_s: wall-time budget in seconds; the run stops by itself past it (and says so).
        None for no budget.
    Attributes:
      bar: the ``FloatProgress`` (class ``ht-progress``); stop_button (class ``ht-stop``);
      status: a :class:`Status` (class ``ht-status``) with the message, elapsed time and outcome.
      running, stopped: the state of the current/last run (``stopped`` is True when the last
      run ended by Stop, by the budget or by an error rather than by finishing).
    """

    def __init__(self, description: str = "Progress", *, budget_s: float | None = None):
        if budget_s is not None and not budget_s > 0:
            raise ValueError(f"budget_s must be a positive number of seconds or None, got {budget_s!r}")
        self.budget_s = budget_s
        self.bar = css_class(widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description=description,
                                                   layout=widgets.Layout(width="22em")), "ht-progress")
        self.stop_button = css_class(widgets.Button(description="Stop", icon="stop", disabled=True,
                                                    tooltip="Stop after the current step",
                                                    layout=widgets.Layout(width="7em")), "ht-stop")
        self.status = Status("")
        self.stop_button.on_click(lambda _: self.stop())
        self.running = False
        self.stopped = False
        self._stop_requested = False
        self._task: asyncio.Task | None = None
        super().__init__([self.bar, self.stop_button, self.status])
        css_class(self, "ht-longrun")

    def stop(self) -> None:
        """Ask the current run to stop after its current chunk (no effect when idle)."""
        if self.running:
            self._stop_requested = True
            self.status.info("Stopping after the current step...")

    def start(self, steps: Iterator[Progress], on_done: Callable[[bool], None] | None = None) -> bool:
        """Run ``steps`` in the background of the kernel's event loop and return at once.

        Args:
          steps: a generator yielding ``(fraction_done, message)`` after each chunk.
          on_done: called as ``on_done(stopped)`` when the run ends (also after an error).
        Returns:
          True if the run started; False if one is already running (the message says so).
        Without a running event loop (a plain Python script) this runs to the end like
        :meth:`run_blocking`.
        """
        if self.running:
            self.status.error("Already running: press Stop first.")
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.run_blocking(steps, on_done)
            return True
        self._begin()
        self._task = loop.create_task(self._drive(steps, on_done))
        return True

    def run_blocking(self, steps: Iterator[Progress], on_done: Callable[[bool], None] | None = None) -> bool:
        """Run ``steps`` to the end (or the budget) before returning; Stop cannot interrupt it.

        Used by notebook cells that must have results when they finish (nbmake, first figures).
        Returns:
          ``stopped`` (True when the budget or an error ended the run).
        """
        if self.running:
            self.status.error("Already running: press Stop first.")
            return True
        self._begin()
        t0 = time.perf_counter()
        outcome = None
        try:
            for item in steps:
                outcome = self._step(item, t0)
                if outcome:
                    break
        except Exception as exc:  # noqa: BLE001 - shown, not raised: the page must not break
            outcome = self._failed(exc)
        finally:
            _close(steps)
        return self._finish(outcome, t0, on_done)

    # ---------------------------------------------------------------- internals
    def _begin(self) -> None:
        self.running, self.stopped, self._stop_requested = True, False, False
        self.bar.value = 0.0
        self.bar.bar_style = ""
        self.stop_button.disabled = False
        self.status.info("Starting...")

    def _step(self, item, t0: float) -> str | None:
        """Show one progress report; return why to stop, or None to go on."""
        try:
            frac, message = item
            frac = float(frac)
        except (TypeError, ValueError):
            raise TypeError("a LongRun generator must yield (fraction_done, message) pairs") from None
        self.bar.value = min(max(frac, 0.0), 1.0) if frac == frac else self.bar.value
        elapsed = time.perf_counter() - t0
        self.status.info(f"{message} ({elapsed:.1f} s)")
        if self._stop_requested:
            return "stopped"
        if self.budget_s is not None and elapsed > self.budget_s:
            return "budget"
        return None

    def _failed(self, exc: Exception) -> str:
        log.exception("long computation failed")
        self._error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
        return "error"

    def _finish(self, outcome: str | None, t0: float, on_done) -> bool:
        elapsed = time.perf_counter() - t0
        release_memory()
        self.running = False
        self.stop_button.disabled = True
        self.stopped = outcome is not None
        if outcome is None:
            self.bar.value = 1.0
            self.bar.bar_style = "success"
            self.status.ok(f"Done in {elapsed:.1f} s.")
        elif outcome == "stopped":
            self.bar.bar_style = "warning"
            self.status.info(f"Stopped after {elapsed:.1f} s; the results so far are shown.")
        elif outcome == "budget":
            self.bar.bar_style = "warning"
            self.status.info(f"Stopped at the {self.budget_s:g} s budget; the results so far are shown.")
        else:
            self.bar.bar_style = "danger"
            self.status.error(f"Stopped by an error ({self._error}); the results so far are shown.")
        if on_done is not None:
            try:
                on_done(self.stopped)
            except Exception as exc:  # noqa: BLE001
                log.exception("on_done failed")
                self.status.error(f"Could not finish ({type(exc).__name__}: {exc}).")
        return self.stopped

    async def _drive(self, steps, on_done) -> None:
        t0 = time.perf_counter()
        outcome = None
        try:
            for item in steps:
                outcome = self._step(item, t0)
                if outcome:
                    break
                # Hand the loop back to the kernel: it handles a Stop click (or any message).
                await asyncio.sleep(0.001)
        except Exception as exc:  # noqa: BLE001
            outcome = self._failed(exc)
        finally:
            _close(steps)
        self._finish(outcome, t0, on_done)


def _close(steps) -> None:
    close = getattr(steps, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001
            log.exception("closing a LongRun generator failed")

