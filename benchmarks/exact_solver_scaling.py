"""Exact 3-node training time against instance size (random Set-Splitting instances), beside the
SAT solver and the single-perceptron LP on the same data; the largest n finishing in 10 s.

    python benchmarks/exact_solver_scaling.py [--per-size 3] [--budget 30] [--total 600] [--ratio 2.5]

Instances: n elements, round(ratio n) random 3-element subsets (ratio 2.5 by default), Blum-Rivest data with the gadget
(hardness.scaling_sweep, no GD). Sizes grow by 2 until the median exact time exceeds the
budget or the total time runs out.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hardtrain import hardness as hd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-size", type=int, default=3)
    ap.add_argument("--budget", type=float, default=30.0, help="seconds per exact solve")
    ap.add_argument("--total", type=float, default=600.0, help="seconds for the whole run")
    ap.add_argument("--start", type=int, default=4)
    ap.add_argument("--ratio", type=float, default=2.5, help="subsets per element")
    args = ap.parse_args()
    t_start = time.perf_counter()
    print("| n | points | splittable | exact solver: median s (max) | LPs (median) | finished | "
          "SAT solver median ms | perceptron LP median ms |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    largest_10s = None
    n = args.start
    while time.perf_counter() - t_start < args.total:
        pts = list(hd.scaling_sweep([n], per_size=args.per_size, ratio=args.ratio,
                                    exact_budget_s=args.budget, gd=False))
        ex = np.array([p.exact_s for p in pts])
        done = [p.exact_done for p in pts]
        med = float(np.median(ex))
        if all(done) and ex.max() <= 10.0:
            largest_10s = n
        npts = 1 + n + round(args.ratio * n) + 6
        print(f"| {n} | {npts} | {sum(p.splittable for p in pts)}/{len(pts)} | {med:.2f} ({ex.max():.2f}) | "
              f"{int(np.median([p.exact_lps for p in pts]))} | {sum(done)}/{len(pts)} | "
              f"{1e3 * np.median([p.sat_s for p in pts]):.2f} | {1e3 * np.median([p.lp_s for p in pts]):.2f} |",
              flush=True)
        if med > args.budget or not any(done):
            break
        n += 2
    print()
    print(f"largest n with every instance solved exactly within 10 s: {largest_10s}")
    print(f"total {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
