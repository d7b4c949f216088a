"""GD restarts of the relaxation: one jit+vmap over 1024 restarts vs a Python loop of jitted
single restarts, on the same fixed Blum-Rivest instance, measured side by side in one run.

    python benchmarks/gd_restarts.py [--restarts 1024] [--steps 300] [--n 0]

The fixed instance is Blum & Rivest's example (the lab's default, 12 points in dimension 6);
``--n 8`` uses a random instance with 8 elements and 20 subsets (35 points in dimension 11).

Both sides use compiled programs that were warmed up first (compile time is reported apart).
The loop calls ``hardness.gd_single_restart`` with restart r's key from ``split(key, R)``, so
both compute the same restarts; the script checks that their error counts agree.
"""

from __future__ import annotations

import argparse
import platform
import time

import jax
import numpy as np

from hardtrain import hardness as hd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--restarts", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--n", type=int, default=0, help="elements of a random instance (0: the paper's example)")
    ap.add_argument("--width", type=int, default=2)
    args = ap.parse_args()

    inst = hd.PAPER_EXAMPLE if args.n == 0 else hd.random_instance(args.n, round(2.5 * args.n), 3, seed=0)
    X, y = hd.blum_rivest_dataset(*inst, gadget=True)
    key = jax.random.key(0)
    R, S, W = args.restarts, args.steps, args.width
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}, {platform.processor() or platform.machine()}")
    print(f"instance: n={inst[0]}, {len(inst[1])} subsets -> {X.shape[0]} points in dimension {X.shape[1]}; "
          f"splittable: {hd.solve_set_splitting(*inst) is not None}")
    print(f"{R} restarts x {S} Adam steps, width {W}")

    t0 = time.perf_counter()
    hd.fit_threshold_network_gd(X, y, R, S, key, width=W)
    compile_v = time.perf_counter() - t0
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = hd.fit_threshold_network_gd(X, y, R, S, key, width=W)
        times.append(time.perf_counter() - t0)
    t_vmap = min(times)

    keys = jax.random.split(key, R)
    t0 = time.perf_counter()
    hd.gd_single_restart(X, y, S, keys[0], width=W)
    compile_1 = time.perf_counter() - t0
    t0 = time.perf_counter()
    errs = [hd.gd_single_restart(X, y, S, keys[r], width=W)[0] for r in range(R)]
    t_loop = time.perf_counter() - t0

    agree = np.mean(np.array(errs) == res.errors)
    print()
    print("| what | time | per restart |")
    print("| --- | ---: | ---: |")
    print(f"| jit+vmap, all {R} restarts in one call (best of 3) | {t_vmap:.3f} s | {1e3 * t_vmap / R:.3f} ms |")
    print(f"| Python loop of {R} jitted single restarts | {t_loop:.2f} s | {1e3 * t_loop / R:.2f} ms |")
    print(f"| **speed-up** | **{t_loop / t_vmap:.1f}x** | |")
    print(f"| compile: vmapped / single | {compile_v:.2f} s / {compile_1:.2f} s | |")
    print()
    print(f"success rate {res.success_rate:.3f}; per-restart error counts equal in both: {agree:.1%}")


if __name__ == "__main__":
    main()
