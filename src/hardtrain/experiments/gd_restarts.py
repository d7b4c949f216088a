"""Lab 2, section 2: gradient descent on the smooth relaxation, from many restarts, by width.

Each threshold unit becomes a smooth one (tanh hidden units, a logistic output), all weights are
trained with Adam from many random starts in one compiled, vmapped program, and the result is
thresholded: a restart succeeds when it classifies every training point. The exact solver is the
ground truth: GD failing proves nothing about the instance.

References:
  A. L. Blum, R. L. Rivest, NIPS 1988 (the hardness concerns two hidden units; with more the
  same data usually become easy); D. P. Kingma, J. Ba, "Adam", ICLR 2015, arXiv 1412.6980.

Examples:
    >>> from hardtrain import hardness as hd
    >>> res = run(GDRestartsConfig.tiny(), *hd.PAPER_EXAMPLE, width=4)
    >>> res.gd.restarts, res.solution_exists, 0.0 <= res.gd.success_rate <= 1.0
    (64, True, True)
"""

from __future__ import annotations

import dataclasses

import jax

from .. import hardness as hd
from .base import Presets

__all__ = ["WIDTHS", "RESTART_CHOICES", "STEP_CHOICES", "GDRestartsConfig", "GDRestartsResult", "run"]

#: Hidden units, restarts and steps the dashboard offers (fixed sets: compiled programs are reused).
WIDTHS = (2, 3, 4, 8)
RESTART_CHOICES = (64, 256, 1024)
STEP_CHOICES = (200, 500, 1000)


@dataclasses.dataclass(frozen=True)
class GDRestartsConfig(Presets):
    """GD restarts on one training set.

    Attributes:
      restarts: random starts (one vmapped program). steps: Adam steps per start.
      seed: the starts' seed.
      history_every: k > 0 also records every restart's errors each k steps (for a replay).
    """

    restarts: int = 256
    steps: int = 500
    seed: int = 0
    history_every: int = 0

    @classmethod
    def tiny(cls):
        """64 restarts of 200 steps (tests, fast mode)."""
        return cls(restarts=64, steps=200)


@dataclasses.dataclass(frozen=True)
class GDRestartsResult:
    """What :func:`run` returns.

    Attributes:
      config: the :class:`GDRestartsConfig`. width: hidden units.
      gd: the :class:`hardtrain.hardness.GDResult` (errors per restart, success rate...).
      solution_exists: whether the instance is splittable, i.e. whether a 3-node network fits
        its training set (Blum & Rivest's theorem, with the gadget).
    """

    config: GDRestartsConfig
    width: int
    gd: hd.GDResult
    solution_exists: bool


def run(config: GDRestartsConfig, n_elements: int, subsets, *, width: int = 2) -> GDRestartsResult:
    """Train every restart at one width on the instance's training set (with the gadget).

    Raises:
      ValueError: an invalid instance, or non-positive restarts, steps or width.
    """
    X, y = hd.blum_rivest_dataset(n_elements, subsets, gadget=True)
    gd = hd.fit_threshold_network_gd(X, y, int(config.restarts), int(config.steps), jax.random.key(int(config.seed)),
                                     width=int(width), history_every=int(config.history_every))
    return GDRestartsResult(config, int(width), gd, hd.solve_set_splitting(n_elements, subsets) is not None)
