"""What lab 3's width sweeps share: the per-width result, the sweep protocol, argument checks.

A *sweep* does one width (hidden units, or features) per item of its ``steps()`` generator,
which yields ``(fraction_done, message)`` so that a dashboard can show progress and stop between
widths; ``run()`` drains it. Results accumulate in a :class:`SweepResult` (JSON-able with
:meth:`SweepResult.to_dict`), one list of per-seed values per width and metric. The sweeps
themselves: :mod:`.double_descent`, :mod:`.lazy_training`, :mod:`.width_makes_easy` (after the
model-wise sweeps of Nakkiran et al., "Deep Double Descent", ICLR 2020, arXiv 1912.02292).

Examples:
    >>> r = SweepResult(settings={"n_train": 4})
    >>> r.add(8, 0.1, test_error=[0.5, 0.3])
    >>> r.widths, r.mean("test_error").round(3).tolist()
    ([8], [0.4])
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import jax
import jax.numpy as jnp
import numpy as np

from .. import data, models
from ..overparam.labels import check_fraction
from ..validation import check_int

__all__ = ["SweepResult", "Sweep", "mnist1d", "mlp_loss", "stacked_inits", "check_widths",
           "check_seeds", "check_n_train", "check_fraction"]

_DATA: dict = {}


def mnist1d():
    """MNIST-1D (:func:`hardtrain.data.load`), loaded once per process and shared by the sweeps.

    Returns:
      The :class:`hardtrain.data.Dataset` (4000 training and 1000 test examples, 40 features,
      10 classes; Greydanus & Kobak, ICML 2024, arXiv 2011.14439).
    """
    if "mnist1d" not in _DATA:
        _DATA["mnist1d"] = data.load("mnist1d")
    return _DATA["mnist1d"]


@dataclasses.dataclass
class SweepResult:
    """Per-width results of a sweep (lists grow as the sweep runs).

    Attributes:
      widths: the widths done so far (number of features, or hidden units).
      metrics: name -> list (one entry per width) of per-seed value lists, e.g.
        ``metrics["test_error"][i][s]``.
      settings: the sweep's settings (n_train, label_noise, seeds, steps, ...).
      seconds: wall time per width.
    """

    widths: list = dataclasses.field(default_factory=list)
    metrics: dict = dataclasses.field(default_factory=dict)
    settings: dict = dataclasses.field(default_factory=dict)
    seconds: list = dataclasses.field(default_factory=list)

    def add(self, width: int, seconds: float, **values) -> None:
        """Append one width's values (each an array over seeds)."""
        self.widths.append(int(width))
        self.seconds.append(float(seconds))
        for k, v in values.items():
            self.metrics.setdefault(k, []).append([float(a) for a in np.atleast_1d(np.asarray(v))])

    def clear(self) -> None:
        """Forget the widths done (the settings stay)."""
        self.widths.clear(), self.metrics.clear(), self.seconds.clear()

    def mean(self, name: str) -> np.ndarray:
        """Array (W,): the seed mean of a metric per width."""
        return np.array([np.mean(v) for v in self.metrics.get(name, [])], np.float64)

    def to_dict(self) -> dict:
        """JSON-ready copy."""
        return {"widths": list(self.widths), "metrics": self.metrics, "settings": self.settings,
                "seconds": self.seconds}

    @classmethod
    def from_dict(cls, d: dict) -> "SweepResult":
        """Inverse of :meth:`to_dict`."""
        return cls(list(d["widths"]), dict(d["metrics"]), dict(d.get("settings", {})), list(d.get("seconds", [])))


class Sweep:
    """Base of the sweeps: ``steps()`` yields per width, ``run()`` drains it.

    Attributes:
      result: the :class:`SweepResult` that grows as ``steps()`` runs.
      widths: the widths to sweep, in order.
    """

    result: SweepResult
    widths: tuple[int, ...]

    def steps(self) -> Iterator[tuple[float, str]]:  # pragma: no cover - overridden
        """One width per item: yields (fraction done, message)."""
        raise NotImplementedError

    def run(self) -> SweepResult:
        """Run every width; return :attr:`result`."""
        for _ in self.steps():
            pass
        return self.result


def check_widths(widths) -> tuple[int, ...]:
    """A non-empty tuple of positive ints, or ValueError naming ``widths``."""
    ws = tuple(widths)
    if not ws:
        raise ValueError(f"widths must be a non-empty sequence of positive integers, got {widths!r}")
    return tuple(check_int("widths", w, 1) for w in ws)


def check_seeds(seeds) -> tuple[int, ...]:
    """A non-empty tuple of ints >= 0, or ValueError naming ``seeds``."""
    ss = tuple(seeds)
    if not ss:
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0, got {seeds!r}")
    return tuple(check_int("seeds", x, 0) for x in ss)


def check_n_train(dataset, n_train) -> int:
    """A training-set size between 1 and the dataset's, or ValueError naming ``n_train``."""
    n_max = int(dataset.x_train.shape[0])
    n_train = check_int("n_train", n_train, 1)
    if n_train > n_max:
        raise ValueError(f"n_train must be at most {n_max} (the dataset's size), got {n_train}")
    return n_train


_LOSSES: dict = {}


def mlp_loss(apply_fn, x, y):
    """One loss function per (architecture, data), so that the compiled training loop is reused.

    Args:
      apply_fn: the model's apply function (:func:`hardtrain.models.build`).
      x: inputs; y: integer labels.

    Returns:
      :func:`hardtrain.models.loss_function` of them, the same object for the same arguments.
    """
    key = (apply_fn, id(x), id(y))
    hit = _LOSSES.get(key)
    if hit is None or hit[1] is not x or hit[2] is not y:
        _LOSSES[key] = (models.loss_function(apply_fn, x, y), x, y)
        if len(_LOSSES) > 64:
            _LOSSES.pop(next(iter(_LOSSES)))
    return _LOSSES[key][0]


def stacked_inits(width: int, n_in: int, n_out: int, seeds) -> dict:
    """Initial parameters of one-hidden-layer ReLU MLPs, one per seed, stacked on a leading axis."""
    ps = [models.build(models.MLP, n_in, (width,), n_out, activation="relu", seed=s)[1] for s in seeds]
    return jax.tree.map(lambda *a: jnp.stack(a), *ps)
