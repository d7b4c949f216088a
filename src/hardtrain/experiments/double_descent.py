"""Lab 3, section 1: model-wise double descent on MNIST-1D, with and without label noise.

Two sweeps over the model size on the first ``n_train`` MNIST-1D examples, some of whose labels
are made wrong (:func:`hardtrain.overparam.noisy_labels`):

- :class:`RandomFeaturesSweep`: random ReLU features fitted by the minimum-norm least-squares
  solution. The test error peaks where the number of features N equals the number of training
  samples n (the interpolation threshold), where the train error first reaches 0 and the norm of
  the solution blows up (Belkin, Hsu, Ma, Mandal, "Reconciling modern machine-learning practice
  and the classical bias-variance trade-off", PNAS 2019, arXiv 1812.11118; on MNIST-1D: Greydanus
  & Kobak, ICML 2024, arXiv 2011.14439).
- :class:`MLPWidthSweep`: the same question for a one-hidden-layer MLP trained by Adam (Nakkiran,
  Kaplun, Bansal, Yang, Barak, Sutskever, "Deep Double Descent", ICLR 2020, arXiv 1912.02292).

:class:`Config` holds both sweeps' sizes: ``full()`` those of the precomputed curves
(``assets/lab3/double_descent_*.json``), ``live()`` and ``tiny()`` those of the dashboard.

Examples:
    >>> Config.full().feature_counts()[-1] / Config.full().n_train  # 16 n features at the right
    16.0
    >>> default_widths(100, points=5)
    (10, 46, 100, 215, 1000)
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .. import models
from .. import train as training
from ..overparam import min_norm_least_squares, noisy_labels, random_relu_features, sweep_over_devices
from ..validation import check_int
from .base import Presets
from .sweeps import (Sweep, SweepResult, check_fraction, check_n_train, check_seeds, check_widths, mlp_loss,
                     mnist1d)

__all__ = ["MODELS", "Config", "default_widths", "RandomFeaturesSweep", "MLPWidthSweep"]

#: The two models of the section, as a dashboard names them.
MODELS = ("random features", "MLP (Adam)")


def default_widths(n_train: int, points: int = 9, lo: float = 0.1, hi: float = 10.0) -> tuple[int, ...]:
    """Feature counts for a double-descent sweep: log-spaced in [lo n, hi n], with n itself.

    Args:
      n_train: number of training samples n >= 1.
      points: how many widths (>= 3).
      lo: the smallest count, as a fraction of n (0 < lo < 1).
      hi: the largest count, as a multiple of n (hi > 1).

    Returns:
      Sorted tuple of distinct positive ints that contains ``n_train``.

    Raises:
      ValueError: n_train < 1, points < 3, or not 0 < lo < 1 < hi.
    """
    if n_train < 1 or points < 3 or not 0 < lo < 1 < hi:
        raise ValueError(f"need n_train >= 1, points >= 3, 0 < lo < 1 < hi; got {n_train}, {points}, {lo}, {hi}")
    ws = {int(w) for w in np.round(np.geomspace(lo * n_train, hi * n_train, points - 1))}
    ws.add(int(n_train))
    return tuple(sorted(w for w in ws if w >= 1))


@dataclasses.dataclass(frozen=True)
class Config(Presets):
    """What section 1 computes (both models).

    Attributes:
      n_train: training samples n (the first n of MNIST-1D's 4000).
      n_train_choices: the values of n a dashboard offers.
      label_noise: fraction of training labels made wrong, in [0, 1].
      noise_levels: the label noises of the precomputed curves.
      seeds: seeds of the random features (one curve point averages them).
      noise_seed: seed of the label noise.
      points, lo, hi: feature counts :func:`default_widths` ``(n_train, points, lo, hi)``.
      mlp_widths: hidden widths of the MLP sweep.
      mlp_steps: Adam steps per MLP width.
      mlp_seed: seed of the MLP's initial weights.
    """

    n_train: int = 1000
    n_train_choices: tuple[int, ...] = (1000,)
    label_noise: float = 0.15
    noise_levels: tuple[float, ...] = (0.0, 0.15)
    seeds: tuple[int, ...] = (0, 1, 2)
    noise_seed: int = 0
    points: int = 15
    lo: float = 0.05
    hi: float = 16.0
    mlp_widths: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256, 512)
    mlp_steps: int = 4000
    mlp_seed: int = 0

    @classmethod
    def live(cls):
        """n = 500 of 250, 500 or 1000; 9 feature counts from n / 10 to 10 n; one seed."""
        return cls(n_train=500, n_train_choices=(250, 500, 1000), seeds=(0,), points=9, lo=0.1, hi=10.0,
                   mlp_widths=(4, 8, 16, 32, 64, 128, 256), mlp_steps=1000)

    @classmethod
    def tiny(cls):
        """n = 200 of 100 or 200; 5 feature counts; 3 MLP widths of 60 steps."""
        return cls(n_train=200, n_train_choices=(100, 200), seeds=(0,), points=5, lo=0.1, hi=10.0,
                   mlp_widths=(4, 16, 64), mlp_steps=60)

    def feature_counts(self) -> tuple[int, ...]:
        """The random-features sweep's feature counts: :func:`default_widths` of this config."""
        return default_widths(self.n_train, self.points, self.lo, self.hi)

    def with_seed(self, seed: int) -> "Config":
        """One seed for everything (features, label noise, the MLP's weights), as a dashboard runs."""
        return dataclasses.replace(self, seeds=(int(seed),), noise_seed=int(seed), mlp_seed=int(seed))


@functools.lru_cache(maxsize=64)
def _rf_program(n_features: int, n_classes: int):
    """One example of the random-features fit for a feature count: seed -> metrics."""

    def one(seed, x_tr, y_tr, x_te, y_te):
        key = jax.random.fold_in(jax.random.key(0), seed)
        phi = random_relu_features(x_tr, n_features, key)
        phi_te = random_relu_features(x_te, n_features, key)
        coef = min_norm_least_squares(phi, jax.nn.one_hot(y_tr, n_classes, dtype=phi.dtype))
        train_err = jnp.mean(jnp.argmax(phi @ coef, -1) != y_tr)
        test_err = jnp.mean(jnp.argmax(phi_te @ coef, -1) != y_te)
        return {"train_error": train_err, "test_error": test_err, "norm": jnp.linalg.norm(coef)}

    return one


class RandomFeaturesSweep(Sweep):
    """Model-wise double descent: random ReLU features + minimum-norm least squares.

    For each feature count N in ``widths`` and each seed: draw W (seeded), fit one-hot targets
    of the (noisy) training labels with :func:`hardtrain.overparam.min_norm_least_squares`, and
    record the train error (against the noisy labels it was fitted to), the test error (clean
    test labels) and the Frobenius norm of the solution. Seeds of one width run in one vmapped
    program sharded over the GPUs or TPUs (:func:`hardtrain.overparam.sweep_over_devices`; on CPUs
    it runs on one device, since the SVD deadlocks emulated host devices). The test error peaks
    near N = n (the interpolation threshold), where the train error first reaches 0 and the norm
    explodes (Belkin et al., PNAS 2019, arXiv 1812.11118; on MNIST-1D: Greydanus & Kobak, ICML
    2024, arXiv 2011.14439).

    Args:
      dataset: a :class:`hardtrain.data.Dataset` (MNIST-1D in the lab).
      widths: feature counts N (positive ints); default :func:`default_widths` of ``n_train``.
      n_train: use the first n training examples (1 <= n <= dataset size).
      label_noise: fraction of training labels made wrong, in [0, 1]
        (:func:`hardtrain.overparam.noisy_labels`).
      seeds: seeds of the features (the label noise uses ``noise_seed``).
      noise_seed: seed of the label noise.
      devices: devices to shard the seeds over (default all; CPUs: the first only).

    Raises:
      ValueError: a bad width, seed, n_train or label_noise.
    """

    def __init__(self, dataset, widths: Sequence[int] | None = None, *, n_train: int = 1000,
                 label_noise: float = 0.15, seeds: Sequence[int] = (0,), noise_seed: int = 0,
                 devices=None):
        n_train = check_n_train(dataset, n_train)
        check_fraction("label_noise", label_noise)
        self.widths = check_widths(default_widths(n_train) if widths is None else widths)
        self.seeds = check_seeds(seeds)
        self.n_classes = int(dataset.n_classes)
        self.x_tr = dataset.x_train[:n_train]
        self.y_tr = noisy_labels(dataset.y_train[:n_train], label_noise, self.n_classes,
                                 jax.random.key(int(noise_seed)))
        self.x_te, self.y_te = dataset.x_test, dataset.y_test
        self.devices = devices
        self.result = SweepResult(settings={"n_train": n_train, "label_noise": float(label_noise),
                                            "seeds": list(self.seeds), "noise_seed": int(noise_seed),
                                            "n_test": int(self.x_te.shape[0]), "model": "random ReLU features"})

    @classmethod
    def from_config(cls, config: Config, dataset=None, **kwargs) -> "RandomFeaturesSweep":
        """The sweep a :class:`Config` describes, on MNIST-1D unless another dataset is given.

        Args:
          config: the sizes (``n_train``, ``label_noise``, ``seeds``, ``noise_seed`` and the
            feature counts :meth:`Config.feature_counts`).
          dataset: default :func:`hardtrain.experiments.sweeps.mnist1d`.
          **kwargs: passed on (``devices``).

        Returns:
          A :class:`RandomFeaturesSweep`, not yet run.
        """
        return cls(mnist1d() if dataset is None else dataset, config.feature_counts(), n_train=config.n_train,
                   label_noise=config.label_noise, seeds=config.seeds, noise_seed=config.noise_seed, **kwargs)

    def fit(self, n_features: int) -> dict:
        """Metrics for one feature count: {"train_error", "test_error", "norm"}, arrays (S,)."""
        fn = _rf_program(int(n_features), self.n_classes)
        out = sweep_over_devices(fn, jnp.asarray(self.seeds, jnp.int32), self.x_tr, self.y_tr,
                                 self.x_te, self.y_te, devices=self.devices, shard_cpu=False)
        return {k: np.asarray(v) for k, v in out.items()}

    def steps(self) -> Iterator[tuple[float, str]]:
        """One feature count per item: yields (fraction done, message)."""
        self.result.clear()
        cost = np.array([w * min(w, self.x_tr.shape[0]) for w in self.widths], np.float64)
        for i, n in enumerate(self.widths):
            t0 = time.perf_counter()
            m = self.fit(n)
            self.result.add(n, time.perf_counter() - t0, **m)
            yield float(cost[:i + 1].sum() / cost.sum()), (
                f"N = {n} features: test error {m['test_error'].mean():.3f}, train error "
                f"{m['train_error'].mean():.3f}, norm {m['norm'].mean():.3g}")


class MLPWidthSweep(Sweep):
    """Model-wise double descent of a trained network: a one-hidden-layer ReLU MLP per width.

    Each width trains 40 -> m -> 10 (Flax NNX :class:`hardtrain.models.MLP`, LeCun-normal init)
    full-batch with Adam (optax, learning rate 1e-2) for ``steps`` steps on the first
    ``n_train`` MNIST-1D examples with ``label_noise``; records train error (noisy labels), test
    error, and the parameter norm. Nakkiran et al. (ICLR 2020, arXiv 1912.02292) report the
    peak for SGD-trained nets near the width where the net first fits the training set, made
    pronounced by label noise and long training; a short run may show only its onset.

    Args:
      dataset: a :class:`hardtrain.data.Dataset`.
      widths: hidden widths.
      n_train, label_noise, noise_seed: as in :class:`RandomFeaturesSweep`.
      steps: Adam steps per width (>= 1).
      seed: seed of the initial weights.

    Raises:
      ValueError: a bad width, n_train, steps or label_noise.
    """

    def __init__(self, dataset, widths: Sequence[int] = (4, 8, 16, 32, 64, 128, 256), *,
                 n_train: int = 1000, label_noise: float = 0.15, steps: int = 2000, seed: int = 0,
                 noise_seed: int = 0):
        n_train = check_n_train(dataset, n_train)
        check_fraction("label_noise", label_noise)
        self.widths = check_widths(widths)
        self.steps_ = check_int("steps", steps, 1)
        self.seed = int(seed)
        self.ds = dataset
        self.x_tr = dataset.x_train[:n_train]
        self.y_tr = noisy_labels(dataset.y_train[:n_train], label_noise, dataset.n_classes,
                                 jax.random.key(int(noise_seed)))
        self._opt = training.make_optimizer("adam", 1e-2)
        self.result = SweepResult(settings={"n_train": n_train, "label_noise": float(label_noise),
                                            "steps": self.steps_, "seed": self.seed, "noise_seed": int(noise_seed),
                                            "model": "MLP 40-m-10 ReLU, Adam 1e-2 full batch"})

    @classmethod
    def from_config(cls, config: Config, dataset=None) -> "MLPWidthSweep":
        """The sweep a :class:`Config` describes (``mlp_widths``, ``mlp_steps``, ``mlp_seed``...).

        Args:
          config: the sizes.
          dataset: default :func:`hardtrain.experiments.sweeps.mnist1d`.

        Returns:
          An :class:`MLPWidthSweep`, not yet run.
        """
        return cls(mnist1d() if dataset is None else dataset, config.mlp_widths, n_train=config.n_train,
                   label_noise=config.label_noise, steps=config.mlp_steps, seed=config.mlp_seed,
                   noise_seed=config.noise_seed)

    def steps(self) -> Iterator[tuple[float, str]]:
        """One width per item: yields (fraction done, message)."""
        self.result.clear()
        cost = np.array(self.widths, np.float64)
        for i, m in enumerate(self.widths):
            t0 = time.perf_counter()
            apply_fn, p0 = models.build(models.MLP, self.ds.n_features, (m,), self.ds.n_classes,
                                        activation="relu", seed=self.seed)
            loss_fn = mlp_loss(apply_fn, self.x_tr, self.y_tr)
            res = training.train(loss_fn, p0, self._opt, self.steps_)
            params = res.params
            train_err = 1.0 - models.accuracy(apply_fn, params, self.x_tr, self.y_tr)
            test_err = 1.0 - models.accuracy(apply_fn, params, self.ds.x_test, self.ds.y_test)
            norm = float(np.sqrt(sum(float(jnp.sum(p ** 2)) for p in jax.tree.leaves(params))))
            self.result.add(m, time.perf_counter() - t0, train_error=train_err, test_error=test_err,
                            norm=norm, params=models.count_params(params))
            yield float(cost[:i + 1].sum() / cost.sum()), (
                f"width {m}: test error {test_err:.3f}, train error {train_err:.3f}")
