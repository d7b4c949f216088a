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

__all__ = ["OPTIMIZERS", "make_optimizer", "TrainResult", "train", "train_many", "train_seeds",
           "batch_indices", "cosine_learning_rates", "train_minibatch"]

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

    References:
      Polyak, "Some methods of speeding up the convergence of iteration methods", USSR
      Computational Mathematics and Mathematical Physics 4(5), 1964.
      Nesterov, "A method for solving the convex programming problem with convergence rate
      O(1/k^2)", Soviet Mathematics Doklady 27, 1983.
      Kingma, Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, arXiv 1412.6980.

    Examples:
      The learning rate sits in the optimiser's state:

      >>> import jax.numpy as jnp
      >>> opt = make_optimizer("gd", 0.25)
      >>> float(opt.init(jnp.zeros(1)).hyperparams["learning_rate"])
      0.25
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
      opt_state: the optimiser state after the last step (:func:`train_minibatch` only, so
        that a run can be continued exactly; None from :func:`train`).
    """

    params: Any
    losses: jax.Array
    trajectory: Any
    diverged: jax.Array
    diverged_at: jax.Array
    opt_state: Any = None


def _finite_tree(tree) -> jax.Array:
    return jnp.all(jnp.array([jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]))


def _guarded_step(optimizer, max_loss, carry, k, loss, grads):
    """One optimiser update that freezes at the first bad step (NaN/inf loss, gradient or params).

    ``carry`` is ``(params, opt_state, diverged, diverged_at)``; returns the new carry and the
    loss to record (NaN from the divergence on).
    """
    params, opt_state, diverged, diverged_at = carry
    updates, new_state = optimizer.update(grads, opt_state, params)
    new_params = optax.apply_updates(params, updates)
    # Divergence: a bad loss or gradient here, or an update that overflows the params.
    bad = ~(jnp.isfinite(loss) & (loss <= max_loss) & _finite_tree(grads) & _finite_tree(new_params))
    diverged_at = jnp.where(bad & ~diverged, k, diverged_at)
    diverged = diverged | bad
    params = jax.tree.map(lambda old, new: jnp.where(diverged, old, new), params, new_params)
    opt_state = jax.tree.map(lambda old, new: jnp.where(diverged, old, new), opt_state, new_state)
    return (params, opt_state, diverged, diverged_at), jnp.where(diverged, jnp.nan, loss)


@functools.lru_cache(maxsize=64)
def _compiled(loss_fn, optimizer, steps: int, record: bool, vmapped: bool, max_loss: float):
    value_and_grad = jax.value_and_grad(loss_fn)

    def run(params, opt_state):
        def step(carry, k):
            loss, grads = value_and_grad(carry[0])
            carry, loss = _guarded_step(optimizer, max_loss, carry, k, loss, grads)
            return carry, (loss, carry[0] if record else None)

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

    Examples:
      On (w - 3)^2 a step of 0.25 halves the distance to 3 (losses 9, 9/4, 9/16); a step of
      1.5 doubles it and flips its sign, so the loss passes ``max_loss`` at step 2:

      >>> import jax.numpy as jnp
      >>> loss, opt = (lambda w: (w - 3.0) ** 2), make_optimizer("gd", 0.25)
      >>> r = train(loss, jnp.array(0.0), opt, 3)
      >>> [float(v) for v in r.losses], float(r.params), bool(r.diverged)
      ([9.0, 2.25, 0.5625], 2.625, False)
      >>> r = train(loss, jnp.array(0.0), opt, 3, hyperparams={"learning_rate": 1.5}, max_loss=100.0)
      >>> [float(v) for v in r.losses], int(r.diverged_at), float(r.params)  # last finite params
      ([9.0, 36.0, nan], 2, -9.0)
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
      loss_fn: ``params -> scalar`` for one start (as in :func:`train`).
      params_batch: pytree whose leaves have a leading axis S (one slice per start).
      optimizer: an optax transformation (as in :func:`train`).
      steps: number of updates, >= 1.
      record_trajectory: as in :func:`train`.
      hyperparams: as in :func:`train`, shared by all starts.
      max_loss: as in :func:`train`.

    Returns:
      A :class:`TrainResult` whose arrays have a leading axis S; a diverged start does not
      stop the others.

    Raises:
      ValueError: as :func:`train`, or leaves disagree on the leading axis.

    Examples:
      From 0 and from 6, three halvings of the distance to 3 leave 3 -+ 3/8:

      >>> import jax.numpy as jnp
      >>> r = train_many(lambda w: (w - 3.0) ** 2, jnp.array([0.0, 6.0]), make_optimizer("gd", 0.25), 3)
      >>> r.losses.shape, [float(w) for w in r.params]
      ((2, 3), [2.625, 3.375])
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
      loss_fn: ``params -> scalar`` (as in :func:`train`).
      optimizer: an optax transformation (as in :func:`train`).
      steps: number of updates, >= 1.
      keys: array of S PRNG keys, e.g. ``jax.random.split(jax.random.key(0), S)``.
      **kwargs: ``record_trajectory``, ``hyperparams``, ``max_loss`` as in :func:`train`.

    Returns:
      A :class:`TrainResult` with a leading seed axis of size S.

    Raises:
      ValueError: as :func:`train_many`.

    Examples:
      Three random starts all reach the minimum w = 3 of (w - 3)^2:

      >>> import jax
      >>> keys = jax.random.split(jax.random.key(0), 3)
      >>> r = train_seeds(lambda k: jax.random.normal(k, ()), lambda w: (w - 3.0) ** 2,
      ...                 make_optimizer("gd", 0.25), 20, keys)
      >>> r.params.shape, [round(float(w), 3) for w in r.params]
      ((3,), [3.0, 3.0, 3.0])
    """
    return train_many(loss_fn, jax.vmap(init_fn)(keys), optimizer, steps, **kwargs)


# --------------------------------------------------------------------------------------------
# Minibatch training with a learning-rate schedule given as data
# --------------------------------------------------------------------------------------------

def batch_indices(n_examples: int, batch_size: int, steps: int, key) -> jax.Array:
    """Row indices of ``steps`` minibatches, epoch by epoch without replacement.

    Every epoch is a fresh random permutation of the ``n_examples`` rows cut into
    ``n_examples // batch_size`` batches; the rows left over are dropped for that epoch (PyTorch's
    ``drop_last=True``), so every batch has the same shape and one compiled step serves all.

    Args:
      n_examples: rows in the training set, >= 1.
      batch_size: rows per batch, in [1, n_examples].
      steps: number of batches, >= 1.
      key: a ``jax.random.key``; the same key gives the same batches.

    Returns:
      An int32 array of shape (steps, batch_size); each run of ``n_examples // batch_size``
      consecutive rows (an epoch) holds distinct indices in [0, n_examples).

    Raises:
      ValueError: a size outside the ranges above.

    Examples:
      The first two batches of 5 form one epoch over the 10 rows:

      >>> import jax, numpy as np
      >>> b = batch_indices(10, 5, 4, jax.random.key(0))
      >>> b.shape, sorted(np.asarray(b[:2]).ravel().tolist()) == list(range(10))
      ((4, 5), True)
    """
    for name, v in (("n_examples", n_examples), ("steps", steps)):
        if int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if int(batch_size) != batch_size or not 1 <= batch_size <= n_examples:
        raise ValueError(f"batch_size must be an integer in [1, n_examples] = [1, {n_examples}], "
                         f"got {batch_size!r}")
    per_epoch = int(n_examples) // int(batch_size)
    epochs = -(-int(steps) // per_epoch)
    perms = jax.vmap(lambda k: jax.random.permutation(k, int(n_examples)))(jax.random.split(key, epochs))
    rows = perms[:, :per_epoch * int(batch_size)].reshape(epochs * per_epoch, int(batch_size))
    return rows[:int(steps)].astype(jnp.int32)


def cosine_learning_rates(peak: float, steps: int, final_fraction: float = 0.01) -> np.ndarray:
    """The learning rate of every step of a cosine decay, as an array.

    ``lr_t = peak * (final_fraction + (1 - final_fraction) * (1 + cos(pi t / steps)) / 2)`` for
    t = 0..steps-1: ``optax.cosine_decay_schedule(peak, steps, alpha=final_fraction)`` evaluated
    at every step (Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts",
    ICLR 2017, arXiv 1608.03983, without restarts). As data, a slice ``[k:]`` resumes the
    schedule at step k without recompiling anything (:func:`train_minibatch`).

    Args:
      peak: learning rate at step 0, > 0.
      steps: length of the schedule, >= 1.
      final_fraction: the rate approached at the end, as a fraction of ``peak``, in [0, 1].

    Returns:
      A float32 array of shape (steps,), non-increasing, from ``peak`` down towards
      ``final_fraction * peak``.

    Raises:
      ValueError: a value outside the ranges above.

    References:
      Loshchilov, Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017,
      arXiv 1608.03983.

    Examples:
      (1 + cos(pi t / 4)) / 2 for t = 0..3:

      >>> [round(float(v), 3) for v in cosine_learning_rates(1.0, 4, 0.0)]
      [1.0, 0.854, 0.5, 0.146]
    """
    if not peak > 0:
        raise ValueError(f"peak must be > 0, got {peak!r}")
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not 0.0 <= final_fraction <= 1.0:
        raise ValueError(f"final_fraction must lie in [0, 1], got {final_fraction!r}")
    sched = optax.cosine_decay_schedule(float(peak), int(steps), alpha=float(final_fraction))
    return np.asarray(jax.vmap(sched)(jnp.arange(int(steps))), np.float32)


@functools.lru_cache(maxsize=64)
def _compiled_minibatch(batch_loss, optimizer, steps: int, vmapped: bool, max_loss: float, set_lr: bool):
    value_and_grad = jax.value_and_grad(batch_loss)

    def run(params, opt_state, x, y, batches, lrs):
        def step(carry, inp):
            k, rows, lr = inp
            if set_lr:
                carry = (carry[0], optax.tree_utils.tree_set(carry[1], learning_rate=lr), *carry[2:])
            loss, grads = value_and_grad(carry[0], x[rows], y[rows])
            return _guarded_step(optimizer, max_loss, carry, k, loss, grads)

        init = (params, opt_state, jnp.array(False), jnp.array(-1, jnp.int32))
        (params_T, state_T, diverged, diverged_at), losses = jax.lax.scan(
            step, init, (jnp.arange(steps, dtype=jnp.int32), batches, lrs))
        return TrainResult(params_T, losses, None, diverged, diverged_at, state_T)

    if vmapped:
        run = jax.vmap(run, in_axes=(0, 0, None, None, 0, None))
    return jax.jit(run)


def train_minibatch(batch_loss: Callable, params, optimizer: optax.GradientTransformation, x, y,
                    batches, *, learning_rates=None, opt_state=None, batched: bool = False,
                    max_loss: float = float("inf")) -> TrainResult:
    """Minibatch training in one compiled ``lax.scan``, the learning rate of each step as data.

    Step t computes the gradient of ``batch_loss(params, x[batches[t]], y[batches[t]])`` and
    applies ``optimizer``. With ``learning_rates`` the optimiser's ``learning_rate``
    hyperparameter (an optimiser from :func:`make_optimizer`, i.e. ``optax.inject_hyperparams``)
    is set to ``learning_rates[t]`` before step t: a schedule, a slice of one (resuming at step
    k) and a constant rate all run the same compiled program, which is cached on
    ``batch_loss``, ``optimizer`` and the number of steps. Divergence is handled as in
    :func:`train`.

    Args:
      batch_loss: ``(params, x_batch, y_batch) -> scalar``; reuse the same function object.
      params: initial pytree (with a leading seed axis S on every leaf when ``batched``).
      optimizer: an optax transformation (with an injected ``learning_rate`` when
        ``learning_rates`` is given), e.g. ``pruning.masked_optimizer(make_optimizer("adam"))``.
      x: array of shape (n, ...), the training inputs.
      y: array of shape (n,), the targets.
      batches: int array of shape (T, B) of row indices (:func:`batch_indices`), or (S, T, B)
        when ``batched`` (each seed its own order).
      learning_rates: array of shape (T,) (shared by the seeds), or None to keep the rate the
        optimiser was built with.
      opt_state: the state to continue from (``TrainResult.opt_state`` of an earlier run), or
        None for a fresh ``optimizer.init(params)``.
      batched: train S seeds at once (``vmap``).
      max_loss: a finite loss above this also counts as divergence.

    Returns:
      A :class:`TrainResult` with ``losses`` of shape (T,) (minibatch losses before each update;
      (S, T) when batched) and ``opt_state``, the state after the last step.

    Raises:
      ValueError: ``batches`` not of rank 2 (3 when batched), a seed axis that disagrees,
        ``learning_rates`` not of shape (T,), or learning rates for an optimiser without an
        injected ``learning_rate``.

    Examples:
      Fitting y = 2 x by minibatch gradient descent recovers the slope 2:

      >>> import jax, jax.numpy as jnp
      >>> loss = lambda w, xb, yb: jnp.mean((xb * w - yb) ** 2)
      >>> x = jnp.arange(1.0, 5.0); y = 2 * x
      >>> b = batch_indices(4, 2, 200, jax.random.key(0))
      >>> r = train_minibatch(loss, jnp.array(0.0), make_optimizer("gd", 0.05), x, y, b)
      >>> round(float(r.params), 4)
      2.0
    """
    batches = jnp.asarray(batches, jnp.int32)
    want = 3 if batched else 2
    if batches.ndim != want:
        raise ValueError(f"batches must have shape {'(S, T, B)' if batched else '(T, B)'}, got "
                         f"{tuple(batches.shape)}")
    steps = int(batches.shape[-2])
    if batched:
        sizes = {a.shape[0] for a in jax.tree.leaves(params)} | {batches.shape[0]}
        if len(sizes) != 1:
            raise ValueError(f"params and batches need the same leading (seed) axis, got sizes {sorted(sizes)}")
    state = opt_state if opt_state is not None else (
        (_jitted_vinit if batched else _jitted_init)(optimizer)(params))
    set_lr = learning_rates is not None
    if set_lr:
        lrs = jnp.asarray(learning_rates, jnp.float32)
        if lrs.shape != (steps,):
            raise ValueError(f"learning_rates must have shape (T,) = ({steps},), got {tuple(lrs.shape)}")
        if not optax.tree_utils.tree_get_all_with_path(state, "learning_rate"):
            raise ValueError("learning_rates need an optimiser with an injected learning_rate "
                             "(make_optimizer, i.e. optax.inject_hyperparams)")
    else:
        lrs = jnp.zeros((steps,), jnp.float32)
    fn = _compiled_minibatch(batch_loss, optimizer, steps, bool(batched), float(max_loss), set_lr)
    return fn(params, state, jnp.asarray(x), jnp.asarray(y), batches, lrs)
