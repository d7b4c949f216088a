"""The relaxation a practitioner would try: smooth units trained by gradient descent, many restarts.

Each hidden threshold unit is replaced by tanh, the output unit by a logistic (sigmoid)
unit trained with the logistic loss; Adam (optax) trains all weights from random starts. After
training every unit is thresholded back (tanh -> sign) and the training error of the resulting
threshold network is counted. All restarts run at once: one ``jax.jit`` of a ``jax.vmap`` over
restarts of a ``lax.scan`` over steps, compiled once per (padded) data shape.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..validation import check_choice, check_int, check_positive, check_xy

__all__ = ["GDResult", "fit_threshold_network_gd", "gd_single_restart"]


@dataclasses.dataclass(frozen=True)
class GDResult:
    """Outcome of :func:`fit_threshold_network_gd`.

    Attributes:
      errors: int array of shape (restarts,): training points misclassified by each restart's
        network after thresholding every unit (0 means a perfect threshold network was found).
      error_rates: float array of shape (restarts,): ``errors / m``.
      smooth_errors: int array of shape (restarts,): misclassified by the smooth network
        (sign of its output logit), before thresholding the hidden units.
      final_loss: float array of shape (restarts,): mean logistic loss at the end.
      success_rate: float in [0, 1]: fraction of restarts with ``errors == 0``.
      W, b, v, v0: the trained weights, shapes (R, d, width), (R, width), (R, width), (R,).
      width, steps, restarts, learning_rate, output: the settings used.
      error_history: int array of shape (restarts, steps // k + 1): each restart's thresholded
        errors at steps 0, k, 2k, ... with k = ``history_every``; None when not asked for.
      history_every: k (0 when no history was recorded).
    """

    errors: np.ndarray
    error_rates: np.ndarray
    smooth_errors: np.ndarray
    final_loss: np.ndarray
    success_rate: float
    W: np.ndarray
    b: np.ndarray
    v: np.ndarray
    v0: np.ndarray
    width: int
    steps: int
    restarts: int
    learning_rate: float
    output: str
    error_history: np.ndarray | None = None
    history_every: int = 0

    @property
    def n_success(self) -> int:
        """Restarts that found a network classifying every point."""
        return int(np.sum(self.errors == 0))


def _init(key, d, width, scale):
    k1, k2, k3 = jax.random.split(key, 3)
    return {"W": scale * jax.random.normal(k1, (d, width)) / jnp.sqrt(jnp.maximum(d, 1)),
            "b": 0.1 * jax.random.normal(k2, (width,)),
            "v": jax.random.normal(k3, (width,)) / jnp.sqrt(width),
            "v0": jnp.zeros(())}


def _logits(params, X, and_output):
    h = jnp.tanh(X @ params["W"] + params["b"])
    if and_output:  # fixed AND of the hidden units: v = 1, v0 = -(width - 1)
        width = h.shape[-1]
        return 2.0 * (jnp.sum(h, -1) - (width - 1.0))
    return h @ params["v"] + params["v0"]


def _thresholded(params, X, and_output):
    h = jnp.where(X @ params["W"] + params["b"] > 0, 1.0, -1.0)
    if and_output:
        width = h.shape[-1]
        z = jnp.sum(h, -1) - (width - 1.0)
    else:
        z = h @ params["v"] + params["v0"]
    return jnp.where(z > 0, 1.0, -1.0)


def _one_restart(key, X, y, mask, lr, *, steps, width, and_output, scale, every=0):
    """Train one restart; returns (params, final loss, thresholded errors, smooth errors,
    history): history holds the thresholded errors at steps 0, every, 2 every, ... (``every`` >
    0), else is empty."""
    tx = optax.adam(lr)
    params = _init(key, X.shape[1], width, scale)
    n = jnp.maximum(jnp.sum(mask), 1.0)

    def loss_fn(p):
        z = _logits(p, X, and_output)
        return jnp.sum(mask * jax.nn.softplus(-y * z)) / n

    def step(carry, _):
        p, s = carry
        loss, g = jax.value_and_grad(loss_fn)(p)
        upd, s = tx.update(g, s, p)
        return (optax.apply_updates(p, upd), s), None

    def errors(p):
        return jnp.sum(mask * (_thresholded(p, X, and_output) != y))

    carry = (params, tx.init(params))
    if every > 0:  # blocks of `every` steps, the errors recorded after each block
        def block(c, _):
            c, _ = jax.lax.scan(step, c, None, length=every)
            return c, errors(c[0])

        first = errors(params)
        carry, recorded = jax.lax.scan(block, carry, None, length=steps // every)
        history = jnp.concatenate([first[None], recorded])
        rest = steps - (steps // every) * every
    else:
        history, rest = jnp.zeros((0,)), steps
    if rest:
        carry, _ = jax.lax.scan(step, carry, None, length=rest)
    params = carry[0]
    loss = loss_fn(params)
    err = errors(params)
    smooth = jnp.sum(mask * (jnp.where(_logits(params, X, and_output) > 0, 1.0, -1.0) != y))
    return params, loss, err, smooth, history


#: On a CPU, restarts are vmapped in blocks of this many, one block after the other inside the
#: same compiled program (``lax.map``): a block's arrays stay in the cache, which is faster on a
#: CPU than one vmap over all restarts (``benchmarks/gd_restarts.py``). Accelerators vmap them all.
CPU_BLOCK = 32


@functools.lru_cache(maxsize=16)
def _compiled(steps: int, width: int, and_output: bool, scale: float, vmapped: bool, every: int = 0):
    fn = functools.partial(_one_restart, steps=steps, width=width, and_output=and_output, scale=scale,
                           every=every)
    if not vmapped:
        return jax.jit(fn)
    vfn = jax.vmap(fn, in_axes=(0, None, None, None, None))
    block = CPU_BLOCK if jax.default_backend() == "cpu" else 0

    def batched(keys, X, y, mask, lr):
        R = keys.shape[0]
        if not block or R <= block or R % block:
            return vfn(keys, X, y, mask, lr)
        out = jax.lax.map(lambda ks: vfn(ks, X, y, mask, lr), keys.reshape(R // block, block))
        return jax.tree.map(lambda a: a.reshape((R,) + a.shape[2:]), out)

    return jax.jit(batched)


def _bucket(k: int, step: int) -> int:
    return max(step, -(-k // step) * step)


def _pad(X, y, pad_to=None):
    """Pad rows to a multiple of 16 and columns to a multiple of 8 (masked out), or to
    ``pad_to`` = (rows, cols), so that instances of similar size share one compiled program."""
    m, d = X.shape
    M, D = _bucket(m, 16), _bucket(d, 8)
    if pad_to is not None:
        if pad_to[0] < m or pad_to[1] < d:
            raise ValueError(f"pad_to={tuple(pad_to)} is smaller than the data's shape {(m, d)}")
        M, D = int(pad_to[0]), int(pad_to[1])
    Xp = np.zeros((M, D), np.float32)
    Xp[:m, :d] = X
    yp = np.ones(M, np.float32)
    yp[:m] = y
    mask = np.zeros(M, np.float32)
    mask[:m] = 1.0
    return Xp, yp, mask


def _validate(X, y, restarts, steps, width, learning_rate, output):
    X, y = check_xy(X, y, labels="pm1")
    for name, val in (("restarts", restarts), ("steps", steps), ("width", width)):
        check_int(name, val, 1)
    check_positive("learning_rate", learning_rate)
    check_choice("output", output, ("any", "and"))
    return X.astype(np.float32), y.astype(np.float32)


def fit_threshold_network_gd(X, y, restarts: int, steps: int, key, width: int = 2, *,
                             learning_rate: float = 0.1, output: str = "any",
                             init_scale: float = 1.0, pad_to: tuple[int, int] | None = None,
                             history_every: int = 0) -> GDResult:
    """Gradient descent on the smooth relaxation of a threshold network, from many restarts.

    Hidden units tanh(W^T x + b) (``width`` of them), output logit v . h + v0 (``output="any"``,
    trained) or a fixed AND of the hidden units (``output="and"``); logistic loss; Adam
    (Kingma & Ba, ICLR 2015, arXiv 1412.6980) via optax, full batch. After training each unit is
    replaced by its threshold (sign) and the training error counted: the question is whether
    GD finds the 3-node threshold network of Blum & Rivest (NIPS 1988), which exists iff the
    instance is splittable. With ``width`` > 2 the network is larger than the one the hardness
    result is about, and the same data usually become easy (over-parameterisation; lab 3).

    All restarts run in one compiled call: ``jax.jit(jax.vmap(scan over steps))`` (on a CPU the
    vmap runs over blocks of :data:`CPU_BLOCK` restarts inside that call). Rows are
    padded to a multiple of 16 and columns to a multiple of 8 (masked), so instances of similar
    size reuse the compiled program; a new (restarts, steps, width, output) compiles once.

    Args:
      X: array of shape (m, d).
      y: array of shape (m,), labels in {-1, +1}.
      restarts: number of random starts R >= 1.
      steps: Adam steps per restart >= 1.
      key: a JAX PRNG key (``jax.random.key(seed)``); restart r uses ``split(key, R)[r]``.
      width: hidden units (2 = Blum & Rivest's network).
      learning_rate: Adam's step size.
      output: "any" or "and".
      init_scale: standard deviation of the hidden weights times sqrt(d).
      pad_to: (rows, cols) to pad X to (masked), e.g. the largest instance of a sweep, so that
        a whole sweep runs one compiled program.
      history_every: k > 0 also records each restart's thresholded training errors at steps
        0, k, 2k, ... (``error_history``; a replay of the run), 0 records nothing.

    Returns:
      A :class:`GDResult`; ``success_rate`` is the fraction of restarts whose thresholded network
      classifies every point, ``errors`` the per-restart count of misclassified points.

    Raises:
      ValueError: bad shapes, labels outside {-1, +1}, non-positive sizes or learning rate,
        ``pad_to`` smaller than X, ``history_every`` < 0.

    References:
      Blum, Rivest, "Training a 3-node neural network is NP-complete", NIPS 1988.
      Kingma, Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, arXiv 1412.6980.

    Examples:
      AND, which one plane separates, is learnt by some restart; success means zero errors:

      >>> import jax, numpy as np
      >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
      >>> r = fit_threshold_network_gd(X, [-1, -1, -1, 1], restarts=8, steps=100, key=jax.random.key(0))
      >>> r.errors.shape, r.success_rate > 0, r.success_rate == float(np.mean(r.errors == 0))
      ((8,), True, True)
    """
    X, y = _validate(X, y, restarts, steps, width, learning_rate, output)
    check_int("history_every", history_every, 0)
    m, d = X.shape
    Xp, yp, mask = _pad(X, y, pad_to)
    keys = jax.random.split(key, int(restarts))
    every = min(int(history_every), int(steps))
    fn = _compiled(int(steps), int(width), output == "and", float(init_scale), True, every)
    params, loss, err, smooth, history = fn(keys, jnp.asarray(Xp), jnp.asarray(yp), jnp.asarray(mask),
                                            jnp.float32(learning_rate))
    errors = np.asarray(err).round().astype(np.int64)
    return GDResult(
        errors=errors, error_rates=errors / m,
        smooth_errors=np.asarray(smooth).round().astype(np.int64),
        final_loss=np.asarray(loss, np.float64),
        success_rate=float(np.mean(errors == 0)),
        W=np.asarray(params["W"])[:, :d, :], b=np.asarray(params["b"]), v=np.asarray(params["v"]),
        v0=np.asarray(params["v0"]), width=int(width), steps=int(steps), restarts=int(restarts),
        learning_rate=float(learning_rate), output=output,
        error_history=np.asarray(history).round().astype(np.int64) if every else None,
        history_every=every)


def gd_single_restart(X, y, steps: int, key, width: int = 2, *, learning_rate: float = 0.1,
                      output: str = "any", init_scale: float = 1.0) -> tuple[int, float]:
    """One restart of :func:`fit_threshold_network_gd`, jitted on its own.

    The slow baseline of ``benchmarks/gd_restarts.py``: a Python loop over these.

    Args:
      X: array of shape (m, d).
      y: array of shape (m,), labels in {-1, +1}.
      steps: Adam steps >= 1.
      key: a JAX PRNG key.
      width: hidden units (2 = Blum & Rivest's network).
      learning_rate: Adam's step size.
      output: "any" or "and".
      init_scale: standard deviation of the hidden weights times sqrt(d).

    Returns:
      (thresholded training errors, final mean logistic loss) as Python numbers (the call
      blocks until done).

    Raises:
      ValueError: as :func:`fit_threshold_network_gd`.

    Examples:
      >>> import jax, numpy as np
      >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
      >>> errors, loss = gd_single_restart(X, [-1, -1, -1, 1], steps=100, key=jax.random.key(0))
      >>> errors, loss < 0.1
      (0, True)
    """
    X, y = _validate(X, y, 1, steps, width, learning_rate, output)
    Xp, yp, mask = _pad(X, y)
    fn = _compiled(int(steps), int(width), output == "and", float(init_scale), False)
    _, loss, err, _, _ = fn(key, jnp.asarray(Xp), jnp.asarray(yp), jnp.asarray(mask),
                            jnp.float32(learning_rate))
    return int(round(float(err))), float(loss)
