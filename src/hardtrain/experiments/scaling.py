"""Lab 2, part 2, section 3: how the exact solver, the SAT solver, one perceptron's LP and GD
scale with the size of random Set-Splitting instances.

The sweep itself is :func:`hardtrain.hardness.scaling_sweep` (one instance per item, so a
dashboard can show progress and stop); this module holds its sizes.

Examples:
    >>> c = ScalingConfig.tiny()
    >>> c.sizes(), c.sizes(12)
    ([4, 6, 8], [4, 6, 8, 10, 12])
    >>> [p.n for p in sweep(c, max_n=6, gd=False)]
    [4, 6]
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from .. import hardness as hd
from .base import Presets

__all__ = ["ScalingConfig", "sweep"]


@dataclasses.dataclass(frozen=True)
class ScalingConfig(Presets):
    """The scaling sweep's sizes.

    Attributes:
      max_n: the largest number of elements (sizes 4, 6, ... up to it).
      initial_max_n: the largest size of the small sweep a page draws when it opens.
      per_size: random instances per size. ratio: subsets per element (3 elements each).
      seed: base seed of the instances.
      budget_s: the whole sweep's time budget (seconds). exact_budget_s: each exact solve's.
      gd_restarts, gd_steps: the relaxation's restarts and Adam steps (2 hidden units).
    """

    max_n: int = 14
    initial_max_n: int = 8
    per_size: int = 2
    ratio: float = 2.5
    seed: int = 0
    budget_s: float = 60.0
    exact_budget_s: float = 20.0
    gd_restarts: int = 128
    gd_steps: int = 300

    @classmethod
    def tiny(cls):
        """Sizes up to 8, one instance each, short budgets (tests, fast mode)."""
        return cls(max_n=8, per_size=1, budget_s=10.0, exact_budget_s=5.0, gd_restarts=32, gd_steps=200)

    def sizes(self, max_n: int | None = None) -> list[int]:
        """Element counts of the sweep: 4, 6, ... up to ``max_n`` (default ``self.max_n``)."""
        top = self.max_n if max_n is None else int(max_n)
        return list(range(4, top + 1, 2))


def sweep(config: ScalingConfig, max_n: int | None = None, *, gd: bool = True) -> Iterator[hd.ScalingPoint]:
    """One :class:`hardtrain.hardness.ScalingPoint` per random instance, smallest sizes first.

    Args:
      config: the :class:`ScalingConfig`.
      max_n: the largest size (default ``config.max_n``).
      gd: also run the GD relaxation on each instance.

    Raises:
      ValueError: see :func:`hardtrain.hardness.scaling_sweep`.
    """
    return hd.scaling_sweep(config.sizes(max_n), per_size=int(config.per_size), ratio=float(config.ratio),
                            exact_budget_s=float(config.exact_budget_s), gd_restarts=int(config.gd_restarts),
                            gd_steps=int(config.gd_steps), seed=int(config.seed), gd=gd)
