"""Benchmark: lab 1 in a real browser (Voila + Debian's Chromium), the numbers a learner feels.

Prints, for lab 1's notebooks (``labs/01*.ipynb``; which notebook shows which of the four views
is read from the notebooks) served by Voila exactly as ``tasks.py serve`` does (``voila labs/``,
the learner's sizes: no HARDTRAIN_FAST unless --fast):

1. Slider change -> updated figure (and, in the same page, the cost of single plotly.js edits:
   the ones the views send and the ones they avoid), measured in the page with performance.now(): from the
   keydown on the slider handle (a capturing listener on document, so it runs before the
   slider's own handler) to the ``plotly_restyle``/``plotly_update``/``plotly_animated`` event of
   the figure's graph div (emitted by plotly.js once the new data are drawn), and to the next
   animation frame after it (the frame that paints them; ``plotly_afterplot`` is recorded too).
   ``--runs`` changes (ArrowRight/ArrowLeft alternately) of the playground's learning-rate
   slider and of the bowl's span slider; median and p90. Each change is split with the
   timestamps of the websocket frames the page receives (a wrapper around window.WebSocket):
   keydown -> first frame back (the kernel's "busy": round trip), -> the figure's data frame
   (the largest frame: the Python callback and serialisation), -> figure event (decode + draw).
   The Python-side time of the callback is read from the view's status line for comparison.
2. Kernel memory (psutil RSS and the kernel's peak, VmHWM) after the page has loaded and after
   clicking Train in the MLP section.
3. Page opened -> first figure drawn (the first ``plotlywidget-after-render`` event, in the
   page's performance.now(), i.e. since navigation start) and -> all its figures drawn, for
   each lab-1 notebook:
   ``--loads`` loads with ``--preheat_kernel=True --pool_size=1`` and ``--cold-loads`` loads
   without preheating. Between preheated loads the script waits for the pool to refill: a new
   kernel process appears and then every kernel stays under 3 % CPU for 3 s (Voila logs "pool
   ... filled" when the kernel has *started*, long before the notebook has run, so the log
   line is not enough). The websocket bytes a load receives are reported too.

The kernels share one JAX compilation cache (a private temporary folder, or --jax-cache): the
first page load compiles (reported separately as "first visit"), later ones load programs.

    python3 tasks.py bench browser_lab1                 # or .venv/bin/python benchmarks/browser_lab1.py
    .venv/bin/python benchmarks/browser_lab1.py --runs 30 --loads 5 --cold-loads 3
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_support():
    """tools/voila.py: the Voila server and Chromium helpers the browser tests use."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tools import voila

    return voila


S = load_support()


def pool_fill_delay() -> float:
    """tasks.py's POOL_FILL_DELAY: the preheated server here runs as `tasks.py serve` does."""
    spec = importlib.util.spec_from_file_location("hardtrain_tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.POOL_FILL_DELAY

# Installed before the page's own scripts: websocket frame clock, keydown clock, figure events.
PROBE_JS = S.RENDER_WATCH_JS + """
window.__htWs = [];
(() => {
  const Native = window.WebSocket;
  class Probed extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const d = e.data;
        const n = d == null ? 0 : (d.byteLength !== undefined ? d.byteLength
                 : (d.size !== undefined ? d.size : d.length));
        window.__htWs.push([performance.now(), n]);
      });
    }
  }
  window.WebSocket = Probed;
})();
window.__htKey = null;
document.addEventListener('keydown', () => { window.__htKey = performance.now(); }, true);
"""

# The figure is updated when plotly.js emits plotly_restyle / plotly_update (Plotly.restyle /
# update: full replot) or plotly_animated (Plotly.animate: only the changed traces, see
# hardtrain.views.common.redraw_traces_only); "frame" is the next animation frame after it, the
# one in which the browser paints the new figure.
ARM_JS = """(name) => {
  const gd = document.querySelector('.ht-fig-' + name);
  const events = ['plotly_restyle', 'plotly_update', 'plotly_animated', 'plotly_afterplot'];
  if (!gd.__htProbe) {
    gd.__htProbe = {};
    for (const ev of events) {
      gd.on(ev, () => {
        const p = gd.__htProbe;
        if (p.armed && p[ev] === undefined) {
          p[ev] = performance.now();
          if (ev !== 'plotly_afterplot' && p.frame === undefined) {
            p.frame = null;
            requestAnimationFrame(() => { p.frame = performance.now(); });
          }
        }
      });
    }
  }
  gd.__htProbe = Object.assign(gd.__htProbe, {armed: true, frame: undefined});
  for (const ev of events) gd.__htProbe[ev] = undefined;
  window.__htKey = null;
  window.__htWsMark = window.__htWs.length;
}"""

DONE_JS = """(name) => {
  const p = document.querySelector('.ht-fig-' + name).__htProbe;
  return typeof p.frame === 'number';
}"""

READ_JS = """(name) => {
  const p = document.querySelector('.ht-fig-' + name).__htProbe;
  p.armed = false;
  const end = Math.min(p.plotly_restyle ?? Infinity, p.plotly_update ?? Infinity,
                       p.plotly_animated ?? Infinity);
  const frames = window.__htWs.slice(window.__htWsMark).filter((f) => f[0] <= end);
  return {key: window.__htKey, end: end, frame: p.frame ?? null, afterplot: p.plotly_afterplot ?? null,
          frames: frames};
}"""

LOAD_TIMES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0] || {};
  const r = (window.__htRendered || []).map((x) => x.t);
  const clocks = window.__htModelClocks || [];
  const bytes = (window.__htWs || []).reduce((a, f) => a + f[1], 0);
  const largest = (window.__htWs || []).reduce((a, f) => Math.max(a, f[1]), 0);
  return {response_start: nav.responseStart ?? null, response_end: nav.responseEnd ?? null,
          dom_loaded: nav.domContentLoadedEventEnd ?? null,
          models_created: clocks.length ? Math.min(...clocks) : null,
          first_figure: r.length ? Math.min(...r) : null,
          all_figures: r.length ? Math.max(...r) : null,
          ws_bytes: bytes, ws_largest_frame: largest, ws_frames: (window.__htWs || []).length};
}"""

KERNEL_ID = re.compile(r"/api/kernels/([0-9a-f-]{36})/channels")


# ------------------------------------------------------------------------------------- helpers
def pct(values, q):
    """Nearest-rank percentile (q in [0, 100]) of a non-empty list."""
    xs = sorted(values)
    k = max(0, min(len(xs) - 1, int(round(q / 100 * len(xs) + 0.5)) - 1))
    return xs[k]


def summary(values, unit="ms", digits=0):
    if not values:
        return "n/a"
    fmt = f"{{:.{digits}f}}"
    return (f"median {fmt.format(statistics.median(values))} {unit}, p90 "
            f"{fmt.format(pct(values, 90))} {unit}, min {fmt.format(min(values))}, "
            f"max {fmt.format(max(values))} (n={len(values)})")


def vm_hwm_mb(pid):
    """Peak resident set size of a process (Linux VmHWM), in MB; None elsewhere."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def new_page(browser, viewport=(1400, 1000)):
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.add_init_script(PROBE_JS)
    context.add_init_script(S.returning_learner_js())  # predictions stored: every view shown at once
    page = context.new_page()
    kernels = []
    page.on("websocket", lambda ws: kernels.extend(KERNEL_ID.findall(ws.url)))
    return context, page, kernels


def wait_rendered(page, n=4, timeout_s=600):
    page.wait_for_function("(n) => (window.__htRendered || []).length >= n", arg=n,
                           timeout=timeout_s * 1000, polling=100)


def wait_kernels_idle(server, known_pids, min_new=1, timeout_s=600, quiet_s=3.0, cpu_max=3.0):
    """Wait until ``min_new`` kernels not in ``known_pids`` exist and all kernels are idle."""
    import psutil

    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        procs = server.kernel_processes()
        new = [p for p in procs if p.pid not in known_pids]
        if len(new) >= min_new:
            busy = False
            for p in procs:
                try:
                    if p.cpu_percent(interval=0.25) > cpu_max:
                        busy = True
                except psutil.NoSuchProcess:
                    pass
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_s:
                return {p.pid for p in procs}
        time.sleep(0.5)
    raise TimeoutError("the kernel pool did not refill and settle in time")


# ------------------------------------------------------------------------------ measurements
def measure_slider(page, fig, slider_selector, status_selector, status_ms, runs, settle_s=0.4):
    """``runs`` keyboard changes of one slider; latencies (ms) and their split."""
    handle = page.locator(f"{slider_selector} .noUi-handle")
    handle.focus()
    total, rtt, py_and_wire, draw, py_ms, sizes, afterplot, painted = [], [], [], [], [], [], [], []
    missed = 0
    for i in range(runs):
        key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
        before_status = page.locator(status_selector).inner_text()
        page.evaluate(ARM_JS, fig)
        handle.press(key)
        try:
            page.wait_for_function(DONE_JS, arg=fig, timeout=15_000, polling="raf")
        except Exception:  # noqa: BLE001 - a figure that never updates is reported, not fatal
            missed += 1
            page.evaluate(READ_JS, fig)
            if missed >= 3 and not total:
                break
            continue
        r = page.evaluate(READ_JS, fig)
        t0, t_end = r["key"], r["end"]
        frames = [f for f in r["frames"] if f[0] >= t0]
        total.append(t_end - t0)
        if r["frame"] is not None:
            painted.append(r["frame"] - t0)
        if r["afterplot"] is not None:
            afterplot.append(r["afterplot"] - t0)
        if frames:
            rtt.append(frames[0][0] - t0)
            data_frame = max(frames, key=lambda f: f[1])
            sizes.append(data_frame[1])
            py_and_wire.append(data_frame[0] - t0)
            draw.append(t_end - data_frame[0])
        time.sleep(settle_s)  # the status line follows the figure message
        try:
            page.wait_for_function("([sel, old]) => document.querySelector(sel).innerText !== old",
                                   arg=[status_selector, before_status], timeout=5_000)
        except Exception:  # noqa: BLE001 - same text twice in a row is possible
            pass
        m = status_ms.search(page.locator(status_selector).inner_text())
        if m:
            py_ms.append(float(m.group(1)))
    return {"total": total, "painted": painted, "afterplot": afterplot, "first_frame": rtt, "data_frame": py_and_wire,
            "decode_draw": draw, "python_ms": py_ms, "data_frame_bytes": sizes, "missed": missed}


# The cost of single plotly.js edits in the live page (the page's Plotly called directly), each
# edit alternating between two values, ms until its promise resolves, median of `n`. Shows why
# the views send what they send, and what plotly's own widget front end would cost: it puts a key
# _doNotReportToPy inside every edit (views/static/figure.js does not).
EDIT_COSTS_JS = """async (n) => {
  const O = Plotly;
  const bowl = document.querySelector('.ht-fig-bowl'), play = document.querySelector('.ht-fig-playground');
  const tr = play.data[3], x0 = Array.from(tr.x), y0 = Array.from(tr.y);
  const F = {_doNotReportToPy: true};
  const edits = {
    'bowl: relayout images[0] (as the bowl sends it)': (i) => O.relayout(bowl, {'images[0].opacity': i % 2 ? 1 : 0.99}),
    'bowl: the same with _doNotReportToPy (as the plotly widget sends it)': (i) => O.relayout(bowl, {'images[0].opacity': i % 2 ? 1 : 0.99, ...F}),
    'bowl: relayout images.0 (as plotly.py spells it)': (i) => O.relayout(bowl, {'images.0.opacity': i % 2 ? 1 : 0.99}),
    'bowl: restyle colour-bar labels': (i) => O.restyle(bowl, {'marker.colorbar.ticktext': [[String(i), '1', '2', '3', '4']]}, [0]),
    'bowl: the same with _doNotReportToPy': (i) => O.restyle(bowl, {'marker.colorbar.ticktext': [[String(i), '1', '2', '3', '4']], ...F}, [0]),
    'bowl: relayout axis range': (i) => O.relayout(bowl, {'xaxis.range': [-1.025 - (i % 2) * 0.01, 1.025]}),
    'playground: restyle trajectories': (i) => O.restyle(play, {x: [x0.map(v => v * (1 + (i % 2) * 0.01))], y: [y0]}, [3]),
    'playground: animate trajectories, redraw false': (i) => Plotly.animate(play, {data: [{x: x0.map(v => v * (1 + (i % 2) * 0.01)), y: y0}], traces: [3]},
                                                                        {transition: {duration: 0}, frame: {duration: 0, redraw: false}}),
  };
  const raf = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  const out = {};
  for (const [name, edit] of Object.entries(edits)) {
    const t = [];
    for (let i = 0; i < n; i++) { await raf(); const t0 = performance.now(); await edit(i); t.push(performance.now() - t0); }
    t.sort((a, b) => a - b);
    out[name] = t[n >> 1];
  }
  return out;
}"""


def measure_memory_and_train(page, server, kernel_ids):
    proc = None
    for kid in kernel_ids:
        proc = server.kernel_process(kid)
        if proc is not None:
            break
    out = {}
    if proc is None:
        return {"error": "kernel process not found"}
    out["rss_loaded_mb"] = proc.memory_info().rss / 2**20
    out["peak_loaded_mb"] = vm_hwm_mb(proc.pid)
    samples, stop = [], threading.Event()

    def sample():
        while not stop.is_set():
            try:
                samples.append(proc.memory_info().rss / 2**20)
            except Exception:  # noqa: BLE001
                return
            time.sleep(0.05)

    # A new seed, so that Train computes (and draws) something new.
    seed = page.locator(".ht-lab1-mlp .ht-mlp-seed input")
    seed.fill("1")
    seed.press("Enter")
    time.sleep(0.5)
    status = page.locator(".ht-lab1-mlp .ht-status")
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t = time.perf_counter()
    page.locator(".ht-lab1-mlp .ht-train").click()
    page.wait_for_function(
        "(sel) => document.querySelector(sel).innerText.includes('Training')",
        arg=".ht-lab1-mlp .ht-status", timeout=60_000, polling=50)
    page.wait_for_function(
        "(sel) => document.querySelector(sel).innerText.includes('Done')",
        arg=".ht-lab1-mlp .ht-status", timeout=600_000, polling=100)
    out["train_wall_s"] = time.perf_counter() - t
    time.sleep(1.0)
    stop.set()
    thread.join()
    out["train_status"] = status.inner_text()
    out["rss_after_train_mb"] = proc.memory_info().rss / 2**20
    out["rss_max_sampled_mb"] = max(samples) if samples else None
    out["peak_after_train_mb"] = vm_hwm_mb(proc.pid)
    return out


def one_load(browser, server, notebook, n_figures, close=True):
    context, page, kernels = new_page(browser)
    t = time.perf_counter()
    page.goto(server.render_url(notebook), wait_until="commit", timeout=600_000)
    wait_rendered(page, n_figures)
    wall = time.perf_counter() - t
    times = page.evaluate(LOAD_TIMES_JS)
    times["wall_s"] = wall
    times["notebook"], times["figures"] = notebook, n_figures
    proc = next((p for p in map(server.kernel_process, kernels) if p is not None), None)
    times["kernel_rss_mb"] = proc.memory_info().rss / 2**20 if proc else None
    times["kernel_peak_mb"] = vm_hwm_mb(proc.pid) if proc else None
    if close:
        leave(page, context)
        return times, None, None
    return times, (context, page), kernels


def leave(page, context):
    """Navigate away, as a learner closing the tab: Voila's beforeunload handler beacons
    voila/api/shutdown/<kernel> so the kernel stops (closing the context at once loses the
    beacon), then close the context."""
    try:
        page.goto("about:blank", timeout=10_000)
        page.wait_for_timeout(500)
    finally:
        context.close()


def fmt_load(t):
    def s(x):
        return "n/a" if x is None else f"{x / 1000:.2f} s"
    return (f"HTML done {s(t['response_end'])}, widget models {s(t['models_created'])}, "
            f"first figure {s(t['first_figure'])}, all {t['figures']} {s(t['all_figures'])}; "
            f"websocket {t['ws_bytes'] / 2**20:.1f} MB in {t['ws_frames']} frames "
            f"(largest {t['ws_largest_frame'] / 2**20:.1f} MB); kernel RSS "
            f"{t['kernel_rss_mb'] or 0:.0f} MB, peak {t['kernel_peak_mb'] or 0:.0f} MB")


# ------------------------------------------------------------------------------------ phases
def phase_interactive(browser, workdir, args, results):
    server = S.VoilaServer(workdir / "interactive", args.labs, fast=args.fast,
                           jax_cache_dir=args.jax_cache, extra_args=args.voila_arg)
    server.start()
    pages, opened = {}, []
    try:
        print("\n== first visit (no preheat, JAX cache as given: cold unless --jax-cache) ==")
        results["first_visit"] = []
        for notebook, figures in args.layout.items():
            times, (context, page), kernels = one_load(browser, server, notebook, len(figures),
                                                       close=False)
            results["first_visit"].append(times)
            opened.append((context, page))
            for name in figures:
                pages[name] = (page, kernels)
            print(f"  {notebook}: " + fmt_load(times))
            print(f"    figures first rendered, s after anywidget created their models: "
                  f"{page.evaluate(S.RENDER_DELAYS_JS)}")

        print("\n== slider change -> figure updated in the browser ==")
        lr = measure_slider(pages["playground"][0], "playground", ".ht-lab1-playground .ht-lr",
                            ".ht-lab1-playground .ht-status", re.compile(r"in ([\d.]+) ms"),
                            args.runs)
        span = measure_slider(pages["bowl"][0], "bowl", ".ht-lab1-bowl .ht-span",
                              ".ht-lab1-bowl .ht-status", re.compile(r"sent in ([\d.]+) ms"),
                              args.runs)
        results["slider"] = {"playground_lr": lr, "bowl_span": span}
        for label, r in (("playground learning rate", lr), ("bowl span", span)):
            print(f"  {label}: keydown -> plotly_restyle/update/animated {summary(r['total'])}")
            print(f"    keydown -> next animation frame (painted): {summary(r['painted'])}")
            if r["missed"]:
                print(f"    {r['missed']} change(s) never reached the figure within 15 s")
            print(f"    keydown -> first websocket frame back: {summary(r['first_frame'])}")
            print(f"    keydown -> figure data frame:          {summary(r['data_frame'])}")
            print(f"    data frame -> figure drawn:            {summary(r['decode_draw'])}")
            print(f"    keydown -> plotly_afterplot:           {summary(r['afterplot'])}")
            print(f"    Python callback (status line):         {summary(r['python_ms'], digits=1)}")
            print(f"    figure data frame size:                "
                  f"{summary(r['data_frame_bytes'], unit='B')}")
        if pages["bowl"][0] is pages["playground"][0]:
            costs = pages["bowl"][0].evaluate(EDIT_COSTS_JS, 12)
            results["edit_costs_ms"] = costs
            print("  single plotly.js edits in the page (ms to done, median of 12):")
            for name, ms in costs.items():
                print(f"    {ms:6.1f}  {name}")

        print("\n== kernel memory (psutil RSS, Linux VmHWM peak) ==")
        for t in results["first_visit"]:
            print(f"  {t['notebook']} after load: RSS {t['kernel_rss_mb'] or 0:.0f} MB, "
                  f"peak {t['kernel_peak_mb'] or 0:.0f} MB")
        mem = measure_memory_and_train(pages["mlp"][0], server, pages["mlp"][1])
        results["memory"] = mem
        print("  the MLP page's kernel, Train clicked:")
        for k, v in mem.items():
            print(f"    {k}: {v:.0f}" if isinstance(v, float) else f"    {k}: {v}")
    finally:
        for context, page in opened:
            try:
                leave(page, context)
            except Exception:  # noqa: BLE001
                pass
        server.stop()


def phase_loads(browser, workdir, args, results):
    import psutil  # noqa: F401 - needed by wait_kernels_idle

    fill = pool_fill_delay()
    print(f"\n== page opened -> figures drawn, --preheat_kernel=True --pool_size=1 "
          f"--VoilaKernelManager.fill_delay={fill:g} ({args.loads} loads) ==")
    server = S.VoilaServer(workdir / "preheat", args.labs, fast=args.fast,
                           jax_cache_dir=args.jax_cache,
                           extra_args=["--preheat_kernel=True", "--pool_size=1",
                                       f"--VoilaKernelManager.fill_delay={fill:g}", *args.voila_arg])
    server.start()
    pre = []
    try:
        t = time.perf_counter()
        notebooks = len(list(Path(args.labs if Path(args.labs).is_absolute()
                                  else ROOT / args.labs).glob("*.ipynb")))
        known = wait_kernels_idle(server, set(), min_new=notebooks)  # one pooled kernel each
        print(f"  pool ready {time.perf_counter() - t:.0f} s after the server started")
        for i in range(args.loads):
            for notebook, figures in args.layout.items():
                times, _, _ = one_load(browser, server, notebook, len(figures))
                pre.append(times)
                print(f"  load {i + 1}, {notebook}: " + fmt_load(times))
            if i + 1 < args.loads:
                t = time.perf_counter()
                known = wait_kernels_idle(server, known, min_new=len(args.layout))
                print(f"    pool refilled and idle after {time.perf_counter() - t:.0f} s")
        shutdowns = server.log_text().count("Kernel shutdown")
        print(f"  (kernels shut down by the pages' beforeunload beacon: {shutdowns})")
    finally:
        server.stop()
    results["preheated_loads"] = pre

    print(f"\n== page opened -> figures drawn, no preheat, warm JAX cache ({args.cold_loads} loads) ==")
    server = S.VoilaServer(workdir / "cold", args.labs, fast=args.fast,
                           jax_cache_dir=args.jax_cache, extra_args=args.voila_arg)
    server.start()
    cold = []
    try:
        for i in range(args.cold_loads):
            for notebook, figures in args.layout.items():
                times, _, _ = one_load(browser, server, notebook, len(figures))
                cold.append(times)
                print(f"  load {i + 1}, {notebook}: " + fmt_load(times))
    finally:
        server.stop()
    results["cold_loads"] = cold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20, help="keyboard changes per slider (>= 20)")
    ap.add_argument("--loads", type=int, default=5, help="page loads with a preheated kernel")
    ap.add_argument("--cold-loads", type=int, default=3, help="page loads without preheating")
    ap.add_argument("--skip-loads", action="store_true", help="only sliders and memory")
    ap.add_argument("--fast", action="store_true", help="HARDTRAIN_FAST=1 (test sizes)")
    ap.add_argument("--jax-cache", default=None,
                    help="JAX compilation cache folder (default: a fresh temporary one)")
    ap.add_argument("--json", default=None, help="also write all measurements to this file")
    ap.add_argument("--labs", default="labs",
                    help="folder Voila serves (default labs; another one to A/B a change)")
    ap.add_argument("--voila-arg", action="append", default=[],
                    help="extra voila option, repeatable (e.g. a file_allowlist for --labs)")
    ap.add_argument("--inline-bundle", action="store_true",
                    help="HARDTRAIN_SHARED_PLOTLY_BUNDLE=0: every figure carries plotly's bundle "
                         "(default: shared, as `tasks.py serve`)")
    args = ap.parse_args()

    reason = S.missing_browser_reason()
    if reason:
        sys.exit(f"cannot run: {reason}")
    # SIGTERM (e.g. `timeout`) ends the run through the finally blocks: servers and kernels stop.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["HARDTRAIN_SHARED_PLOTLY_BUNDLE"] = "0" if args.inline_bundle else \
        os.environ.get("HARDTRAIN_SHARED_PLOTLY_BUNDLE", "1")
    from playwright.sync_api import sync_playwright

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}; voila {version('voila')}, plotly {version('plotly')}, "
          f"anywidget {version('anywidget')}, ipywidgets {version('ipywidgets')}, "
          f"jax {version('jax')}, playwright {version('playwright')}")
    print(f"mode: {'HARDTRAIN_FAST=1' if args.fast else 'learner sizes (no HARDTRAIN_FAST)'}; "
          f"HARDTRAIN_SHARED_PLOTLY_BUNDLE={os.environ['HARDTRAIN_SHARED_PLOTLY_BUNDLE']}; "
          f"date {time.strftime('%Y-%m-%d %H:%M')}")
    args.layout = S.lab1_layout(args.labs if Path(args.labs).is_absolute() else ROOT / args.labs)
    print(f"lab-1 notebooks and their figures: {args.layout}")
    results = {"args": vars(args)}
    with tempfile.TemporaryDirectory(prefix="hardtrain-bench-") as tmp:
        workdir = Path(tmp)
        if args.jax_cache is None:
            args.jax_cache = str(workdir / "jax-cache")
        with sync_playwright() as pw:
            browser = S.launch_chromium(pw)
            results["chromium"] = browser.version
            print(f"chromium {browser.version}")
            phase_interactive(browser, workdir, args, results)
            if not args.skip_loads:
                phase_loads(browser, workdir, args, results)
            browser.close()

    print("\n== summary (targets: slider median <= 50 ms; preheated first figure <= 3 s; "
          "kernel <= 600 MB) ==")
    sl = results["slider"]
    for label, key in (("playground lr", "playground_lr"), ("bowl span", "bowl_span")):
        print(f"  slider {label}: {summary(sl[key]['total'])}; Python "
              f"{summary(sl[key]['python_ms'], digits=1)}")
    if not args.skip_loads:
        for label, key in (("preheated", "preheated_loads"), ("no preheat", "cold_loads")):
            for notebook in args.layout:
                loads = [t for t in results[key] if t["notebook"] == notebook]
                firsts = [t["first_figure"] / 1000 for t in loads if t["first_figure"]]
                alls = [t["all_figures"] / 1000 for t in loads if t["all_figures"]]
                print(f"  {label}, {notebook}: first figure {summary(firsts, 's', 2)}; all "
                      f"{summary(alls, 's', 2)}")
    mem = results["memory"]
    for t in results["first_visit"]:
        print(f"  kernel of {t['notebook']} (first visit): RSS {t['kernel_rss_mb'] or 0:.0f} MB, "
              f"peak {t['kernel_peak_mb'] or 0:.0f} MB after load")
    if "peak_after_train_mb" in mem:
        print(f"  MLP page kernel: RSS {mem['rss_after_train_mb']:.0f} MB after Train; peak "
              f"(VmHWM) {mem['peak_after_train_mb']:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
