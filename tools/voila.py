"""A real Voila server and Chromium, for the browser tests and the benchmarks (``tests/browser/``,
``benchmarks/browser_*.py``, ``assets/screenshot.py``).

A real Voila server (``python -m voila labs/``) in its own process group with every Jupyter
folder, the system temp dir and the hardtrain cache inside one temporary folder, and the
Chromium flags that work on these machines (headless, no sandbox as root, no GPU). Standard library
plus psutil only; Playwright is imported by the callers.

Facts this module relies on (measured with voila 0.5.13, plotly 7.1.0, anywidget 0.11.0):
- Voila executes the whole notebook before the page's widgets connect; "Voilà is running at"
  in its log, or the TCP port accepting connections, means the server is up. Never poll ``GET /``
  to find out: that request executes a notebook.
- Kernels are started with ``start_new_session=True`` (jupyter_client), so they are NOT in the
  server's process group: a clean stop is SIGTERM to the server (it shuts its kernels down),
  then SIGKILL for the group and for any kernel process still alive.
- The class ``ht-fig-<name>`` lands on the plotly graph div itself (the element with
  ``.js-plotly-plot`` whose ``.data`` holds the live traces), not on a wrapper.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CHROMIUM = "/usr/bin/chromium"

#: A lab page executes the whole notebook before it shows anything: ~40 s with a warm JAX
#: cache, ~90 s cold on a 2-core CPU in fast mode. The limit leaves room for a busy CI machine.
PAGE_LOAD_TIMEOUT_S = 240

#: Flags for Debian's Chromium (apt-get install chromium) driven by Playwright's client: headless,
#: no sandbox (CI runs as root), no GPU, no background network. Never `playwright install`.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Text that means Python failed somewhere on the page. Voila prints the first two with
#: --show_tracebacks=True (the tests' setting); the third is its message when tracebacks are
#: hidden (voila.json); the last two are the widget manager's errors.
PAGE_ERROR_TEXTS = (
    "Traceback (most recent call last)",
    "ModuleNotFoundError",
    "There was an error when executing cell",
    "Error displaying widget",
    "Failed to load model class",
)


#: Installed in every page before its scripts run (behaviour unchanged, only recorded, in
#: performance.now() milliseconds):
#: - __htWsLargest: the largest websocket frame the page received, in bytes;
#: - __htRendered: each plotly FigureWidget view that finished its first full render (plotly's
#:   widget fires "plotlywidget-after-render" after newPlot, once its listeners are in place);
#: - __htModelClocks: each AbortSignal.timeout(2000) anywidget 0.11 starts when it creates a
#:   model's runtime. A model whose ESM is not loaded and initialised before that timer fires
#:   gets its `ready` promise rejected, and AnyModel._handle_comm_msg then drops every later
#:   comm message to it: the figure is drawn but never updates again.
RENDER_WATCH_JS = """
window.__htRendered = [];
window.__htModelClocks = [];
window.__htWsLargest = 0;
(() => {
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const d = e.data;
        const n = d == null ? 0 : (d.byteLength ?? d.size ?? d.length ?? 0);
        window.__htWsLargest = Math.max(window.__htWsLargest, n);
      });
    }
  };
})();
document.addEventListener('plotlywidget-after-render', (e) => {
  window.__htRendered.push({t: performance.now(),
                            fig: (e.detail && e.detail.element && e.detail.element.className) || ''});
});
(() => {
  const timeout = AbortSignal.timeout.bind(AbortSignal);
  AbortSignal.timeout = (ms) => {
    if (ms === 2000) window.__htModelClocks.push(performance.now());
    return timeout(ms);
  };
})();
"""

def returning_learner_js() -> str:
    """An init script that stores, before a page's own scripts run, a committed prediction for
    every question of hardtrain.exercises.predictions (the answer the figure shows), unless this
    browser context already stores progress: the pages then open with every view revealed, as for
    a learner coming back. Tests of the first visit (tests/browser/test_progress.py) do not add it."""
    from hardtrain.exercises.predictions import PREDICTIONS
    from hardtrain.views.progress import STORAGE_KEY

    records = {pid: {"choice": p.answer, "correct": True} for pid, p in PREDICTIONS.items()}
    return (f"if (!window.localStorage.getItem({json.dumps(STORAGE_KEY)})) "
            f"window.localStorage.setItem({json.dumps(STORAGE_KEY)}, "
            f"{json.dumps(json.dumps({'prediction': records}))});")


#: Seconds from anywidget's model clocks to each figure's first render (see RENDER_WATCH_JS).
RENDER_DELAYS_JS = """() => {
  const clocks = window.__htModelClocks || [];
  const start = clocks.length ? Math.min(...clocks) : null;
  return (window.__htRendered || []).map((r) => ({
    fig: (r.fig.match(/ht-fig-[\\w-]+/) || [r.fig])[0],
    after_model_s: start === null ? null : Math.round(r.t - start) / 1000,
  }));
}"""


#: Lab 1's views (class in hardtrain.views.lab1 -> figure name, i.e. the `ht-fig-<name>` class).
LAB1_VIEWS = {"ConvexBowl": "bowl", "ProductPlayground": "playground", "Symmetries": "symmetries",
              "MLPSlice": "mlp"}


# ---------------------------------------------------------------------------------------------
# Reading the live plotly data of a page: the graph div that carries `.data` has (or sits inside
# an element with) the class ht-fig-<name> that hardtrain.views gives each figure.

GRAPH_JS = """
const graph = (name) => {
  const el = document.querySelector('.ht-fig-' + name);
  if (!el) return null;
  return el.matches('.js-plotly-plot') ? el : el.querySelector('.js-plotly-plot');
};
const plain = (v) => ArrayBuffer.isView(v) ? Array.from(v)
  : Array.isArray(v) ? v.map(plain) : (v === undefined ? null : v);
"""

#: ``[name, index, keys]`` -> JSON of those keys of trace ``index``, or null.
TRACE_JS = "([name, index, keys]) => {" + GRAPH_JS + """
  const gd = graph(name);
  if (!gd || !gd.data || !gd.data[index]) return null;
  return JSON.stringify(keys.map((k) => plain(gd.data[index][k])));
}"""

#: ``[name, index, keys, before]`` -> whether those keys now differ from the JSON ``before``.
CHANGED_JS = "([name, index, keys, before]) => {" + GRAPH_JS + """
  const gd = graph(name);
  if (!gd || !gd.data || !gd.data[index]) return false;
  return JSON.stringify(keys.map((k) => plain(gd.data[index][k]))) !== before;
}"""

#: ``[n, errorTexts]`` -> at least n figures rendered, or an error text shown. plotly's widget
#: fires "plotlywidget-after-render" once its listeners are in place (RENDER_WATCH_JS records
#: it); a `.main-svg` alone is not enough: the view first draws an empty placeholder plot.
RENDERED_OR_ERROR_JS = """([n, errorTexts]) => {
  const text = document.body ? document.body.innerText : '';
  return (window.__htRendered || []).length >= n || errorTexts.some((t) => text.includes(t));
}"""


#: For every plotly figure on the page: the legend's box and each title's box (the main title,
#: subplot titles), in page pixels; returns the pairs that intersect, as readable strings.
LEGEND_OVER_TITLE_JS = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const meet = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  const out = [];
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const legend = gd.querySelector('g.legend');
    if (!legend || legend.getBoundingClientRect().width === 0) continue;
    const titles = [...gd.querySelectorAll('.g-gtitle text.gtitle'),
                    ...gd.querySelectorAll('g.annotation-text-g text')].filter((t) => t.textContent.trim());
    for (const t of titles) {
      if (meet(box(legend), box(t))) out.push(`legend over "${t.textContent.trim().slice(0, 60)}" in ${gd.className}`);
    }
  }
  return out;
}"""


def legends_over_titles(page) -> list[str]:
    """Titles (main or subplot) that a figure's legend covers on this page: [] when none."""
    return page.evaluate(LEGEND_OVER_TITLE_JS)


def trace_raw(page, name: str, index: int, keys=("x", "y")) -> str | None:
    """JSON text of ``keys`` of trace ``index`` of figure ``name`` in the page (None: no trace)."""
    return page.evaluate(TRACE_JS, [name, index, list(keys)])


def trace(page, name: str, index: int, keys=("x", "y")) -> list | None:
    """``keys`` of trace ``index`` of figure ``name`` as Python lists (None: no such trace)."""
    raw = trace_raw(page, name, index, keys)
    return None if raw is None else json.loads(raw)


def lab1_layout(labs: Path | None = None) -> dict[str, list[str]]:
    """Which lab-1 notebook shows which views: {file name: [figure names, in page order]}.

    Read from the code cells of ``labs/01*.ipynb`` (a view is a ``lab1.<View>(...)`` call), so
    the tests and the benchmark follow the notebooks when views move between them.
    """
    labs = ROOT / "labs" if labs is None else Path(labs)
    call = re.compile(r"\blab1\.(" + "|".join(LAB1_VIEWS) + r")\(")
    layout = {}
    for path in sorted(labs.glob("01*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        figures = [LAB1_VIEWS[m.group(1)] for m in call.finditer(code)]
        if figures:
            layout[path.name] = figures
    return layout


def _environment():
    """src/hardtrain/environment.py, loaded by path (standard library only; no install needed)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_hardtrain_environment", ROOT / "src" / "hardtrain" / "environment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def chromium_path() -> str:
    """``$HARDTRAIN_CHROMIUM`` or Debian's ``/usr/bin/chromium``."""
    return os.environ.get("HARDTRAIN_CHROMIUM") or DEFAULT_CHROMIUM


def browser_required() -> bool:
    """A missing browser is an error (not a skip) under CI or ``HARDTRAIN_REQUIRE_BROWSER=1``."""
    return truthy(os.environ.get("HARDTRAIN_REQUIRE_BROWSER")) or truthy(os.environ.get("CI"))


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    path = chromium_path()
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        return (f"no Chromium at {path} (install Debian's `chromium` or set HARDTRAIN_CHROMIUM; "
                "never `playwright install`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright Python package is not importable ({exc}); install the test extras"
    return None


def launch_chromium(playwright):
    """Launch Debian's Chromium through Playwright with the flags that work here."""
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS,
                                      headless=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


class VoilaServer:
    """``voila <target> --no-browser`` on 127.0.0.1 with everything it writes under ``workdir``.

    Args:
      workdir: a fresh folder; it receives the Jupyter data/runtime/config dirs, TMPDIR, the
        hardtrain cache (``HARDTRAIN_CACHE_DIR``), the JAX compilation cache and ``voila.log``.
      target: what Voila serves, relative to the repository root (default ``labs``: the tree).
      fast: set ``HARDTRAIN_FAST=1`` for the server and its kernels.
      extra_args: more command-line options for voila.
      env: more environment variables (they win over the defaults above).
      jax_cache_dir: JAX compilation cache of the kernels; default: ``$JAX_COMPILATION_CACHE_DIR``
        when set, else ``workdir/cache/jax``.
      root: the checkout whose ``src/`` the kernels import and whose ``voila.json`` the server
        reads (its working directory); default this repository (a benchmark compares two).
    """

    READY_LINE = re.compile(r"Voil[aà] is running at")

    def __init__(self, workdir: Path, target: str = "labs", *, fast: bool = True,
                 extra_args: list[str] | tuple[str, ...] = (), env: dict[str, str] | None = None,
                 jax_cache_dir: str | os.PathLike | None = None, root: str | os.PathLike | None = None):
        self.workdir = Path(workdir)
        self.root = ROOT if root is None else Path(root)
        self.target = target
        self.fast = fast
        self.extra_args = list(extra_args)
        self.extra_env = dict(env or {})
        self.jax_cache_dir = jax_cache_dir
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path = self.workdir / "voila.log"
        self._log_file = None
        self._kernel_pids: set[int] = set()

    # ------------------------------------------------------------------------- environment
    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        dirs = {}
        for name in ("jupyter-data", "jupyter-runtime", "jupyter-config", "tmp", "cache"):
            dirs[name] = self.workdir / name
            dirs[name].mkdir(parents=True, exist_ok=True)
        env["JUPYTER_DATA_DIR"] = str(dirs["jupyter-data"])
        env["JUPYTER_RUNTIME_DIR"] = str(dirs["jupyter-runtime"])
        env["JUPYTER_CONFIG_DIR"] = str(dirs["jupyter-config"])  # no ~/.jupyter config leaks in
        env["TMPDIR"] = str(dirs["tmp"])
        env["HARDTRAIN_CACHE_DIR"] = str(dirs["cache"])
        # JAX's compilation cache: an explicit folder, else the caller's (`tasks.py test` points
        # it at the per-user cache that the notebook tests have just filled, so the Voila kernels
        # load compiled programs), else a private one inside workdir (cold, as a first visit).
        if self.jax_cache_dir is not None:
            env["JAX_COMPILATION_CACHE_DIR"] = str(self.jax_cache_dir)
        else:
            env.setdefault("JAX_COMPILATION_CACHE_DIR", str(dirs["cache"] / "jax"))
        env.setdefault("MPLBACKEND", "Agg")
        # As `tasks.py serve` and binder/start do (hardtrain.environment's fixed defaults):
        # figures load one plotly.js per page by URL (HARDTRAIN_SHARED_PLOTLY_BUNDLE; a caller can
        # set it to 0 to measure plotly's own widget), and two malloc arenas make smaller kernels.
        for key, value in _environment().FIXED_DEFAULTS.items():
            env.setdefault(key, value)
        if self.fast:
            env["HARDTRAIN_FAST"] = "1"
        else:
            env.pop("HARDTRAIN_FAST", None)
        # The kernels must import this checkout's package even when it is not installed.
        src = str(self.root / "src")
        env["PYTHONPATH"] = os.pathsep.join([src] + [p for p in env.get("PYTHONPATH", "").split(
            os.pathsep) if p and p != src])
        env.update(self.extra_env)
        return env

    def command(self, port: int) -> list[str]:
        return [sys.executable, "-m", "voila", self.target, "--no-browser",
                f"--port={port}", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
                *self.extra_args]

    # ------------------------------------------------------------------------------ start
    def start(self, timeout: float = 90.0, attempts: int = 3) -> "VoilaServer":
        """Start the server and wait for its port (never by requesting a page)."""
        last_error = ""
        self.workdir.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts):
            port = free_port()
            self._log_file = open(self.log_path, "ab")
            self.proc = subprocess.Popen(self.command(port), cwd=self.root, env=self.environment(),
                                         stdout=self._log_file, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_error = f"voila exited with status {self.proc.returncode}"
                    break
                if self.READY_LINE.search(self.log_text()) and port_open(port):
                    self.port = port
                    return self
                time.sleep(0.2)
            else:
                last_error = f"voila did not open port {port} within {timeout:.0f} s"
            self.stop()
        raise RuntimeError(f"{last_error}; log tail:\n{self.log_tail()}")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def render_url(self, notebook: str) -> str:
        return self.url(f"voila/render/{notebook}")

    def is_own_url(self, url: str) -> bool:
        parsed = urlparse(url or "")
        return parsed.hostname in {"127.0.0.1", "localhost"} and parsed.port == self.port

    # ---------------------------------------------------------------------------- the log
    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    # ---------------------------------------------------------------------------- kernels
    def kernel_processes(self):
        """psutil.Process objects of the server's live kernels (needs psutil)."""
        import psutil

        if self.proc is None:
            return []
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        kernels = []
        for child in children:
            try:
                cmd = " ".join(child.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if "ipykernel" in cmd or "kernel-" in cmd:
                kernels.append(child)
                self._kernel_pids.add(child.pid)
        return kernels

    def kernel_process(self, kernel_id: str):
        """The kernel process whose connection file names ``kernel_id``, or None."""
        for proc in self.kernel_processes():
            try:
                if kernel_id in " ".join(proc.cmdline()):
                    return proc
            except Exception:  # noqa: BLE001 - it may just have exited
                continue
        return None

    # ------------------------------------------------------------------------------- stop
    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM (Voila shuts its kernels down), then SIGKILL whatever is left."""
        if self.proc is None:
            return
        try:
            self.kernel_processes()  # remember the kernels: they live in their own sessions
        except Exception:  # noqa: BLE001 - psutil missing or the server already gone
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        for pid in sorted(self._kernel_pids):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._kernel_pids.clear()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        self.proc = None


def external_request(url: str) -> str | None:
    """A problem string when the page requests something outside 127.0.0.1, else None.

    A lab page must load everything from its own server: an offline classroom has no network,
    and a learner's browser should call no third party. ``data:``, ``blob:`` and ``about:`` URLs
    stay in the page.
    """
    parsed = urlparse(url or "")
    if parsed.scheme in {"data", "blob", "about", "chrome", "chrome-extension"}:
        return None
    if parsed.hostname in {"127.0.0.1", "localhost"}:
        return None
    return f"external request: {url[:200]}"


def classify_console(kind: str, text: str, url: str, server: VoilaServer) -> str | None:
    """Return a reason string when a browser console message is a real problem, else None.

    Harmless (ignored): warnings and info of any kind, e.g. "Unsatisfied version ... of shared
    singleton module" (JupyterLab federation), and a failed fetch of anything outside the Voila
    server (such requests are reported separately: :func:`external_request`).
    """
    if kind not in {"error", "pageerror"}:
        return None
    if "Unsatisfied version" in text or "No satisfying version" in text:
        return None
    if "Failed to load resource" in text or "net::ERR_" in text:
        if url and not server.is_own_url(url):
            return None  # CDN / font fetch without network
        if "favicon" in (url or ""):
            return None
    return f"{kind}: {text} ({url})" if url else f"{kind}: {text}"
