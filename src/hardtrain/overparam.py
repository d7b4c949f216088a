"""Overparameterisation: double descent, lazy training, and width making hard problems easy (lab 3).

Four experiments, each a *sweep* object whose ``steps()`` generator does one width (or one
rung) per item and yields ``(fraction_done, message)``, so that a dashboard can show progress
and stop between items, and whose ``run()`` drains it; results accumulate in ``.result``:

- :class:`RandomFeaturesSweep`: model-wise double descent of random ReLU features fitted by the
  minimum-norm least-squares solution on MNIST-1D with label noise. Test error peaks where the
  number of features equals the number of training samples (the interpolation threshold), and
  the norm of the solution blows up there (Belkin, Hsu, Ma, Mandal, "Reconciling modern
  machine-learning practice and the classical bias-variance trade-off", PNAS 2019,
  arXiv 1812.11118).
- :class:`MLPWidthSweep`: the same question for a one-hidden-layer MLP trained by Adam (optax),
  with or without label noise (Nakkiran et al., "Deep Double Descent", ICLR 2020, arXiv 1912.02292).
- :class:`LazyTrainingSweep`: in the NTK parameterisation the relative change of the weights
  during training, ||theta_T - theta_0|| / ||theta_0||, shrinks like m^-1/2 with the width m
  (Jacot, Gabriel, Hongler, NeurIPS 2018, arXiv 1806.07572; Lee et al., NeurIPS 2019,
  arXiv 1902.06720; Chizat, Oyallon, Bach, NeurIPS 2019, arXiv 1812.07956).
- :class:`MemorisationSweep` and :class:`HardInstanceSweep`: gradient descent fits random labels
  (Zhang, Bengio, Hardt, Recht, Vinyals, "Understanding deep learning requires rethinking
  generalization", ICLR 2017, arXiv 1611.03530) and lab 2's hard Blum-Rivest instance more often
  as the width grows.

Several accelerators: :func:`sweep_over_devices` vmaps a function over seeds with the seed axis
sharded over all JAX devices (``jax.sharding``); on one device it is a plain ``jit(vmap(f))``.

This is a core module: it imports neither ipywidgets nor plotly.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
from typing import Callable, Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["noisy_labels", "random_relu_features", "min_norm_least_squares", "sweep_over_devices",
           "SweepResult", "RandomFeaturesSweep", "MLPWidthSweep", "ntk_init", "ntk_apply",
           "relative_change", "LazyTrainingSweep", "MemorisationSweep", "HardInstanceSweep",
           "default_widths", "provenance", "HARD_INSTANCE", "hard_instance", "PRECOMPUTED",
           "precompute", "load_precomputed", "main"]


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------

def _check_fraction(name, p):
    if not (isinstance(p, (int, float, np.floating)) and 0.0 <= float(p) <= 1.0):
        raise ValueError(f"{name} must be a number in [0, 1], got {p!r}")


def noisy_labels(y, fraction: float, n_classes: int, key: jax.Array) -> jax.Array:
    """Corrupt exactly ``round(fraction * n)`` labels, each to a different, uniformly drawn class.

    Nakkiran et al. (arXiv 1912.02292) use label noise to make the double-descent peak of
    SGD-trained networks pronounced; the corrupted labels here are always wrong, so ``fraction``
    is the fraction of wrong labels.

    Args:
      y: int array of shape (n,), classes in 0..n_classes-1.
      fraction: in [0, 1].
      n_classes: K >= 2.
      key: a JAX PRNG key.
    Returns:
      int32 array of shape (n,).
    Raises:
      ValueError: ``fraction`` outside [0, 1] or ``n_classes`` < 2.
    """
    _check_fraction("fraction", fraction)
    if int(n_classes) != n_classes or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    y = jnp.asarray(y, jnp.int32)
    n = y.shape[0]
    k_pick, k_shift = jax.random.split(key)
    n_bad = int(round(float(fraction) * n))
    which = jax.random.permutation(k_pick, n)[:n_bad]
    shift = jax.random.randint(k_shift, (n_bad,), 1, int(n_classes))  # never 0: always a new class
    return y.at[which].set((y[which] + shift) % int(n_classes))


def random_relu_features(x: jax.Array, n_features: int, key: jax.Array) -> jax.Array:
    """Random ReLU features phi(x) = max(0, x W) / sqrt(N), W with i.i.d. N(0, 1/d) entries.

    Args:
      x: array of shape (n, d). n_features: N >= 1. key: PRNG key (the same key gives the same
        W, so train and test features must use the same key).
    Returns:
      Array of shape (n, N). The 1/sqrt(N) keeps the scale of phi(x) . phi(x') independent of N.
    Raises:
      ValueError: ``n_features`` < 1.
    """
    if int(n_features) != n_features or n_features < 1:
        raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
    d = x.shape[1]
    w = jax.random.normal(key, (d, int(n_features)), x.dtype) / math.sqrt(d)
    return jax.nn.relu(x @ w) / math.sqrt(int(n_features))


def min_norm_least_squares(features: jax.Array, targets: jax.Array) -> jax.Array:
    """The minimum-norm least-squares solution B = pinv(Phi) Y (via SVD, ``jnp.linalg.lstsq``).

    Below the interpolation threshold (N < n) it is the ordinary least-squares fit; above it
    (N > n), among the infinitely many interpolating solutions, the one of smallest Frobenius
    norm, which is what gradient descent from zero converges to (Belkin et al., arXiv 1812.11118).

    Args:
      features: Phi, array of shape (n, N). targets: Y, array of shape (n, K).
    Returns:
      Array of shape (N, K).
    """
    return jnp.linalg.lstsq(features, targets)[0]


@functools.lru_cache(maxsize=64)
def _sharded_vmap(fn: Callable, n_shared: int):
    return jax.jit(jax.vmap(fn, in_axes=(0,) + (None,) * n_shared))


def sweep_over_devices(fn: Callable, batch, *shared, devices: Sequence | None = None,
                       shard_cpu: bool = True):
    """``vmap(fn)`` over the leading axis of ``batch``, that axis sharded over several devices.

    The batch (e.g. seeds) is padded to a multiple of the device count by repeating its last
    entry, placed with ``NamedSharding(Mesh(devices, ("sweep",)), PartitionSpec("sweep"))``, and
    one jitted, vmapped program runs each device's share; ``shared`` arguments (the data) are
    replicated. The padding is dropped from the output. With one device this is
    ``jit(vmap(fn))(batch, *shared)``. Each example is computed by the same program, so the
    results equal the unsharded run (up to floating-point reassociation inside XLA).

    Known limitation, handled by ``shard_cpu``: with several *host* CPU devices
    (``XLA_FLAGS=--xla_force_host_platform_device_count``, an emulation for testing), a sharded
    program that runs a batched LAPACK SVD (the random-features fit) deadlocks XLA's CPU thread
    pool now and then with jax 0.10.2 (here: on the 4th to 6th call; in a CI run, on the first).
    Matmul-only programs (40 calls in a row), one CPU device and GPUs are unaffected. Such a
    program passes ``shard_cpu=False``: when every device is a CPU it runs on the first one only,
    which costs nothing, since emulated host devices share the same cores.

    Args:
      fn: ``fn(example, *shared)``, traceable; ``example`` is one slice of ``batch``. Reuse the
        same function object: the compiled program is cached on it.
      batch: pytree of arrays with a common leading axis S >= 1.
      *shared: arrays passed unchanged to every call.
      devices: the devices to use; default ``jax.devices()`` (all GPUs when present).
      shard_cpu: False to run on ``devices[0]`` alone when every device is a CPU (see above).
    Returns:
      ``fn``'s outputs stacked along a leading axis of size S.
    Raises:
      ValueError: the leaves of ``batch`` disagree on the leading axis, or it is empty.
    """
    leaves = jax.tree.leaves(batch)
    sizes = {np.shape(x)[0] if np.ndim(x) else None for x in leaves}
    if len(sizes) != 1 or None in sizes or 0 in sizes:
        raise ValueError("every leaf of batch needs the same non-empty leading axis, got "
                         f"{sorted(map(str, sizes))}")
    (size,) = sizes
    devices = list(jax.devices() if devices is None else devices)
    if not shard_cpu and all(d.platform == "cpu" for d in devices):
        devices = devices[:1]
    nd = len(devices)
    padded = size + (-size) % nd
    if padded != size:
        batch = jax.tree.map(lambda x: jnp.concatenate([x, jnp.repeat(x[-1:], padded - size, 0)]), batch)
    if nd > 1:
        from jax.sharding import Mesh, NamedSharding, PartitionSpec

        mesh = Mesh(np.array(devices), ("sweep",))
        batch = jax.device_put(batch, NamedSharding(mesh, PartitionSpec("sweep")))
        shared = jax.device_put(shared, NamedSharding(mesh, PartitionSpec()))
    else:
        batch = jax.device_put(batch, devices[0])
        shared = jax.device_put(shared, devices[0])
    out = _sharded_vmap(fn, len(shared))(batch, *shared)
    return jax.tree.map(lambda a: a[:size], out)


def default_widths(n_train: int, points: int = 9, lo: float = 0.1, hi: float = 10.0) -> tuple[int, ...]:
    """Feature counts for a double-descent sweep: log-spaced in [lo n, hi n], with n itself.

    Args:
      n_train: number of training samples n >= 1. points: how many widths (>= 3).
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


def provenance(command: str, seed: int) -> dict:
    """Where a precomputed result came from: command, seed, package versions, machine, date."""
    import os
    import platform
    from importlib import metadata

    versions = {}
    for pkg in ("hardtrain", "jax", "jaxlib", "flax", "optax", "numpy", "mnist1d"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "not installed"
    return {"command": command, "seed": int(seed), "versions": versions,
            "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                        "cpu_count": os.cpu_count(), "python": platform.python_version(),
                        "jax_backend": jax.default_backend(),
                        "devices": [str(d) for d in jax.devices()]},
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


# --------------------------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------------------------

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


class _Sweep:
    result: SweepResult
    widths: tuple[int, ...]

    def steps(self) -> Iterator[tuple[float, str]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self) -> SweepResult:
        """Run every width; return :attr:`result`."""
        for _ in self.steps():
            pass
        return self.result


def _check_widths(widths) -> tuple[int, ...]:
    ws = tuple(int(w) for w in widths)
    if not ws or any(w < 1 for w in ws) or any(w != v for w, v in zip(ws, widths)):
        raise ValueError(f"widths must be a non-empty sequence of positive integers, got {widths!r}")
    return ws


def _check_seeds(seeds) -> tuple[int, ...]:
    ss = tuple(int(s) for s in seeds)
    if not ss or any(s < 0 for s in ss):
        raise ValueError(f"seeds must be a non-empty sequence of integers >= 0, got {seeds!r}")
    return ss


def _check_positive(name, v):
    if int(v) != v or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


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


class RandomFeaturesSweep(_Sweep):
    """Model-wise double descent: random ReLU features + minimum-norm least squares.

    For each feature count N in ``widths`` and each seed: draw W (seeded), fit one-hot targets
    of the (noisy) training labels with :func:`min_norm_least_squares`, and record the train
    error (against the noisy labels it was fitted to), the test error (clean test labels) and
    the Frobenius norm of the solution. Seeds of one width run in one vmapped program sharded over
    the GPUs or TPUs (:func:`sweep_over_devices`; on CPUs it runs on one device, since the SVD
    deadlocks emulated host devices). The test error peaks near N = n (the interpolation
    threshold), where the train error first reaches 0 and the norm explodes (Belkin et al., PNAS
    2019, arXiv 1812.11118; on MNIST-1D: Greydanus & Kobak, ICML 2024, arXiv 2011.14439).

    Args:
      dataset: a :class:`hardtrain.data.Dataset` (MNIST-1D in the lab).
      widths: feature counts N (positive ints); default :func:`default_widths` of ``n_train``.
      n_train: use the first n training examples (1 <= n <= dataset size).
      label_noise: fraction of training labels made wrong, in [0, 1] (:func:`noisy_labels`).
      seeds: seeds of the features (the label noise uses ``noise_seed``).
      noise_seed: seed of the label noise.
      devices: devices to shard the seeds over (default all; CPUs: the first only).
    Raises:
      ValueError: a bad width, seed, n_train or label_noise.
    """

    def __init__(self, dataset, widths: Sequence[int] | None = None, *, n_train: int = 1000,
                 label_noise: float = 0.15, seeds: Sequence[int] = (0,), noise_seed: int = 0,
                 devices=None):
        n_max = int(dataset.x_train.shape[0])
        n_train = _check_positive("n_train", n_train)
        if n_train > n_max:
            raise ValueError(f"n_train must be at most {n_max} (the dataset's size), got {n_train}")
        _check_fraction("label_noise", label_noise)
        self.widths = _check_widths(default_widths(n_train) if widths is None else widths)
        self.seeds = _check_seeds(seeds)
        self.n_classes = int(dataset.n_classes)
        self.x_tr = dataset.x_train[:n_train]
        self.y_tr = noisy_labels(dataset.y_train[:n_train], label_noise, self.n_classes,
                                 jax.random.key(int(noise_seed)))
        self.x_te, self.y_te = dataset.x_test, dataset.y_test
        self.devices = devices
        self.result = SweepResult(settings={"n_train": n_train, "label_noise": float(label_noise),
                                            "seeds": list(self.seeds), "noise_seed": int(noise_seed),
                                            "n_test": int(self.x_te.shape[0]), "model": "random ReLU features"})

    def fit(self, n_features: int) -> dict:
        """Metrics for one feature count: {"train_error", "test_error", "norm"}, arrays (S,)."""
        fn = _rf_program(int(n_features), self.n_classes)
        out = sweep_over_devices(fn, jnp.asarray(self.seeds, jnp.int32), self.x_tr, self.y_tr,
                                 self.x_te, self.y_te, devices=self.devices, shard_cpu=False)
        return {k: np.asarray(v) for k, v in out.items()}

    def steps(self) -> Iterator[tuple[float, str]]:
        """One feature count per item: yields (fraction done, message)."""
        self.result.widths.clear(), self.result.metrics.clear(), self.result.seconds.clear()
        cost = np.array([w * min(w, self.x_tr.shape[0]) for w in self.widths], np.float64)
        for i, n in enumerate(self.widths):
            t0 = time.perf_counter()
            m = self.fit(n)
            self.result.add(n, time.perf_counter() - t0, **m)
            yield float(cost[:i + 1].sum() / cost.sum()), (
                f"N = {n} features: test error {m['test_error'].mean():.3f}, train error "
                f"{m['train_error'].mean():.3f}, norm {m['norm'].mean():.3g}")


class MLPWidthSweep(_Sweep):
    """Model-wise double descent of a trained network: a one-hidden-layer ReLU MLP per width.

    Each width trains 40 -> m -> 10 (Flax NNX :class:`hardtrain.models.MLP`, LeCun-normal init)
    full-batch with Adam (optax, learning rate 1e-2) for ``steps`` steps on the first
    ``n_train`` MNIST-1D examples with ``label_noise``; records train error (noisy labels), test
    error, and the parameter norm. Nakkiran et al. (ICLR 2020, arXiv 1912.02292) report the
    peak for SGD-trained nets near the width where the net first fits the training set, made
    pronounced by label noise and long training; a short run may show only its onset.

    Args:
      dataset: a :class:`hardtrain.data.Dataset`. widths: hidden widths.
      n_train, label_noise, noise_seed: as in :class:`RandomFeaturesSweep`.
      steps: Adam steps per width (>= 1). seed: seed of the initial weights.
    Raises:
      ValueError: a bad width, n_train, steps or label_noise.
    """

    def __init__(self, dataset, widths: Sequence[int] = (4, 8, 16, 32, 64, 128, 256), *,
                 n_train: int = 1000, label_noise: float = 0.15, steps: int = 2000, seed: int = 0,
                 noise_seed: int = 0):
        from . import models
        from . import train as training

        n_max = int(dataset.x_train.shape[0])
        n_train = _check_positive("n_train", n_train)
        if n_train > n_max:
            raise ValueError(f"n_train must be at most {n_max} (the dataset's size), got {n_train}")
        _check_fraction("label_noise", label_noise)
        self.widths = _check_widths(widths)
        self.steps_ = _check_positive("steps", steps)
        self.seed = int(seed)
        self.ds = dataset
        self.x_tr = dataset.x_train[:n_train]
        self.y_tr = noisy_labels(dataset.y_train[:n_train], label_noise, dataset.n_classes,
                                 jax.random.key(int(noise_seed)))
        self._models, self._training = models, training
        self._opt = training.make_optimizer("adam", 1e-2)
        self.result = SweepResult(settings={"n_train": n_train, "label_noise": float(label_noise),
                                            "steps": self.steps_, "seed": self.seed, "noise_seed": int(noise_seed),
                                            "model": "MLP 40-m-10 ReLU, Adam 1e-2 full batch"})

    def steps(self) -> Iterator[tuple[float, str]]:
        """One width per item: yields (fraction done, message)."""
        models, training = self._models, self._training
        self.result.widths.clear(), self.result.metrics.clear(), self.result.seconds.clear()
        cost = np.array(self.widths, np.float64)
        for i, m in enumerate(self.widths):
            t0 = time.perf_counter()
            apply_fn, p0 = models.build(models.MLP, self.ds.n_features, (m,), self.ds.n_classes,
                                        activation="relu", seed=self.seed)
            loss_fn = _mlp_loss(apply_fn, self.x_tr, self.y_tr)
            res = training.train(loss_fn, p0, self._opt, self.steps_)
            params = res.params
            train_err = 1.0 - models.accuracy(apply_fn, params, self.x_tr, self.y_tr)
            test_err = 1.0 - models.accuracy(apply_fn, params, self.ds.x_test, self.ds.y_test)
            norm = float(np.sqrt(sum(float(jnp.sum(p ** 2)) for p in jax.tree.leaves(params))))
            self.result.add(m, time.perf_counter() - t0, train_error=train_err, test_error=test_err,
                            norm=norm, params=models.count_params(params))
            yield float(cost[:i + 1].sum() / cost.sum()), (
                f"width {m}: test error {test_err:.3f}, train error {train_err:.3f}")


_LOSSES: dict = {}


def _mlp_loss(apply_fn, x, y):
    """One loss function per (architecture, data) so that the compiled training loop is reused."""
    from . import models

    key = (apply_fn, id(x), id(y))
    hit = _LOSSES.get(key)
    if hit is None or hit[1] is not x or hit[2] is not y:
        _LOSSES[key] = (models.loss_function(apply_fn, x, y), x, y)
        if len(_LOSSES) > 64:
            _LOSSES.pop(next(iter(_LOSSES)))
    return _LOSSES[key][0]


# --------------------------------------------------------------------------------------------
# Lazy training in the NTK parameterisation
# --------------------------------------------------------------------------------------------

def ntk_init(key: jax.Array, n_inputs: int, width: int, n_outputs: int) -> dict:
    """Parameters of a one-hidden-layer net in the NTK parameterisation: all entries N(0, 1).

    Args:
      key: PRNG key. n_inputs: d. width: m. n_outputs: K.
    Returns:
      {"W": array (d, m), "a": array (m, K)}, float32, i.i.d. standard normal (the 1/sqrt(fan-in)
      scales live in :func:`ntk_apply`, which is what makes the training lazy as m grows; Jacot et
      al., NeurIPS 2018, arXiv 1806.07572).
    """
    k1, k2 = jax.random.split(key)
    return {"W": jax.random.normal(k1, (n_inputs, width)), "a": jax.random.normal(k2, (width, n_outputs))}


def ntk_apply(params: dict, x: jax.Array) -> jax.Array:
    """f(x) = relu(x W / sqrt(d)) a / sqrt(m): array (n, d) -> array (n, K)."""
    d, m = params["W"].shape
    return jax.nn.relu(x @ params["W"] / math.sqrt(d)) @ params["a"] / math.sqrt(m)


def relative_change(before, after) -> jax.Array:
    """||after - before|| / ||before|| over all leaves of two pytrees of the same structure.

    Raises:
      ValueError: the structures or shapes differ.
    """
    lb, la = jax.tree.leaves(before), jax.tree.leaves(after)
    if jax.tree.structure(before) != jax.tree.structure(after) or any(
            jnp.shape(a) != jnp.shape(b) for a, b in zip(la, lb)):
        raise ValueError("before and after must be pytrees of the same structure and shapes")
    num = sum(jnp.sum((a - b) ** 2) for a, b in zip(la, lb))
    den = sum(jnp.sum(b ** 2) for b in lb)
    return jnp.sqrt(num / den)


@functools.lru_cache(maxsize=64)
def _lazy_program(width: int, steps: int, lr: float, n_inputs: int, n_outputs: int):
    def one(seed, x, targets):
        p0 = ntk_init(jax.random.fold_in(jax.random.key(1), seed), n_inputs, width, n_outputs)

        def loss(p):
            return 0.5 * jnp.mean(jnp.sum((ntk_apply(p, x) - targets) ** 2, -1))

        def body(p, _):
            value, g = jax.value_and_grad(loss)(p)
            return jax.tree.map(lambda w, gw: w - lr * gw, p, g), value

        p_t, losses = jax.lax.scan(body, p0, None, length=steps)
        return {"relative_change": relative_change(p0, p_t),
                "relative_change_W": relative_change(p0["W"], p_t["W"]),
                "initial_loss": losses[0], "final_loss": loss(p_t)}

    return one


class LazyTrainingSweep(_Sweep):
    """Relative weight change vs width in the NTK parameterisation (lazy training).

    For each width m and seed: initialise :func:`ntk_init`, run ``steps`` steps of full-batch
    gradient descent (learning rate ``lr``, independent of m) on the squared loss of one-hot
    MNIST-1D targets, and record ||theta_T - theta_0|| / ||theta_0|| (all weights, and the first
    layer alone), the initial and final loss. Theory: the change shrinks like m^-1/2 while the
    loss reached stays about the same (Jacot et al., arXiv 1806.07572; Lee et al.,
    arXiv 1902.06720; Chizat, Oyallon, Bach, arXiv 1812.07956). Seeds are vmapped and sharded over
    the devices (:func:`sweep_over_devices`).

    Args:
      dataset: a :class:`hardtrain.data.Dataset`. widths: hidden widths m.
      n_train: first n training examples. steps: GD steps. lr: learning rate > 0.
      seeds: seeds of the initial weights. devices: as in :func:`sweep_over_devices`.
    Raises:
      ValueError: a bad width, seed, n_train, steps or lr.
    """

    def __init__(self, dataset, widths: Sequence[int] = (32, 128, 512, 2048, 8192), *,
                 n_train: int = 256, steps: int = 200, lr: float = 1.0, seeds: Sequence[int] = (0,),
                 devices=None):
        n_max = int(dataset.x_train.shape[0])
        n_train = _check_positive("n_train", n_train)
        if n_train > n_max:
            raise ValueError(f"n_train must be at most {n_max} (the dataset's size), got {n_train}")
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
        self.widths = _check_widths(widths)
        self.seeds = _check_seeds(seeds)
        self.steps_ = _check_positive("steps", steps)
        self.lr = float(lr)
        self.x = dataset.x_train[:n_train]
        self.targets = jax.nn.one_hot(dataset.y_train[:n_train], dataset.n_classes)
        self.n_outputs = int(dataset.n_classes)
        self.devices = devices
        self.result = SweepResult(settings={"n_train": n_train, "steps": self.steps_, "lr": self.lr,
                                            "seeds": list(self.seeds),
                                            "model": "NTK-parameterised 40-m-10 ReLU, full-batch GD, squared loss"})

    def fit(self, width: int) -> dict:
        """Metrics for one width, arrays over seeds."""
        fn = _lazy_program(int(width), self.steps_, self.lr, int(self.x.shape[1]), self.n_outputs)
        out = sweep_over_devices(fn, jnp.asarray(self.seeds, jnp.int32), self.x, self.targets,
                                 devices=self.devices)
        return {k: np.asarray(v) for k, v in out.items()}

    def steps(self) -> Iterator[tuple[float, str]]:
        """One width per item: yields (fraction done, message)."""
        self.result.widths.clear(), self.result.metrics.clear(), self.result.seconds.clear()
        cost = np.array(self.widths, np.float64)
        for i, m in enumerate(self.widths):
            t0 = time.perf_counter()
            out = self.fit(m)
            self.result.add(m, time.perf_counter() - t0, **out)
            yield float(cost[:i + 1].sum() / cost.sum()), (
                f"width {m}: relative weight change {out['relative_change'].mean():.4f}, "
                f"final loss {out['final_loss'].mean():.4f}")


# --------------------------------------------------------------------------------------------
# Width makes hard instances easy
# --------------------------------------------------------------------------------------------

class MemorisationSweep(_Sweep):
    """How often gradient descent fits *random* labels exactly, as the width grows.

    For each width m: ``len(seeds)`` one-hidden-layer ReLU MLPs (40 -> m -> 10, LeCun-normal
    init) are trained at once (vmapped over seeds, one compiled program per width) full-batch
    with Adam (learning rate 1e-2) for ``steps`` steps on ``n_train`` MNIST-1D inputs whose
    labels were replaced by uniformly random classes (drawn once, ``label_seed``). Success = zero
    training errors. Wide nets memorise random labels (Zhang et al., ICLR 2017, arXiv 1611.03530);
    narrow ones cannot: m * (40 + 10) + 10 + m parameters against n labels.

    Args:
      dataset: a :class:`hardtrain.data.Dataset`. widths: hidden widths.
      n_train: number of inputs. steps: Adam steps. seeds: seeds of the initial weights.
      label_seed: seed of the random labels.
    Raises:
      ValueError: a bad width, seed, n_train or steps.
    """

    def __init__(self, dataset, widths: Sequence[int] = (2, 4, 8, 16, 32, 64, 128), *,
                 n_train: int = 200, steps: int = 1000, seeds: Sequence[int] = tuple(range(8)),
                 label_seed: int = 0):
        from . import models
        from . import train as training

        n_max = int(dataset.x_train.shape[0])
        n_train = _check_positive("n_train", n_train)
        if n_train > n_max:
            raise ValueError(f"n_train must be at most {n_max} (the dataset's size), got {n_train}")
        self.widths = _check_widths(widths)
        self.seeds = _check_seeds(seeds)
        self.steps_ = _check_positive("steps", steps)
        self.ds = dataset
        self.x = dataset.x_train[:n_train]
        self.y = jax.random.randint(jax.random.key(int(label_seed)), (n_train,), 0, dataset.n_classes)
        self._models, self._training = models, training
        self._opt = training.make_optimizer("adam", 1e-2)
        self.result = SweepResult(settings={"n_train": n_train, "steps": self.steps_, "seeds": list(self.seeds),
                                            "label_seed": int(label_seed),
                                            "task": "random labels (memorisation)"})

    def steps(self) -> Iterator[tuple[float, str]]:
        """One width per item: yields (fraction done, message)."""
        models, training = self._models, self._training
        self.result.widths.clear(), self.result.metrics.clear(), self.result.seconds.clear()
        cost = np.array(self.widths, np.float64)
        for i, m in enumerate(self.widths):
            t0 = time.perf_counter()
            apply_fn, _ = models.build(models.MLP, self.ds.n_features, (m,), self.ds.n_classes, activation="relu")
            params = _stacked_inits(m, self.ds.n_features, self.ds.n_classes, self.seeds)
            loss_fn = _mlp_loss(apply_fn, self.x, self.y)
            res = training.train_many(loss_fn, params, self._opt, self.steps_)
            errs = np.array([1.0 - models.accuracy(apply_fn, jax.tree.map(lambda a: a[s], res.params),
                                                   self.x, self.y) for s in range(len(self.seeds))])
            self.result.add(m, time.perf_counter() - t0, train_error=errs,
                            success=(errs == 0).astype(np.float64))
            yield float(cost[:i + 1].sum() / cost.sum()), (
                f"width {m}: {int((errs == 0).sum())}/{len(self.seeds)} runs fit every random label")


def _stacked_inits(width, n_in, n_out, seeds):
    from . import models

    ps = [models.build(models.MLP, n_in, (width,), n_out, activation="relu", seed=s)[1] for s in seeds]
    return jax.tree.map(lambda *a: jnp.stack(a), *ps)


class HardInstanceSweep(_Sweep):
    """Gradient-descent success rate on lab 2's hard Blum-Rivest instance as the width grows.

    Uses ``hardtrain.hardness.blum_rivest_dataset`` (a training set that a 2-hidden-unit
    threshold network fits iff a set-splitting instance is solvable; Blum & Rivest, Neural
    Networks 1992) and ``hardtrain.hardness.fit_threshold_network_gd`` with ``restarts``
    random restarts per width; the success rate is the fraction of restarts with zero training
    errors. Imported lazily: lab 2's module may be absent in an older checkout, which raises.

    Args:
      n_elements: size of the ground set of the instance. subsets: the subsets (lab 2's format).
      widths: hidden widths (2 is the width of the hardness proof).
      restarts, steps, seed: as in lab 2's function.
    Raises:
      ImportError: ``hardtrain.hardness`` does not provide the two functions.
      ValueError: bad widths, restarts or steps.
    """

    def __init__(self, n_elements: int, subsets, widths: Sequence[int] = (2, 4, 8, 16, 32), *,
                 restarts: int = 16, steps: int = 500, seed: int = 0):
        from .hardness import blum_rivest_dataset, fit_threshold_network_gd  # lazy: lab 2

        self._fit = fit_threshold_network_gd
        self.X, self.y = blum_rivest_dataset(n_elements, subsets, gadget=True)
        self.widths = _check_widths(widths)
        self.restarts = _check_positive("restarts", restarts)
        self.steps_ = _check_positive("steps", steps)
        self.seed = int(seed)
        self.result = SweepResult(settings={"n_elements": int(n_elements), "subsets": [list(s) for s in subsets],
                                            "restarts": self.restarts, "steps": self.steps_, "seed": self.seed,
                                            "task": "Blum-Rivest instance (lab 2)"})

    def steps(self) -> Iterator[tuple[float, str]]:
        """One width per item: yields (fraction done, message)."""
        self.result.widths.clear(), self.result.metrics.clear(), self.result.seconds.clear()
        for i, m in enumerate(self.widths):
            t0 = time.perf_counter()
            res = self._fit(self.X, self.y, self.restarts, self.steps_, jax.random.key(self.seed), width=m)
            errors = np.asarray(res.errors, np.float64)
            self.result.add(m, time.perf_counter() - t0, errors=errors, success=(errors == 0).astype(np.float64))
            yield (i + 1) / len(self.widths), f"width {m}: success rate {float(res.success_rate):.2f}"


# --------------------------------------------------------------------------------------------
# Full-scale precomputed results (assets/lab3/), with provenance
# --------------------------------------------------------------------------------------------

#: Lab 2's hard instance used by lab 3: ``random_instance(10, 20, 3, seed=1)`` is splittable (a
#: 2-hidden-unit threshold network fits its Blum-Rivest training set, SAT-certified in lab 2) yet
#: gradient descent on the 2-unit relaxation failed on all restarts tried.
HARD_INSTANCE = {"n_elements": 10, "n_subsets": 20, "subset_size": 3, "seed": 1}


def hard_instance() -> tuple[int, tuple[tuple[int, ...], ...]]:
    """Lab 2's fixed hard Set-Splitting instance (:data:`HARD_INSTANCE`), as (n, subsets).

    Raises:
      ImportError: ``hardtrain.hardness`` (lab 2) is not available.
    """
    from .hardness import random_instance

    h = HARD_INSTANCE
    return random_instance(h["n_elements"], h["n_subsets"], h["subset_size"], seed=h["seed"])


#: What ``python -m hardtrain.overparam precompute`` writes, file name -> description.
PRECOMPUTED = {
    "double_descent_rf.json": "random ReLU features + min-norm least squares, n = 1000, label noise 0 and 0.15",
    "double_descent_mlp.json": "MLP width sweep trained by Adam, n = 1000, label noise 0 and 0.15",
    "lazy_training.json": "relative weight change vs width (NTK parameterisation)",
    "width_makes_easy.json": "GD success vs width: lab 2's hard instance and random labels",
    "cost_ladder.json": "FLOPs, time and test error for a ladder of MNIST-1D MLPs",
}


def _precompute_items(fast: bool) -> dict[str, Callable[[], dict]]:
    from . import compute, data

    ds = data.load("mnist1d")
    seeds = (0,) if fast else (0, 1, 2)
    n = 200 if fast else 1000
    rf_widths = default_widths(n, points=7 if fast else 15, lo=0.05, hi=4.0 if fast else 16.0)
    mlp_widths = (2, 8, 32) if fast else (2, 4, 8, 16, 32, 64, 128, 256, 512)

    def rf():
        return {f"noise_{p:g}": RandomFeaturesSweep(ds, rf_widths, n_train=n, label_noise=p, seeds=seeds).run().to_dict()
                for p in (0.0, 0.15)}

    def mlp():
        return {f"noise_{p:g}": MLPWidthSweep(ds, mlp_widths, n_train=n, label_noise=p,
                                              steps=100 if fast else 4000).run().to_dict()
                for p in (0.0, 0.15)}

    def lazy():
        return {"sweep": LazyTrainingSweep(ds, (32, 64) if fast else (32, 64, 128, 256, 512, 1024, 2048, 4096, 8192),
                                           n_train=256, steps=20 if fast else 200, lr=1.0, seeds=seeds).run().to_dict()}

    def easy():
        widths = (2, 4) if fast else (2, 3, 4, 6, 8, 16, 32, 64)
        out = {"memorisation": MemorisationSweep(ds, widths, n_train=100 if fast else 500,
                                                 steps=100 if fast else 2000,
                                                 seeds=tuple(range(2 if fast else 8))).run().to_dict()}
        try:
            inst = hard_instance()
            out["hard_instance"] = HardInstanceSweep(*inst, widths=widths, restarts=4 if fast else 32,
                                                     steps=100 if fast else 500).run().to_dict()
            out["hard_instance"]["settings"]["instance"] = dict(HARD_INSTANCE)
        except ImportError as exc:  # lab 2 absent: say so in the file
            out["hard_instance"] = {"missing": f"hardtrain.hardness not available: {exc}"}
        return out

    def ladder():
        lad = compute.CostLadder(ds, compute.default_ladder(fast=fast), target_error=0.6)
        rows = [dataclasses.asdict(r) for r in lad.run()]
        return {"rungs": rows, "target_error": lad.target_error}

    return {"double_descent_rf.json": rf, "double_descent_mlp.json": mlp, "lazy_training.json": lazy,
            "width_makes_easy.json": easy, "cost_ladder.json": ladder}


def precompute(out: str, only: Sequence[str] | None = None, fast: bool = False, command: str = "") -> list[str]:
    """Run the full-scale lab-3 sweeps and write JSON files with provenance into ``out``.

    Args:
      out: folder (created). only: file names from :data:`PRECOMPUTED` to (re)make (default all).
      fast: tiny sizes (for testing the command itself). command: recorded in the provenance.
    Returns:
      The paths written.
    Raises:
      ValueError: an unknown name in ``only``.
    """
    import json
    from pathlib import Path

    items = _precompute_items(fast)
    names = list(items) if not only else list(only)
    unknown = [n for n in names if n not in items]
    if unknown:
        raise ValueError(f"unknown precomputed file(s) {unknown}; expected some of {list(items)}")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        t0 = time.perf_counter()
        result = items[name]()
        doc = {"description": PRECOMPUTED[name], "fast": bool(fast), "seconds": round(time.perf_counter() - t0, 1),
               "provenance": provenance(command or f"python -m hardtrain.overparam precompute --out {out}", 0),
               "result": result}
        path = folder / name
        path.write_text(json.dumps(doc, indent=1, default=_json_default) + "\n", encoding="utf-8")
        written.append(str(path))
        print(f"wrote {path} ({doc['seconds']} s)", flush=True)
    return written


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def load_precomputed(name: str, folder=None) -> dict | None:
    """A precomputed lab-3 result (the JSON written by :func:`precompute`), or None if absent.

    Args:
      name: a file name from :data:`PRECOMPUTED`.
      folder: default ``assets/lab3`` of the repository this package sits in.
    Raises:
      ValueError: an unknown name.
    """
    import json
    from pathlib import Path

    if name not in PRECOMPUTED:
        raise ValueError(f"unknown precomputed file {name!r}; expected one of {list(PRECOMPUTED)}")
    base = Path(folder) if folder is not None else Path(__file__).resolve().parents[2] / "assets" / "lab3"
    path = base / name
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m hardtrain.overparam precompute --out assets/lab3/ [--only F ...] [--fast]``."""
    import argparse
    import shlex
    import sys

    parser = argparse.ArgumentParser(prog="python -m hardtrain.overparam",
                                     description="Full-scale lab-3 results with provenance.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("precompute", help="run the sweeps and write JSON files")
    p.add_argument("--out", default="assets/lab3/")
    p.add_argument("--only", nargs="*", choices=list(PRECOMPUTED))
    p.add_argument("--fast", action="store_true", help="tiny sizes, to test the command")
    args = parser.parse_args(argv)
    command = "python -m hardtrain.overparam " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    precompute(args.out, args.only, args.fast, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
