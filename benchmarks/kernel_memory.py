"""Benchmark: memory of one lab-1 kernel, cold and warm JAX compilation cache.

Builds the four lab-1 dashboards in a fresh Python process (what a Voila kernel does when it
executes the notebook) and prints the resident memory after imports and after each view, and
the peak (ru_maxrss). Runs twice: with an empty compilation cache (first visit on a new
machine) and with the cache the first run filled (every later kernel). Target: <= 600 MB.

    python3 tasks.py bench kernel_memory      # or: .venv/bin/python benchmarks/kernel_memory.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap

CHILD = textwrap.dedent("""
    import resource, time, psutil
    proc = psutil.Process()
    def report(stage):
        rss = proc.memory_info().rss / 2**20
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  {stage:<18} rss {rss:6.0f} MB   peak {peak:6.0f} MB", flush=True)
    t0 = time.perf_counter()
    from hardtrain import runtime
    runtime.setup()  # what a lab's first cell does
    import plotly.graph_objects as go
    from hardtrain.views import lab1
    go.FigureWidget()
    report("imports")
    for cls in (lab1.ConvexBowl, lab1.ProductPlayground, lab1.Symmetries, lab1.MLPSlice):
        cls()
        report(cls.__name__)
    print(f"  wall time {time.perf_counter() - t0:.1f} s")
""")


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, HARDTRAIN_CACHE_DIR=cache, JAX_COMPILATION_CACHE_DIR=os.path.join(cache, "jax"))
        env.pop("HARDTRAIN_FAST", None)  # measure the sizes a learner gets
        for label in ("cold compilation cache", "warm compilation cache"):
            print(label)
            subprocess.run([sys.executable, "-c", CHILD], env=env, check=True)


if __name__ == "__main__":
    main()
