"""Serving a class, measured as students meet it (issue: serving a real class).

Two scenarios, each printing a table for benchmarks/RESULTS.md:

1. ``--scenario tabs`` (the Binder route: ``binder/start`` + Jupyter Server + Voila's extension,
   as on mybinder.org). A warm-up pass opens and closes every lab page once, so the JAX cache is
   as postBuild leaves it. Then one student opens every lab page in its own tab, one after the
   other, and keeps them open: for each page, the time to its first figure and the memory of the
   whole server (server + kernels, RSS) with every tab so far open. Then the student closes every
   tab (as a browser does: the page unloads) and the memory is read again 10 s later.
2. ``--scenario class`` (``tasks.py serve --lab 01 --class-size N``'s pool plan on standalone
   Voila): first one student alone on the ready pool (the reference), then, once the pool has
   refilled, N students (one browser context each) open lab 1 within one second; each student's
   first figure (the ratio of the p90 to the single student's is the figure of merit).

Run: ``.venv/bin/python benchmarks/serving.py --scenario tabs`` (about 10 minutes on 2 cores) and
``--scenario class --students 8`` (about 5 minutes). ``--fast`` uses the tests' small sizes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.voila import PAGE_LOAD_TIMEOUT_S, RENDER_WATCH_JS, VoilaServer, launch_chromium  # noqa: E402

LABS = sorted(p.name for p in (ROOT / "labs").glob("*.ipynb") if not p.name.startswith("00_"))


def tree_rss_mb(server: VoilaServer) -> float:
    """Resident memory of the server process and all its children, in MB."""
    import psutil

    proc = psutil.Process(server.proc.pid)
    total = proc.memory_info().rss
    for child in proc.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def first_figure_s(page, url: str) -> float:
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=PAGE_LOAD_TIMEOUT_S * 1000)
    page.wait_for_function("(window.__htRendered || []).length >= 1", timeout=PAGE_LOAD_TIMEOUT_S * 1000,
                           polling=100)
    return time.perf_counter() - t0


def binder_server(workdir: Path, fast: bool) -> VoilaServer:
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from test_binder_route import BinderServer  # the Binder route, exactly as the test starts it

    return BinderServer(workdir, fast=fast, jax_cache_dir=workdir / "jax")


def scenario_tabs(args) -> None:
    from playwright.sync_api import sync_playwright

    server = binder_server(Path(tempfile.mkdtemp()), args.fast)
    server.start()
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            print("warm-up: every page once (fills the JAX cache as postBuild does)", flush=True)
            for lab in LABS:
                ctx = browser.new_context()
                ctx.add_init_script(RENDER_WATCH_JS)
                page = ctx.new_page()
                first_figure_s(page, server.url(f"voila/render/labs/{lab}"))
                page.close(run_before_unload=True)
                ctx.close()
            time.sleep(5)
            base = tree_rss_mb(server)
            print(f"\nserver alone: {base:.0f} MB\n")
            print("| page (each kept open in its own tab) | first figure | server + kernels |")
            print("| --- | --- | --- |")
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            ctx.add_init_script(RENDER_WATCH_JS)
            pages, times = [], []
            for lab in LABS:
                page = ctx.new_page()
                times.append(first_figure_s(page, server.url(f"voila/render/labs/{lab}")))
                pages.append(page)
                time.sleep(2)
                print(f"| {lab} | {times[-1]:.1f} s | {tree_rss_mb(server):.0f} MB |", flush=True)
            print(f"\nmedian first figure {statistics.median(times):.1f} s; with all {len(pages)} tabs open: "
                  f"{tree_rss_mb(server):.0f} MB")
            for page in pages:
                page.close(run_before_unload=True)
            time.sleep(10)
            print(f"10 s after closing every tab: {tree_rss_mb(server):.0f} MB "
                  f"({len(server.kernel_processes())} kernels left)")
            browser.close()
    finally:
        server.stop()


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
            page = ctx.new_page()
            single = first_figure_s(page, url)
            page.close(run_before_unload=True)
            ctx.close()
            time.sleep(tasks.POOL_FILL_DELAY + 75)
            contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(args.students)]
            for c in contexts:
                c.add_init_script(RENDER_WATCH_JS)
            pages = [c.new_page() for c in contexts]
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
            errors = [p.evaluate("() => document.body.innerText.includes('Traceback')") for p in pages]
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
    parser.add_argument("--scenario", choices=("tabs", "class"), required=True)
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--fast", action="store_true", help="the tests' small sizes (HARDTRAIN_FAST=1)")
    args = parser.parse_args()
    {"tabs": scenario_tabs, "class": scenario_class}[args.scenario](args)


if __name__ == "__main__":
    main()
