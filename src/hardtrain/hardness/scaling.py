"""Exact-solver time and GD success against instance size, on random Set-Splitting instances.

One chunk of work per instance, as a generator, so a dashboard can show progress and stop
between chunks (``LongRun``) and a benchmark can run the same code to the end.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Iterator, Sequence

import jax

from .blum_rivest import BudgetExceeded, blum_rivest_dataset, fit_single_plane, fit_threshold_network
from .relaxation import fit_threshold_network_gd
from .setsplitting import random_instance, solve_set_splitting

__all__ = ["ScalingPoint", "scaling_sweep"]


@dataclasses.dataclass(frozen=True)
class ScalingPoint:
    """One random instance of the sweep.

    Attributes:
      n: elements. m: subsets. seed: the instance's seed. splittable: by the SAT solver.
      exact_s: seconds of :func:`fit_threshold_network` (output "any", gadget data), or the
        budget when it ran out (``exact_done`` False). exact_lps: LPs it solved.
      exact_found: it found a network (None when the budget ran out).
      sat_s: seconds of :func:`solve_set_splitting`. lp_s: seconds of the single-perceptron LP
        (:func:`fit_single_plane`, polynomial time) on the same data. gd_success: success rate of
        :func:`fit_threshold_network_gd` (width 2), NaN when skipped.
    """

    n: int
    m: int
    seed: int
    splittable: bool
    exact_s: float
    exact_lps: int
    exact_done: bool
    exact_found: bool | None
    sat_s: float
    lp_s: float
    gd_success: float


def scaling_sweep(sizes: Sequence[int], *, per_size: int = 3, ratio: float = 2.5,
                  exact_budget_s: float = 10.0, gd_restarts: int = 128, gd_steps: int = 300,
                  seed: int = 0, gd: bool = True) -> Iterator[ScalingPoint]:
    """Yield one :class:`ScalingPoint` per random instance, sizes in the given order.

    Instance i of size n is ``random_instance(n, round(ratio * n), 3, seed=seed + 1000 n + i)``
    and its Blum-Rivest dataset has the gadget. An exact solve that exceeds ``exact_budget_s``
    is recorded as not done, at the budget's time (a lower bound of the true time). GD runs are
    padded to the largest instance's shape, so the whole sweep compiles one program.

    Args:
      sizes: element counts n >= 3.
      per_size: instances per size.
      ratio: subsets per element.
      exact_budget_s: time budget of each exact solve, in seconds.
      gd_restarts: restarts of the relaxation.
      gd_steps: Adam steps of each restart.
      seed: base seed.
      gd: also run the relaxation.

    Yields:
      One :class:`ScalingPoint` per instance (timings in seconds).

    Raises:
      ValueError: a size below 3, per_size < 1, ratio <= 0, or a non-positive budget.

    References:
      Blum, Rivest, "Training a 3-node neural network is NP-complete", NIPS 1988.

    Examples:
      The exact solver finds a network exactly when the SAT solver finds a splitting:

      >>> (p,) = scaling_sweep([3], per_size=1, ratio=1.0, gd=False)
      >>> p.n, p.m, p.exact_done, p.exact_found == p.splittable
      (3, 3, True, True)
    """
    sizes = [int(n) for n in sizes]
    if not sizes or min(sizes) < 3:
        raise ValueError(f"sizes must be element counts >= 3, got {sizes}")
    if per_size < 1 or not ratio > 0 or not exact_budget_s > 0:
        raise ValueError(f"need per_size >= 1, ratio > 0 and exact_budget_s > 0, got "
                         f"{per_size}, {ratio}, {exact_budget_s}")
    big = max(sizes)
    pad = (1 + big + max(1, round(ratio * big)) + 6, big + 3)
    pad = (-(-pad[0] // 16) * 16, -(-pad[1] // 8) * 8)
    # Warm-up: the first calls import SciPy's and python-sat's modules; keep that out of the timings.
    Xw, yw = blum_rivest_dataset(3, ((0, 1), (1, 2)), gadget=True)
    solve_set_splitting(3, ((0, 1), (1, 2)))
    fit_single_plane(Xw, yw)
    for n in sizes:
        m = max(1, round(ratio * n))
        for i in range(per_size):
            s = int(seed) + 1000 * n + i
            inst = random_instance(n, m, 3, seed=s)
            X, y = blum_rivest_dataset(*inst, gadget=True)
            t0 = time.perf_counter()
            colours = solve_set_splitting(*inst)
            sat_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            fit_single_plane(X, y)
            lp_s = time.perf_counter() - t0
            try:
                fit = fit_threshold_network(X, y, "any", budget_s=exact_budget_s, stats=True)
                exact_s, lps, done, found = fit.elapsed_s, fit.lps, True, fit.network is not None
            except BudgetExceeded as exc:
                exact_s, lps, done, found = exc.elapsed_s, exc.lps, False, None
            rate = float("nan")
            if gd:
                r = fit_threshold_network_gd(X, y, gd_restarts, gd_steps, jax.random.key(s), width=2,
                                             pad_to=pad)
                rate = r.success_rate
            yield ScalingPoint(n, m, s, colours is not None, exact_s, lps, done, found, sat_s, lp_s, rate)
