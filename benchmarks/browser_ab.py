"""Benchmark: a preheated lab page's first figure, two versions of the code side by side.

Page-load times on this shared 2-core VM drift by up to 2x between runs, so a change to what a
page loads is judged here by two Voila servers running at the same time:
- A: a git ref, checked out in a temporary worktree (default 3351d74, the last commit whose
  dashboards drew with plotly.js's 1.5 MB "cartesian" bundle);
- B: another ref, or by default this working tree.

Each server serves one notebook from its own checkout: the kernels import that checkout's
``src/``, and the server reads its ``voila.json``. Both are preheated as ``tasks.py serve`` does
(``--preheat_kernel=True --pool_size=1``, the ``fill_delay`` of this tree's tasks.py), and each
has its own JAX compilation cache. The loads alternate A, B, then B, A. Before each pair, both
pools must have refilled and every kernel must be idle (``wait_kernels_idle`` of
browser_lab1.py). Times are those of ``benchmarks/browser_lab1.py``: navigation start -> widget
models created -> first figure drawn (``plotlywidget-after-render``), in the page's clock.

    .venv/bin/python benchmarks/browser_ab.py                       # A = 3351d74, B = this tree
    .venv/bin/python benchmarks/browser_ab.py --a REF --b REF --notebook 01b_hidden_layer_landscapes.ipynb --loads 7
    .venv/bin/python benchmarks/browser_ab.py --a HEAD --fill-delay-a 1   # Voila's default refill vs tasks.py's

Needs git and Debian's Chromium; exits with a message without them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import browser_lab1 as B  # noqa: E402  (its page probes and load timing)

S = B.S  # tools/voila.py: VoilaServer, launch_chromium


def checkout(ref: str | None, folder: Path) -> Path:
    """This working tree (ref None) or a detached git worktree of ``ref`` in ``folder``."""
    if ref is None:
        return ROOT
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(folder), ref],
                   check=True)
    return folder


def imported_from(server) -> Path:
    """Where the kernels of ``server`` import hardtrain from (checked before measuring)."""
    out = subprocess.run([sys.executable, "-c", "import hardtrain; print(hardtrain.__file__)"],
                         env=server.environment(), cwd=server.root, capture_output=True, text=True,
                         check=True)
    return Path(out.stdout.strip()).resolve()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--a", default="3351d74", help="git ref of version A (default 3351d74)")
    ap.add_argument("--b", default=None, help="git ref of version B (default: this working tree)")
    ap.add_argument("--notebook", default="01_convex_vs_nonconvex.ipynb", help="a notebook in labs/")
    ap.add_argument("--loads", type=int, default=5, help="preheated loads per version (default 5)")
    ap.add_argument("--fill-delay", type=float, default=None,
                    help="Voila's pool fill_delay, s (default: tasks.py's POOL_FILL_DELAY)")
    ap.add_argument("--fill-delay-a", type=float, default=None,
                    help="another fill_delay for version A only (to compare that setting alone)")
    args = ap.parse_args()

    reason = S.missing_browser_reason()
    if reason:
        sys.exit(f"cannot run: {reason}")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        sys.exit("cannot run: needs git and a git checkout (version A is a git ref)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # end through the finally blocks
    fill = B.pool_fill_delay() if args.fill_delay is None else args.fill_delay
    fills = {"A": fill if args.fill_delay_a is None else args.fill_delay_a, "B": fill}
    from playwright.sync_api import sync_playwright

    print(f"machine: {os.cpu_count()} CPUs; notebook {args.notebook}; {args.loads} preheated loads "
          f"per version, alternating; fill_delay A {fills['A']:g} s, B {fills['B']:g} s; date {time.strftime('%Y-%m-%d %H:%M')}")
    with tempfile.TemporaryDirectory(prefix="hardtrain-ab-") as tmp:
        work = Path(tmp)
        trees, servers = {}, {}
        try:
            for name, ref in (("A", args.a), ("B", args.b)):
                trees[name] = checkout(ref, work / f"tree-{name}")
                labs = work / name / "labs"  # one notebook only: the pool preheats every notebook
                labs.mkdir(parents=True)
                shutil.copy(trees[name] / "labs" / args.notebook, labs / args.notebook)
                servers[name] = S.VoilaServer(
                    work / name / "server", str(labs), fast=False, root=trees[name],
                    jax_cache_dir=work / name / "jax-cache",
                    extra_args=["--preheat_kernel=True", "--pool_size=1",
                                f"--VoilaKernelManager.fill_delay={fills[name]:g}"])
                where = imported_from(servers[name])
                if trees[name].resolve() not in where.parents:
                    sys.exit(f"version {name}'s kernels would import hardtrain from {where}, "
                             f"not from {trees[name]}")
                rev = subprocess.run(["git", "-C", str(trees[name]), "log", "-1", "--format=%h %s"],
                                     capture_output=True, text=True).stdout.strip()
                print(f"{name}: {ref or 'this working tree'} ({rev[:90]})")
            known = {}
            for name, server in servers.items():
                server.start()
            for name, server in servers.items():  # each pool has run its notebook once
                known[name] = B.wait_kernels_idle(server, set(), min_new=1)
            figures = len(S.lab1_layout(trees["B"] / "labs").get(args.notebook, ["one"]))
            times = {name: [] for name in servers}
            with sync_playwright() as pw:
                browser = S.launch_chromium(pw)
                print(f"chromium {browser.version}")
                for i in range(args.loads):
                    for name in (("A", "B") if i % 2 == 0 else ("B", "A")):
                        t, _, _ = B.one_load(browser, servers[name], args.notebook, figures)
                        times[name].append(t)
                        print(f"  load {i + 1}, {name}: " + B.fmt_load(t), flush=True)
                    if i + 1 < args.loads:
                        for name, server in servers.items():
                            known[name] = B.wait_kernels_idle(server, known[name], min_new=1)
                browser.close()
        finally:
            for server in servers.values():
                server.stop()
            for name, tree in trees.items():
                if tree != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                                   check=False)

    print("\n== summary: preheated page -> first figure (s) ==")
    medians = {}
    for name, ts in times.items():
        first = [t["first_figure"] / 1000 for t in ts]
        models = [t["models_created"] / 1000 for t in ts]
        medians[name] = statistics.median(first)
        print(f"  {name}: first figure median {medians[name]:.2f} s (min {min(first):.2f}, max "
              f"{max(first):.2f}, n={len(first)}); widget models median {statistics.median(models):.2f} s")
    print(f"  B / A: {medians['B'] / medians['A']:.2f}")


if __name__ == "__main__":
    main()
