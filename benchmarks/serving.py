"""Serving a class, measured as students meet it (issue: serving a real class).

Two scenarios, each printing a table for benchmarks/RESULTS.md:

1. ``--scenario tabs`` (the Binder route: ``binder/start`` + Jupyter Server + Voila's extension,
   as on mybinder.org). A warm-up pass opens and closes every lab page once, so the JAX cache is
   as postBuild leaves it. Then one student opens every lab page in its own tab, one after the
   other, and keeps them open: for each page, the time to its first figure and the memory of the
   whole server (server + kernels) with every tab so far open, twice: the sum of the processes'
   RSS (which counts the shared libraries once per kernel) and the sum of their PSS (shared
   pages split between the processes that map them: the memory the machine really gives them,
   what a container's limit such as mybinder.org's 2 GB counts, page cache aside). Then every
   tab but the last goes behind it (hidden, as when the student switches tabs): after
   ``--hidden-seconds`` each hidden page shuts its kernel down, and the memory is read again;
   then the first tab comes back and the time until it has reloaded and drawn its first figure
   with its settings is measured. Last, the student closes every tab (the page unloads) and the
   memory is read again 10 s later. With ``--buttons``, the student also uses each page as it
   opens: its heavy buttons (:data:`BUTTONS`) are pressed in turn, each until the kernels are idle
   again, and the server's peak memory is sampled every second (issue goal 2: every lab open in
   its own tab and used, inside 2 GB).
2. ``--scenario class`` (``tasks.py serve --lab 01 --class-size N``'s pool plan on standalone
   Voila): first one student alone on the ready pool (the reference), then, once the pool has
   refilled, N students (one browser context each) open lab 1 within one second; each student's
   first figure (the ratio of the p90 to the single student's is the figure of merit), split into
   the page's phases (HTML received, first widget model, first figure drawn: :data:`PHASES_JS`).

3. ``--scenario course`` (the Binder route again, with the course page ``labs/00_course.ipynb``:
   one kernel for the whole course). After the same warm-up, side by side in one run: each lab's
   own page opened cold (a kernel per page, the route of scenario 1), then the course page
   opened once and every lab's tab chosen in turn: the time from the click to the tab's first
   drawn figure, and the memory of the server with the course page's one kernel. Last, the course
   page opened at a lab's address (``00_course.ipynb#01``): its first figure from cold. With
   ``--buttons`` (which skips the lab pages' own timings), before that, the student presses each lab's heaviest button in the one course
   kernel (train, run GD at every width, every sweep, the live pruning study and ablations),
   each until the kernel is idle again (or 240 s, then Stop): the server's memory, sampled every
   second, at its peak and at the end.

Pages open as a returning learner's (predictions stored, every view shown at once:
``tools.voila.returning_learner_js``).

Run: ``.venv/bin/python benchmarks/serving.py --scenario tabs`` (about 10 minutes on 2 cores),
``--scenario class --students 8`` (about 5 minutes) and ``--scenario course`` (about 6 minutes). ``--fast`` uses the tests' small sizes.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.voila import (PAGE_LOAD_TIMEOUT_S, RENDER_WATCH_JS, VoilaServer, launch_chromium,  # noqa: E402
                         returning_learner_js)

LABS = sorted(p.name for p in (ROOT / "labs").glob("*.ipynb") if not p.name.startswith("00_"))


def tree_rss_mb(server: VoilaServer) -> float:
    """Resident memory of the server process and all its children, in MB (RSS summed)."""
    return tree_memory_mb(server)[0]


def tree_memory_mb(server: VoilaServer) -> tuple[float, float]:
    """(RSS summed, PSS summed) of the server process and all its children, in MB.

    RSS counts a shared library's pages in every process that maps it (jaxlib's ~150 MB once per
    kernel); PSS splits them, so the PSS sum is the physical memory the processes hold together.
    """
    import psutil

    proc = psutil.Process(server.proc.pid)
    rss = pss = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            info = p.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss += info.rss
        pss += info.pss
    return rss / 2**20, pss / 2**20


def memory_text(server: VoilaServer) -> str:
    rss, pss = tree_memory_mb(server)
    return f"{pss:.0f} MB PSS ({rss:.0f} MB RSS summed)"


#: Pretend a page went behind another tab, or came back (headless pages are always visible).
VISIBILITY_JS = """(state) => {
  Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
  Object.defineProperty(document, 'hidden', {value: state === 'hidden', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def first_figure_s(page, url: str) -> float:
    """Open ``url``; the seconds until its first figure is drawn."""
    return _open_until(page, url, "() => (window.__htRendered || []).length >= 1")


def binder_server(workdir: Path, fast: bool, hidden_seconds: float) -> VoilaServer:
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from test_binder_route import BinderServer  # the Binder route, exactly as the test starts it

    return BinderServer(workdir, fast=fast, jax_cache_dir=workdir / "jax",
                        env={"HARDTRAIN_HIDDEN_TAB_SECONDS": str(hidden_seconds)})


def scenario_tabs(args) -> None:
    from playwright.sync_api import sync_playwright

    server = binder_server(Path(tempfile.mkdtemp()), args.fast, args.hidden_seconds)
    server.start()
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            print("warm-up: every page once (fills the JAX cache as postBuild does)", flush=True)
            _warm_up(browser, server, course=False)
            print(f"\nserver alone: {memory_text(server)}\n")
            if args.buttons:
                print("| page (each kept open in its own tab) | first figure | buttons pressed (s until idle) "
                      "| server + kernels, PSS: peak so far | after | RSS summed |")
                print("| --- | --- | --- | --- | --- | --- |")
            else:
                print("| page (each kept open in its own tab) | first figure | server + kernels, PSS | RSS summed |")
                print("| --- | --- | --- | --- |")
            sampler = _PeakSampler(server).__enter__()
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            ctx.add_init_script(RENDER_WATCH_JS)
            ctx.add_init_script(returning_learner_js())
            pages, times = [], []
            for lab in LABS:
                page = ctx.new_page()
                times.append(first_figure_s(page, server.url(f"voila/render/labs/{lab}")))
                pages.append(page)
                time.sleep(2)
                if not args.buttons:
                    rss, pss = tree_memory_mb(server)
                    print(f"| {lab} | {times[-1]:.1f} s | {pss:.0f} MB | {rss:.0f} MB |", flush=True)
                    continue
                pressed = []
                for key, name, nth in BUTTONS:
                    if key == lab.split("_")[0]:
                        done = _click_until_idle(page, name, nth, server)
                        pressed.append(f"{name} ({'none' if done is None else f'{done[0]:.0f}'}"
                                       f"{', stopped' if done and done[1] else ''})")
                rss, pss = tree_memory_mb(server)
                print(f"| {lab} | {times[-1]:.1f} s | {', '.join(pressed) or '-'} | {sampler.peak:.0f} MB "
                      f"| {pss:.0f} MB | {rss:.0f} MB |", flush=True)
            sampler.__exit__(None, None, None)
            print(f"\nmedian first figure {statistics.median(times):.1f} s; with all {len(pages)} tabs open: "
                  f"{memory_text(server)}")
            # The student works in the last tab; the others are hidden behind it.
            for page in pages[:-1]:
                page.evaluate(VISIBILITY_JS, "hidden")
            t0 = time.monotonic()
            while len(server.kernel_processes()) > 1 and time.monotonic() - t0 < args.hidden_seconds + 60:
                time.sleep(1)
            time.sleep(5)
            print(f"{len(pages) - 1} tabs hidden for {time.monotonic() - t0:.0f} s "
                  f"(HARDTRAIN_HIDDEN_TAB_SECONDS={args.hidden_seconds:g}): {memory_text(server)}, "
                  f"{len(server.kernel_processes())} kernel(s) left")
            first = pages[0]
            t0 = time.perf_counter()
            with first.expect_navigation(timeout=PAGE_LOAD_TIMEOUT_S * 1000):
                first.evaluate(VISIBILITY_JS, "visible")
            first.wait_for_function("(window.__htRendered || []).length >= 1",
                                    timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=100)
            print(f"back to the first tab ({LABS[0]}): reloaded, first figure after "
                  f"{time.perf_counter() - t0:.1f} s; {memory_text(server)}", flush=True)
            for page in pages:
                page.close(run_before_unload=True)
            time.sleep(10)
            print(f"10 s after closing every tab: {memory_text(server)} "
                  f"({len(server.kernel_processes())} kernels left)")
            browser.close()
    finally:
        server.stop()


TAB_DRAWN_JS = """(key) => Array.from(document.querySelectorAll(`.ht-course-page-${key} .js-plotly-plot`))
  .some((gd) => gd._fullLayout && gd.querySelector('.main-svg'))"""


def _open_until(page, url: str, js: str, arg=None) -> float:
    """Open ``url`` and wait until ``js(arg)`` is true; the seconds it took."""
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=PAGE_LOAD_TIMEOUT_S * 1000)
    page.wait_for_function(js, arg=arg, timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=50)
    return time.perf_counter() - t0


def _warm_up(browser, server, course: bool = True) -> None:
    """Every page once (fills the JAX cache as postBuild does)."""
    for lab in (["00_course.ipynb"] if course else []) + LABS:
        ctx = browser.new_context()
        ctx.add_init_script(RENDER_WATCH_JS)
        ctx.add_init_script(returning_learner_js())
        page = ctx.new_page()
        ready = ("() => !!document.querySelector('.ht-course-tabs')" if lab == "00_course.ipynb"
                 else "() => (window.__htRendered || []).length >= 1")
        _open_until(page, server.url(f"voila/render/labs/{lab}"), ready)
        page.close(run_before_unload=True)
        ctx.close()
    time.sleep(5)


#: (tab, button name, which of the tab's buttons of that name) pressed by ``--buttons``.
BUTTONS = [("01b", "Train and look", 0), ("02", "All widths", 0), ("02b", "Run sweep", 0),
           ("03", "Run sweep", 0), ("03", "Run sweep", 1), ("03b", "Run sweep", 0),
           ("03b", "Measure my ladder", 0), ("04", "Run live study", 0), ("04b", "Run live ablations", 0)]


class _PeakSampler:
    """The server's memory (server + kernels, PSS) sampled every second in a thread: ``peak``."""

    def __init__(self, server: VoilaServer):
        import threading

        self.server, self.peak = server, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, tree_memory_mb(self.server)[1])
            except psutil.Error:
                pass  # a kernel ended between listing and reading it
            time.sleep(1.0)

    def __enter__(self) -> "_PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _click_until_idle(scope, name: str, nth: int, server: VoilaServer) -> tuple[float, bool] | None:
    """Click the ``nth`` button called ``name`` inside ``scope`` (a page or a locator), then wait
    until the kernels are idle again (CPU under 10% for 3 s), pressing Stop past 240 s.

    Returns:
      (seconds until idle, whether Stop was pressed), or None when there is no such button.
    """
    buttons = scope.get_by_role("button", name=name, exact=True)
    if buttons.count() <= nth:
        return None
    kernels = server.kernel_processes()
    for k in kernels:
        k.cpu_percent(None)
    t0 = time.perf_counter()
    buttons.nth(nth).click()
    quiet, stopped = 0, False
    while quiet < 3:
        time.sleep(1.0)
        busy = sum(k.cpu_percent(None) for k in kernels if k.is_running())
        quiet = quiet + 1 if busy < 10 else 0
        if time.perf_counter() - t0 > 240 and not stopped:
            stop_buttons = scope.get_by_role("button", name="Stop")
            for i in range(stop_buttons.count()):
                if stop_buttons.nth(i).is_enabled():
                    stop_buttons.nth(i).click()
            stopped = True
    return time.perf_counter() - t0 - 3, stopped


def _press_every_button(page, server) -> None:
    """Press each of BUTTONS in turn; print the server's peak and final memory around each."""
    print("\n| button (course page, one kernel) | seconds until idle | server + kernel PSS: peak so far | after |")
    print("| --- | --- | --- | --- |")
    with _PeakSampler(server) as sampler:
        for key, name, nth in BUTTONS:
            page.get_by_role("tab", name=re.compile(rf"^{key.lstrip('0')} · ")).click()
            page.wait_for_function(TAB_DRAWN_JS, arg=key, timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=100)
            pressed = _click_until_idle(page.locator(f".ht-course-page-{key}"), name, nth, server)
            if pressed is None:
                print(f"| {key}: {name} | (no such button) | | |")
                continue
            seconds, stopped = pressed
            rss, pss = tree_memory_mb(server)
            print(f"| {key}: {name}{' (stopped at 240 s)' if stopped else ''} | {seconds:.0f} s "
                  f"| {sampler.peak:.0f} MB | {pss:.0f} MB |", flush=True)
    print(f"\nafter every button: peak {sampler.peak:.0f} MB PSS; now {memory_text(server)}; "
          f"traceback on the page: {page.evaluate('() => document.body.innerText.includes(`Traceback`)')}")


def scenario_course(args) -> None:
    from playwright.sync_api import sync_playwright

    server = binder_server(Path(tempfile.mkdtemp()), args.fast, 300)
    server.start()
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            print("warm-up: every page once (fills the JAX cache as postBuild does)", flush=True)
            _warm_up(browser, server)
            print(f"\nserver alone: {memory_text(server)}\n", flush=True)
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            ctx.add_init_script(RENDER_WATCH_JS)
            ctx.add_init_script(returning_learner_js())
            own = {}
            for lab in ([] if args.buttons else LABS):  # scenario 1's route: a page and a cold kernel per lab
                page = ctx.new_page()
                own[lab] = first_figure_s(page, server.url(f"voila/render/labs/{lab}"))
                page.close(run_before_unload=True)
                time.sleep(3)
            page = ctx.new_page()
            opened = _open_until(page, server.url("voila/render/labs/00_course.ipynb"),
                                 "() => !!document.querySelector('.ht-course-page-00 .ht-progress-table')")
            print(f"course page opened (start tab drawn) after {opened:.1f} s; {memory_text(server)}\n")
            print("| lab | its own page: first figure (cold kernel) | course page: click to first figure "
                  "| server + kernels after, PSS |")
            print("| --- | --- | --- | --- |")
            course = {}
            for lab in LABS:
                key = lab.split("_", 1)[0]
                t0 = time.perf_counter()
                page.get_by_role("tab", name=re.compile(rf"^{key.lstrip('0')} · ")).click()
                page.wait_for_function(TAB_DRAWN_JS, arg=key, timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=50)
                course[lab] = time.perf_counter() - t0
                time.sleep(2)
                rss, pss = tree_memory_mb(server)
                print(f"| {lab} | {own.get(lab, float('nan')):.1f} s | {course[lab]:.1f} s | {pss:.0f} MB |", flush=True)
            errors = page.evaluate("() => document.body.innerText.includes('Traceback')")
            print(f"\nmedian first figure: own pages {statistics.median(own.values() or [float('nan')]):.1f} s, course tabs "
                  f"{statistics.median(course.values()):.1f} s (slowest tab {max(course.values()):.1f} s); "
                  f"every lab built in the course page: {memory_text(server)}; traceback on the page: {errors}")
            if args.buttons:
                _press_every_button(page, server)
            page.close(run_before_unload=True)
            time.sleep(5)
            page = ctx.new_page()
            cold = _open_until(page, server.url("voila/render/labs/00_course.ipynb#01"), TAB_DRAWN_JS, "01")
            print(f"course page opened at #01 (cold kernel): first figure after {cold:.1f} s")
            page.close(run_before_unload=True)
            ctx.close()
            browser.close()
    finally:
        server.stop()


#: Where a page's first figure time goes, in seconds from its navigation start: the HTML fully
#: received (the server's part; a preheated page is pre-rendered), the first widget model created
#: in the page (the kernel's widget messages arrived and the page's scripts ran), the first figure
#: drawn (the browser's rendering).
PHASES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const clocks = window.__htModelClocks || [];
  const drawn = (window.__htRendered || []).map((r) => r.t);
  return {html: nav ? nav.responseEnd / 1000 : null,
          model: clocks.length ? Math.min(...clocks) / 1000 : null,
          figure: drawn.length ? Math.min(...drawn) / 1000 : null};
}"""


def psutil_cpu_count() -> int:
    import psutil

    return psutil.cpu_count() or 1


def _cpu_seconds(server: VoilaServer) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the browsers (this process's Chromium tree),
    the Voila server process and its kernels."""
    import os

    import psutil

    def total(procs):
        out = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                out += t.user + t.system
            except psutil.Error:
                pass
        return out

    me = psutil.Process(os.getpid()).children(recursive=True)
    browsers = [p for p in me if "chrom" in (p.name() or "").lower()]
    server_proc = [psutil.Process(server.proc.pid)] if server.proc is not None else []
    return {"browsers": total(browsers), "Voila server": total(server_proc),
            "kernels": total(server.kernel_processes())}


def _phases_text(ph: dict) -> str:
    return " / ".join("-" if ph.get(k) is None else f"{ph[k]:.1f}" for k in ("html", "model", "figure"))


def scenario_class(args) -> None:
    from playwright.sync_api import sync_playwright

    import tasks

    plan = tasks.pool_plan(ROOT / "labs", "01", args.students)
    server = VoilaServer(Path(tempfile.mkdtemp()), "labs", fast=args.fast, extra_args=[
        "--preheat_kernel=True", "--pool_size=1", f"--VoilaKernelManager.fill_delay={tasks.POOL_FILL_DELAY}",
        f"--VoilaKernelManager.kernel_pools_config={json.dumps(plan)}"])
    server.start()
    try:
        want = sum(v["pool_size"] for v in plan.values())
        t0 = time.monotonic()
        while len(server.kernel_processes()) < want and time.monotonic() - t0 < 900:
            time.sleep(2)
        time.sleep(60)  # the pool's kernels finish executing their notebooks
        print(f"pool of {want} kernels ready after {time.monotonic() - t0:.0f} s; "
              f"server + kernels {tree_rss_mb(server):.0f} MB", flush=True)
        url = server.render_url("01_convex_vs_nonconvex.ipynb")
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            # One student alone first, on the ready pool (the reference), then the pool refills.
            ctx = browser.new_context()
            ctx.add_init_script(RENDER_WATCH_JS)
            ctx.add_init_script(returning_learner_js())
            page = ctx.new_page()
            single = first_figure_s(page, url)
            single_phases = page.evaluate(PHASES_JS)
            page.close(run_before_unload=True)
            ctx.close()
            time.sleep(tasks.POOL_FILL_DELAY + 75)
            contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(args.students)]
            for c in contexts:
                c.add_init_script(RENDER_WATCH_JS)
                c.add_init_script(returning_learner_js())
            pages = [c.new_page() for c in contexts]
            cpu_before = _cpu_seconds(server)
            starts = []
            for i, page in enumerate(pages):  # all within one second
                starts.append(time.perf_counter())
                page.goto(url, wait_until="commit", timeout=PAGE_LOAD_TIMEOUT_S * 1000)
                time.sleep(max(0.0, (i + 1) / args.students - (time.perf_counter() - starts[0])))
            firsts = []
            for page, t in zip(pages, starts):
                page.wait_for_function("(window.__htRendered || []).length >= 1",
                                       timeout=PAGE_LOAD_TIMEOUT_S * 1000, polling=100)
                firsts.append(time.perf_counter() - t)
            cpu_after = _cpu_seconds(server)
            window = time.perf_counter() - starts[0]
            errors = [p.evaluate("() => document.body.innerText.includes('Traceback')") for p in pages]
            phases = [p.evaluate(PHASES_JS) for p in pages]
            used = {k: cpu_after[k] - cpu_before.get(k, 0.0) for k in cpu_after}
            print(f"\nCPU seconds used while the {args.students} students' first figures came ({window:.1f} s on "
                  f"{psutil_cpu_count()} cores, {window * psutil_cpu_count():.0f} core-seconds): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in used.items()))
            print("\n| student | first figure | HTML received / first widget model / first figure, s from navigation |")
            print("| --- | --- | --- |")
            print(f"| alone (reference) | {single:.1f} s | {_phases_text(single_phases)} |")
            for i, (t, ph) in enumerate(zip(firsts, phases), 1):
                print(f"| {i} of {args.students} | {t:.1f} s | {_phases_text(ph)} |")
            for c in contexts:
                c.close()
            browser.close()
        firsts.sort()
        p90 = firsts[min(len(firsts) - 1, round(0.9 * (len(firsts) - 1)))]
        print(f"\n{args.students} students within 1 s: first figures {', '.join(f'{x:.1f}' for x in firsts)} s; "
              f"p90 {p90:.1f} s; a single student on the same ready pool {single:.1f} s; ratio {p90 / single:.1f}; "
              f"pages with a traceback: {sum(errors)}")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=("tabs", "class", "course"), required=True)
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--buttons", action="store_true",
                        help="course scenario: also press every lab's heaviest button in the one kernel; "
                             "tabs scenario: press each page's heavy buttons as it opens")
    parser.add_argument("--fast", action="store_true", help="the tests' small sizes (HARDTRAIN_FAST=1)")
    parser.add_argument("--hidden-seconds", type=float, default=20.0,
                        help="HARDTRAIN_HIDDEN_TAB_SECONDS for the tabs scenario (300 in class)")
    args = parser.parse_args()
    {"tabs": scenario_tabs, "class": scenario_class, "course": scenario_course}[args.scenario](args)


if __name__ == "__main__":
    main()
