"""Benchmark: the live double-descent sweeps of lab 3 against their 60 s budget.

Times, in one process and side by side, the random-features sweep the dashboard runs
(:class:`hardtrain.experiments.double_descent.RandomFeaturesSweep`, minimum-norm least squares on MNIST-1D with 15 %
label noise, ``default_widths(n, 9)``: 0.1 n .. 10 n features) for n = 500 (the dashboard's
default) and n = 1000, each cold (first call: XLA compiles one program per feature count) and
warm (same sweep again), plus the MLP width sweep (Adam, 1000 steps, widths 4..256). Prints
seconds per sweep, the budget verdict, and where the test error peaked.

    .venv/bin/python benchmarks/double_descent.py
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from hardtrain import data
from hardtrain.experiments.double_descent import MLPWidthSweep, RandomFeaturesSweep, default_widths
from hardtrain.experiments.sweeps import SweepResult

BUDGET_S = 60.0


def timed(sweep) -> tuple[float, SweepResult]:
    t0 = time.perf_counter()
    result = sweep.run()
    return time.perf_counter() - t0, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[500, 1000])
    ap.add_argument("--mlp", action=argparse.BooleanOptionalAction, default=True)
    args = ap.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    t0 = time.perf_counter()
    ds = data.load("mnist1d")
    print(f"MNIST-1D load: {time.perf_counter() - t0:.1f} s")
    rows = []
    for n in args.sizes:
        widths = default_widths(n, 9)
        for phase in ("cold", "warm"):
            secs, r = timed(RandomFeaturesSweep(ds, widths, n_train=n, label_noise=0.15))
            test = r.mean("test_error")
            peak = r.widths[int(np.argmax(test))]
            rows.append((f"random features n={n} ({len(widths)} widths up to {widths[-1]})", phase, secs,
                         f"peak at N={peak} (n={n}), test error {test.max():.3f}"))
    if args.mlp:
        widths = (4, 8, 16, 32, 64, 128, 256)
        for phase in ("cold", "warm"):
            secs, r = timed(MLPWidthSweep(ds, widths, n_train=500, label_noise=0.15, steps=1000))
            test = r.mean("test_error")
            rows.append((f"MLP n=500 ({len(widths)} widths, 1000 Adam steps)", phase, secs,
                         f"test error {test[0]:.3f} (m=4) .. min {test.min():.3f} .. {test[-1]:.3f} (m=256)"))
    print(f"\n| sweep | phase | seconds | within {BUDGET_S:.0f} s | result |")
    print("| --- | --- | ---: | --- | --- |")
    for name, phase, secs, note in rows:
        print(f"| {name} | {phase} | {secs:.1f} | {'yes' if secs <= BUDGET_S else 'NO'} | {note} |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
