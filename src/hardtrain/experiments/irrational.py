"""Lab 2, part 3: an optimum whose weights are irrational, and where gradient descent ends.

f(x) = a relu(w . x), data (1,0) -> (2,1) and (0,1) -> (1,1), squared loss: the minimum is
(7 - 3 sqrt5)/2, at w2/w1 = (sqrt5 - 1)/2 (exact, with sympy). This module gives the profile
loss (best a for each w) on a grid, the best rational ratio with a bounded denominator, and plain
GD from many N(0, 1) starts with the plateau each one ends on.

References:
  M. Abrahamsen, L. Kleist, T. Miltzow, "Training neural networks is ER-complete", NeurIPS 2021,
  arXiv 2102.09798 (the theorem this small example does not instantiate); C. Eckart, G. Young,
  Psychometrika 1(3), 1936 (best rank-one approximation).

Examples:
    >>> g, Z = profile(5)
    >>> g.tolist(), Z.shape
    ([-2.0, -1.0, 0.0, 1.0, 2.0], (5, 5))
    >>> r = rational(10)
    >>> (r.ratio.numerator, r.ratio.denominator), r.gap > 0
    ((5, 8), True)
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np

from .. import hardness as hd
from .base import Presets

__all__ = ["GDConfig", "profile", "Rational", "rational", "run_gd"]


@dataclasses.dataclass(frozen=True)
class GDConfig(Presets):
    """Plain GD from many N(0, 1) starts.

    Attributes:
      seeds: starts (one vmapped program). steps: GD steps. learning_rate: step size. seed: seed.
    """

    seeds: int = 256
    steps: int = 2000
    learning_rate: float = 0.05
    seed: int = 0

    @classmethod
    def tiny(cls):
        """64 starts of 500 steps (tests, fast mode)."""
        return cls(seeds=64, steps=500)


def profile(points: int = 121, limit: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """The profile loss (best a for each w) on [-limit, limit]^2.

    Returns:
      ``(g, Z)``: g of shape (points,), Z of shape (points, points) with Z[j, i] the loss at
      (w1, w2) = (g[i], g[j]).
    """
    g = np.linspace(-limit, limit, int(points))
    W1, W2 = np.meshgrid(g, g)
    return g, hd.profile_loss(W1, W2)


@dataclasses.dataclass(frozen=True)
class Rational:
    """The best rational ratio w2/w1 with a bounded denominator.

    Attributes:
      max_denominator: the bound. ratio: the best ratio. loss: its exact loss (a Fraction).
      gap: loss minus the exact minimum (> 0: no rational ratio is optimal).
    """

    max_denominator: int
    ratio: Fraction
    loss: Fraction
    gap: float


def rational(max_denominator: int) -> Rational:
    """The best rational ratio with denominator <= ``max_denominator``, and its gap to the minimum.

    Raises:
      ValueError: a bound below 1.
    """
    import sympy as sp

    ratio, loss = hd.best_rational_weights(int(max_denominator))
    gap = float(sp.N(sp.Rational(loss.numerator, loss.denominator) - hd.irrational_optimum().loss_expr, 6))
    return Rational(int(max_denominator), ratio, loss, gap)


def run_gd(config: GDConfig) -> hd.PlateauRun:
    """Plain GD from ``config.seeds`` starts; see :func:`hardtrain.hardness.irrational_gd`."""
    return hd.irrational_gd(int(config.seeds), int(config.steps), float(config.learning_rate), seed=int(config.seed))
