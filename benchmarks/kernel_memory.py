"""Benchmark: the memory of each lab page's kernel, idle after load and at the heaviest button.

Two parts, each side by side in one run:

1. **plotly's first import**, in fresh processes (5 of each, alternating): with jsonschema's
   IRI format checker (what a kernel paid before :func:`hardtrain.runtime.skip_iri_format_checker`)
   and without it (what :func:`hardtrain.runtime.setup` now does): seconds and MB.
2. **each lab page's kernel**, in turn and alone on the machine: a fresh IPython kernel (the
   kernel Voila starts for a page), in the environment ``tasks.py serve`` and ``binder/start``
   give it (:func:`hardtrain.environment.defaults`), executes the notebook at learner sizes
   (``HARDTRAIN_FAST`` unset), with the JAX compilation cache as a second visit leaves it (a
   warm-up pass fills it first). Then:

   - **idle**: two seconds after the last cell, the kernel's RSS, PSS and USS (USS: the pages
     only this process holds; PSS adds its share of the shared libraries; a lone kernel's PSS is
     close to its RSS: several kernels share the libraries' pages, see ``serving.py``);
   - **buttons**: each of the page's heavy buttons (``serving.BUTTONS``, the ones
     ``serving.py --scenario course --buttons`` presses) is clicked in the kernel, as a click
     from the page runs it, and the kernel is polled until every long run has ended: the peak
     RSS of the kernel's life (``VmHWM``) and its RSS afterwards.

   Each page runs once per memory budget given (``--budgets``, default ``350 0``: hardtrain's
   default :data:`hardtrain.runtime.KERNEL_MEMORY_MB` and no budget, as before it existed), or,
   with ``--compare-arenas``, once with glibc's default number of malloc arenas and once with
   ``MALLOC_ARENA_MAX=2``.

3. **the floor**: one kernel's RSS after each import a lab page needs, before any lab code;
4. **compiled programs**: one jitted function compiled for 30 shapes in a fresh process, what
   the programs hold and what :func:`hardtrain.runtime.release_compiled` gives back.

``--parts-only`` runs parts 1, 3 and 4 (about a minute).

The issue's targets: <= 250 MB idle after load, <= 450 MB at the peak after the heaviest button.

    .venv/bin/python benchmarks/kernel_memory.py            # every lab page, about 12 minutes
    .venv/bin/python benchmarks/kernel_memory.py --labs 03b 04 --budgets 350
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from serving import BUTTONS, LABS  # noqa: E402

from hardtrain import environment  # noqa: E402

PRESS = """
import ipywidgets
from ipywidgets.widgets.widget import _instances
_b = [w for w in list(_instances.values()) if isinstance(w, ipywidgets.Button) and w.description == {name!r}]
_b[{nth}].click()
"""
RUNNING = """
from hardtrain.views.longrun import LongRun
from ipywidgets.widgets.widget import _instances
print(any(w.running for w in list(_instances.values()) if isinstance(w, LongRun)))
"""
IMPORT = """
import sys, time, psutil
if {skip}:
    from hardtrain import runtime
    runtime.skip_iri_format_checker()
rss0, t0 = psutil.Process().memory_info().rss, time.perf_counter()
import plotly.graph_objects as go
go.FigureWidget()
print(time.perf_counter() - t0, (psutil.Process().memory_info().rss - rss0) / 2**20)
"""


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS, USS and peak RSS (VmHWM) of a process, in MB."""
    info = psutil.Process(pid).memory_full_info()
    hwm = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            hwm = int(line.split()[1]) / 1024
    return {"rss": info.rss / 2**20, "pss": info.pss / 2**20, "uss": info.uss / 2**20, "peak": hwm}


def run(client: NotebookClient, code: str) -> str:
    """Execute ``code`` in the client's kernel; return what it printed."""
    cell = nbformat.v4.new_code_cell(code)
    client.nb.cells.append(cell)
    client.execute_cell(cell, len(client.nb.cells) - 1)
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def measure(notebook: Path, env: dict[str, str]) -> dict[str, object]:
    """One lab page in a fresh kernel: idle memory, then its buttons (see the module doc)."""
    nb = nbformat.read(notebook, as_version=4)
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(notebook.parent), env=env)
    client = NotebookClient(nb, km=km, timeout=900, kernel_name="python3")
    out: dict[str, object] = {}
    t0 = time.perf_counter()
    try:
        with client.setup_kernel():
            for index, cell in enumerate(list(nb.cells)):
                client.execute_cell(cell, index)
            out["load_s"] = time.perf_counter() - t0
            pid = km.provisioner.process.pid
            time.sleep(2.0)
            out["idle"] = memory(pid)
            key = notebook.name.split("_")[0]
            pressed = []
            for tab, name, nth in BUTTONS:
                if tab != key:
                    continue
                t1 = time.perf_counter()
                run(client, PRESS.format(name=name, nth=nth))
                while "True" in run(client, RUNNING):
                    time.sleep(0.5)
                pressed.append(f"{name} ({time.perf_counter() - t1:.0f} s)")
            time.sleep(1.0)
            out["buttons"] = pressed
            out["after"] = memory(pid)
    finally:
        km.shutdown_kernel(now=True)
    return out


def compare_imports(env: dict[str, str], repeats: int = 5) -> None:
    """Part 1: plotly's first import with and without jsonschema's IRI checker, alternating."""
    seen: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(repeats):
        for skip in (False, True):
            r = subprocess.run([sys.executable, "-c", IMPORT.format(skip=skip)], env=env, capture_output=True,
                               text=True, check=True)
            seconds, mb = map(float, r.stdout.split())
            seen[skip].append((seconds, mb))
    print(f"plotly's first import (import + one FigureWidget), median of {repeats} fresh processes each:")
    for skip, label in ((False, "with the IRI checker (before)"), (True, "without it (runtime.setup)")):
        print(f"  {label:<32} {statistics.median(s for s, _ in seen[skip]):5.2f} s "
              f"{statistics.median(m for _, m in seen[skip]):5.0f} MB")


FLOOR_STEPS = [("an empty kernel", "pass"), ("+ import jax", "import jax, jax.numpy as jnp"),
               ("+ its first array (XLA's CPU client)", "jnp.ones(3).block_until_ready()"),
               ("+ flax and optax", "import flax.nnx, optax"),
               ("+ runtime.setup() and plotly's FigureWidget",
                "from hardtrain import runtime; runtime.setup(); import plotly.graph_objects as go; go.FigureWidget()")]

PROGRAMS = """
import gc, psutil, jax, jax.numpy as jnp
from hardtrain import runtime
runtime.setup()
rss = lambda: psutil.Process().memory_info().rss / 2**20
jnp.ones(3).block_until_ready()
f = jax.jit(lambda x: jnp.tanh(2.0 * x).sum())
f(jnp.ones(1)).block_until_ready(); gc.collect(); runtime.release_memory()
before = rss()
for n in range(2, 32):
    f(jnp.ones(n)).block_until_ready()
kept = rss()
runtime.release_compiled()
print(kept - before, kept - rss())
"""


def floor(env: dict[str, str]) -> None:
    """Part 3: what one kernel holds after each import a lab page needs (RSS, one kernel)."""
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env)
    nb = nbformat.v4.new_notebook()
    client = NotebookClient(nb, km=km, timeout=300, kernel_name="python3")
    print("\nwhat a kernel holds before any lab code (one kernel, RSS after each step):")
    try:
        with client.setup_kernel():
            pid = km.provisioner.process.pid
            for label, code in FLOOR_STEPS:
                run(client, code)
                time.sleep(0.5)
                print(f"  {label:<45} {memory(pid)['rss']:5.0f} MB")
    finally:
        km.shutdown_kernel(now=True)


def programs(env: dict[str, str]) -> None:
    """Part 4: what 30 small compiled programs hold, and what release_compiled gives back."""
    r = subprocess.run([sys.executable, "-c", PROGRAMS], env=env, capture_output=True, text=True, check=True)
    kept, back = map(float, r.stdout.split()[-2:])
    print(f"\n30 small jitted programs (one function, 30 shapes): +{kept:.0f} MB ({kept / 30:.1f} MB each); "
          f"runtime.release_compiled() gave back {back:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labs", nargs="*", default=[], help="lab keys (01, 02b...); default every lab page")
    parser.add_argument("--budgets", nargs="*", type=float, default=[350.0, 0.0],
                        help="HARDTRAIN_KERNEL_MEMORY_MB values to run each page with (0 = none)")
    parser.add_argument("--no-warm-up", action="store_true", help="skip the pass that fills the compilation cache")
    parser.add_argument("--parts-only", action="store_true",
                        help="only the import comparison, the kernel's floor and the compiled programs (a minute)")
    parser.add_argument("--compare-arenas", action="store_true",
                        help="instead of the budgets: each page with glibc's default malloc arenas and with "
                             "MALLOC_ARENA_MAX=2 (what tasks.py serve and binder/start set), side by side")
    args = parser.parse_args()
    env = environment.defaults()
    env.pop("HARDTRAIN_FAST", None)  # the sizes a learner gets
    os.environ.clear()
    os.environ.update(env)
    compare_imports(env)
    floor(env)
    programs(env)
    if args.parts_only:
        return
    pages = [ROOT / "labs" / name for name in LABS
             if not args.labs or name.split("_")[0] in args.labs]
    if not args.no_warm_up:
        for page in pages:  # fill the JAX compilation cache as a first visit does
            client = NotebookClient(nbformat.read(page, as_version=4), timeout=900, kernel_name="python3",
                                    resources={"metadata": {"path": str(page.parent)}})
            client.execute()
    print(f"\n{'page':<30} {'setting':>8} {'load':>6} {'idle RSS':>9} {'PSS':>5} {'USS':>5} {'peak':>8} {'after':>8}"
          "  buttons")
    runs: list[tuple[str, dict[str, str]]] = []
    if args.compare_arenas:
        glibc = {k: v for k, v in env.items() if k != "MALLOC_ARENA_MAX"}
        runs = [("glibc", glibc), ("arenas=2", dict(env, MALLOC_ARENA_MAX="2"))]
    else:
        runs = [(f"{b:.0f} MB", dict(env, HARDTRAIN_KERNEL_MEMORY_MB=f"{b:g}")) for b in args.budgets]
    for page in pages:
        for label, run_env in runs:
            m = measure(page, run_env)
            idle, after = m["idle"], m["after"]
            print(f"{page.stem:<30} {label:>8} {m['load_s']:5.1f}s {idle['rss']:6.0f} MB {idle['pss']:5.0f}"
                  f" {idle['uss']:5.0f} {after['peak']:5.0f} MB {after['rss']:5.0f} MB  {', '.join(m['buttons']) or '-'}",
                  flush=True)


if __name__ == "__main__":
    main()
