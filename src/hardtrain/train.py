"""optax training loops compiled whole: ``lax.scan`` over steps, ``vmap`` over starts or seeds.

Divergence is a result, not an error: the first step whose loss (or gradient) is NaN or inf is
recorded, the parameters stay at their last finite value, and the remaining losses read NaN.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = ["OPTIMIZERS", "make_optimizer", "TrainResult", "train", "train_many", "train_seeds"]

#: Names accepted by :func:`make_optimizer`.
OPTIMIZERS = ("gd", "momentum", "nesterov", "adam")


def make_optimizer(name: str, learning_rate: float = 0.1, *, momentum: float = 0.9
                   ) -> optax.GradientTransformation:
    """An optax optimiser whose learning rate can change without recompiling.

    The learning rate lives in the optimiser state (``optax.inject_hyperparams``), so
    :func:`train` can take a new ``learning_rate`` and reuse the compiled loop.

    Args:
      name: "gd" (plain gradient descent), "momentum" (heavy ball; Polyak 1964),
        "nesterov" (Nesterov 1983), or "adam" (Kingma & Ba, ICLR 2015, arXiv 1412.6980).
      learning_rate: step size, > 0.
      momentum: momentum coefficient in [0, 1) for "momentum" and "nesterov".
    Returns:
      An ``optax.GradientTransformation``. Build it once per name and reuse it.
    Raises:
      ValueError: unknown name, non-positive learning rate, momentum outside [0, 1).
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must lie in [0, 1), got {momentum!r}")
    if name == "gd":
        return optax.inject_hyperparams(optax.sgd)(learning_rate=learning_rate)
    if name in ("momentum", "nesterov"):
        return optax.inject_hyperparams(optax.sgd, static_args=("nesterov",))(
            learning_rate=learning_rate, momentum=momentum, nesterov=name == "nesterov")
    return optax.inject_hyperparams(optax.adam)(learning_rate=learning_rate)


class TrainResult(NamedTuple):
    """What a training run returns (arrays; a leading seed/start axis after vmapping).

    Attributes:
      params: final parameters (the last finite ones if the run diverged).
      losses: array of shape (steps,): loss before each update; NaN after divergence.
      trajectory: pytree of arrays of shape (steps + 1, ...) with the parameters before each
        step and at the end, or None when not recorded.
      diverged: bool array: the loss, a gradient or an updated parameter became NaN/inf (or
        the loss exceeded ``max_loss``).
      diverged_at: int array: the first such step, -1 when none.
    """

    params: Any
    losses: jax.Array
    trajectory: Any
    diverged: jax.Array
    diverged_at: jax.Array


def _finite_tree(tree) -> jax.Array:
    return jnp.all(jnp.array([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]))


@functools.lru_cache(maxsize=64)
def _compiled(loss_fn, optimizer, steps: int, record: bool, vmapped: bool, max_loss: float):
    value_and_grad = jax.value_and_grad(loss_fn)

    def run(params, opt_state):
        def step(carry, k):
            params, opt_state, diverged, diverged_at = carry
            loss, grads = value_and_grad(params)
            updates, new_state = optimizer.update(grads, opt_state, params)
            new_params = optax.apply_updates(params, updates)
            # Divergence: a bad loss or gradient here, or an update that overflows the params.
            bad = ~(jnp.isfinite(loss) & (loss <= max_loss) & _finite_tree(grads) & _finite_tree(new_params))
            newly = bad & ~diverged
            diverged_at = jnp.where(newly, k, diverged_at)
            diverged = diverged | bad
            params = jax.tree.map(lambda old, new: jnp.where(diverged, old, new), params, new_params)
            opt_state = jax.tree.map(lambda old, new: jnp.where(diverged, old, new), opt_state, new_state)
            out = (jnp.where(diverged, jnp.nan, loss), params if record else None)
            return (params, opt_state, diverged, diverged_at), out

        init = (params, opt_state, jnp.array(False), jnp.array(-1, jnp.int32))
        (params_T, _, diverged, diverged_at), (losses, traj) = jax.lax.scan(
            step, init, jnp.arange(steps, dtype=jnp.int32))
        if record:
            traj = jax.tree.map(lambda p0, t: jnp.concatenate([p0[None], t]), init[0], traj)
        return TrainResult(params_T, losses, traj, diverged, diverged_at)

    return jax.jit(jax.vmap(run) if vmapped else run)


@functools.lru_cache(maxsize=64)
def _jitted_init(optimizer):
    return jax.jit(optimizer.init)  # one program instead of one per leaf shape (CPU memory)


@functools.lru_cache(maxsize=64)
def _jitted_vinit(optimizer):
    return jax.jit(jax.vmap(optimizer.init))


def _check(steps):
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")


def _init_state(optimizer, params, hyperparams, batched=False):
    state = (_jitted_vinit if batched else _jitted_init)(optimizer)(params)
    if hyperparams:
        if not hasattr(state, "hyperparams"):
            raise ValueError("hyperparams need an optimizer from make_optimizer (inject_hyperparams)")
        for name, value in hyperparams.items():
            if name not in state.hyperparams:
                raise ValueError(f"unknown hyperparameter {name!r}; have {sorted(state.hyperparams)}")
            old = state.hyperparams[name]
            state.hyperparams[name] = jnp.asarray(np.full(old.shape, value, old.dtype))
    return state


def train(loss_fn: Callable, params, optimizer: optax.GradientTransformation, steps: int, *,
          record_trajectory: bool = False, hyperparams: dict | None = None,
          max_loss: float = float("inf")) -> TrainResult:
    """Full-batch training of ``params`` on ``loss_fn`` with one compiled ``lax.scan``.

    Args:
      loss_fn: ``params -> scalar``; reuse the same function object across calls so that the
        compiled loop is reused (it is cached on ``loss_fn``, ``optimizer`` and ``steps``).
      params: initial pytree.
      optimizer: an optax transformation, preferably from :func:`make_optimizer`.
      steps: number of updates, >= 1.
      record_trajectory: also return the parameters at every step (memory: steps x params).
      hyperparams: e.g. ``{"learning_rate": 0.5}``, set in the state of an optimiser from
        :func:`make_optimizer` without recompiling.
      max_loss: a finite loss above this also counts as divergence (default: only NaN/inf).
    Returns:
      A :class:`TrainResult`.
    Raises:
      ValueError: ``steps`` not a positive integer, or an unknown hyperparameter.
    """
    _check(steps)
    state = _init_state(optimizer, params, hyperparams)
    return _compiled(loss_fn, optimizer, int(steps), bool(record_trajectory), False,
                     float(max_loss))(params, state)


def train_many(loss_fn: Callable, params_batch, optimizer: optax.GradientTransformation,
               steps: int, *, record_trajectory: bool = False,
               hyperparams: dict | None = None, max_loss: float = float("inf")) -> TrainResult:
    """:func:`train` from many starting points at once (``vmap`` over a leading axis).

    Args:
      params_batch: pytree whose leaves have a leading axis S (one slice per start).
      (others as in :func:`train`)
    Returns:
      A :class:`TrainResult` whose arrays have a leading axis S; a diverged start does not
      stop the others.
    Raises:
      ValueError: as :func:`train`, or leaves disagree on the leading axis.
    """
    _check(steps)
    sizes = {x.shape[0] for x in jax.tree.leaves(params_batch)}
    if len(sizes) != 1:
        raise ValueError(f"every leaf needs the same leading (start) axis, got sizes {sorted(sizes)}")
    state = _init_state(optimizer, params_batch, hyperparams, batched=True)
    return _compiled(loss_fn, optimizer, int(steps), bool(record_trajectory), True,
                     float(max_loss))(params_batch, state)


def train_seeds(init_fn: Callable[[jax.Array], Any], loss_fn: Callable,
                optimizer: optax.GradientTransformation, steps: int, keys: jax.Array,
                **kwargs) -> TrainResult:
    """Train from ``init_fn(key)`` for every key at once: one compiled, vmapped run.

    Args:
      init_fn: ``key -> params``, traceable under ``jax.vmap``, e.g.
        ``lambda k: pure(MLP(2, (16,), rngs=nnx.Rngs(k)))[1]``.
      keys: array of S PRNG keys, e.g. ``jax.random.split(jax.random.key(0), S)``.
      (others as in :func:`train`)
    Returns:
      A :class:`TrainResult` with a leading seed axis of size S.
    """
    return train_many(loss_fn, jax.vmap(init_fn)(keys), optimizer, steps, **kwargs)
