"""Tests of hardtrain.train: scanned optax loops, divergence detection, vmapped starts.

Ground truth: on the quadratic L(x) = x^T A x / 2 gradient descent is linear,
x_k = (I - lr A)^k x_0, and it diverges exactly when lr > 2 / lambda_max(A). Heavy ball and
Adam are checked against float64 NumPy re-implementations of the published update rules
(Polyak 1964; Kingma & Ba 2015, Algorithm 1).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

from hardtrain import data, models, train

FLT_MAX = float(np.finfo(np.float32).max)

# A fixed symmetric positive-definite A with known eigenvalues 0.5, 1, 2 (rotated, not diagonal).
_Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))
LAMBDAS = np.array([0.5, 1.0, 2.0])
A64 = (_Q * LAMBDAS) @ _Q.T
A64 = 0.5 * (A64 + A64.T)
A32 = jnp.asarray(A64, jnp.float32)
A64 = np.asarray(A32, np.float64)  # the matrix JAX actually sees, exactly
LAMBDA_MAX = float(np.linalg.eigvalsh(A64)[-1])
X0 = jnp.array([1.0, -0.5, 0.25], jnp.float32)

TRACES = {"quad": 0}


def quad(x):
    TRACES["quad"] += 1  # runs once per trace, never per step: counts compilations
    return 0.5 * (x @ (A32 @ x))


def quad64(x):
    return 0.5 * x @ A64 @ x


def gd_path(x0, lr, steps, a=A64):
    """x_0 .. x_steps of gradient descent on x^T a x / 2, in float64, by the closed form."""
    m = np.eye(len(x0)) - lr * a
    return np.stack([np.linalg.matrix_power(m, k) @ np.asarray(x0, np.float64)
                     for k in range(steps + 1)])


def test_eigenvalues_of_the_test_matrix():
    np.testing.assert_allclose(np.linalg.eigvalsh(A64), LAMBDAS, rtol=1e-6)


# --------------------------------------------------------------------------- gradient descent


def test_gd_on_a_quadratic_follows_the_closed_form():
    steps, lr = 20, 0.3
    res = train.train(quad, X0, train.make_optimizer("gd", lr), steps, record_trajectory=True)
    path = gd_path(X0, lr, steps)
    assert res.trajectory.shape == (steps + 1, 3)
    np.testing.assert_array_equal(res.trajectory[0], X0)
    np.testing.assert_allclose(res.trajectory, path, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res.params, path[-1], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(res.params, res.trajectory[-1])
    want_losses = np.array([quad64(p) for p in path[:-1]])
    assert res.losses.shape == (steps,)
    np.testing.assert_allclose(res.losses, want_losses, rtol=1e-5, atol=1e-7)
    # losses[0] is the loss at the initial point (before any update)
    np.testing.assert_allclose(res.losses[0], quad64(np.asarray(X0, np.float64)), rtol=1e-6)
    assert not bool(res.diverged) and int(res.diverged_at) == -1


def test_trajectory_is_none_unless_recorded():
    res = train.train(quad, X0, train.make_optimizer("gd", 0.3), 20)
    assert res.trajectory is None
    np.testing.assert_allclose(res.params, gd_path(X0, 0.3, 20)[-1], rtol=1e-5, atol=1e-6)


def test_trajectory_of_a_pytree_has_one_leading_step_axis():
    params = {"a": jnp.ones((2, 3)), "b": jnp.arange(3.0)}
    loss = lambda p: jnp.sum(p["a"] ** 2) + jnp.sum((p["b"] - 1.0) ** 2)
    res = train.train(loss, params, train.make_optimizer("gd", 0.25), 5, record_trajectory=True)
    assert res.trajectory["a"].shape == (6, 2, 3) and res.trajectory["b"].shape == (6, 3)
    np.testing.assert_array_equal(res.trajectory["a"][0], params["a"])
    # closed form: a_k = (1 - 2 lr)^k a_0 = 0.5^k;  b_k - 1 = 0.5^k (b_0 - 1)
    k = np.arange(6.0)[:, None]
    np.testing.assert_allclose(res.trajectory["a"][:, 0, :], np.broadcast_to(0.5 ** k, (6, 3)), rtol=1e-6)
    np.testing.assert_allclose(res.trajectory["b"], 1.0 + 0.5 ** k * (np.arange(3.0) - 1.0), rtol=1e-6)


# ---------------------------------------------------------------------------------- divergence


def _first_over(losses, threshold):
    over = np.nonzero(~(losses <= threshold))[0]
    return int(over[0]) if over.size else -1


def test_lr_above_two_over_lambda_max_diverges_at_the_simulated_step():
    lr, steps, max_loss = 2.5 / LAMBDA_MAX, 60, 1e3
    path = gd_path(X0, lr, steps)
    sim = np.array([quad64(p) for p in path[:-1]])
    k = _first_over(sim, max_loss)
    assert 0 < k < steps - 5
    # the simulated crossing is far from the threshold, so float32 cannot move it
    assert sim[k - 1] < 0.9 * max_loss and sim[k] > 1.1 * max_loss
    res = train.train(quad, X0, train.make_optimizer("gd", lr), steps, max_loss=max_loss)
    assert bool(res.diverged) and int(res.diverged_at) == k
    losses = np.asarray(res.losses)
    np.testing.assert_allclose(losses[:k], sim[:k], rtol=1e-4)
    assert np.all(np.isnan(losses[k:]))
    # the parameters stop where the loss first went over the threshold, and stay finite
    assert np.all(np.isfinite(res.params))
    np.testing.assert_allclose(res.params, path[k], rtol=1e-4)


def test_overflow_to_inf_is_divergence_and_params_stay_finite():
    lr, steps = 3.0 / LAMBDA_MAX, 100  # |1 - lr lambda_max| = 2: the loss grows 4x per step
    # start on the top eigenvector, scaled so that x^T A x overflows float32 mid-way between
    # two steps (a factor 2 of margin on either side of FLT_MAX)
    v = np.linalg.eigh(A64)[1][:, -1]
    q = lambda k: LAMBDA_MAX * 4.0 ** k  # x_k^T A x_k for x_0 = v
    k_star = int(np.ceil(np.log(FLT_MAX / LAMBDA_MAX) / np.log(4.0)))
    scale = np.sqrt(FLT_MAX / q(k_star) * 2.0)  # q(k*) scale^2 = 2 FLT_MAX
    x0 = jnp.asarray(scale * v, jnp.float32)
    path = gd_path(x0, lr, steps)
    quad_form = np.array([p @ A64 @ p for p in path[:-1]])  # what 0.5 * (x @ (A x)) overflows on
    k = _first_over(quad_form, FLT_MAX)
    assert 0 < k < steps
    assert quad_form[k - 1] < FLT_MAX / 1.5 and quad_form[k] > 1.5 * FLT_MAX
    res = train.train(quad, x0, train.make_optimizer("gd", lr), steps, record_trajectory=True)
    assert bool(res.diverged) and int(res.diverged_at) == k
    losses = np.asarray(res.losses)
    assert np.all(np.isfinite(losses[:k])) and np.all(np.isnan(losses[k:]))
    assert np.all(np.isfinite(res.params))
    np.testing.assert_allclose(res.params, path[k], rtol=1e-4)
    # the recorded trajectory freezes too: nothing after the divergence moves or overflows
    traj = np.asarray(res.trajectory)
    assert np.all(np.isfinite(traj))
    np.testing.assert_array_equal(traj[k:], np.broadcast_to(traj[k], traj[k:].shape))


def test_lr_below_two_over_lambda_max_converges():
    lr = 1.9 / LAMBDA_MAX
    res = train.train(quad, X0, train.make_optimizer("gd", lr), 200)
    assert not bool(res.diverged) and int(res.diverged_at) == -1
    # slowest contraction: max |1 - lr lambda| over the spectrum
    rate = np.max(np.abs(1 - lr * LAMBDAS))
    assert rate < 1
    np.testing.assert_allclose(res.params, gd_path(X0, lr, 200)[-1], atol=1e-6)
    assert float(quad(res.params)) <= rate ** 400 * quad64(np.asarray(X0, np.float64)) * 1.01 + 1e-12


def test_nan_gradient_counts_as_divergence():
    # sqrt has an infinite derivative at 0: the loss is finite there, the gradient is not
    loss = lambda x: jnp.sqrt(jnp.abs(x[0])) + x[1] ** 2
    res = train.train(loss, jnp.array([0.0, 1.0]), train.make_optimizer("gd", 0.1), 5)
    assert bool(res.diverged) and int(res.diverged_at) == 0
    np.testing.assert_array_equal(res.params, [0.0, 1.0])


def test_params_stay_finite_when_an_update_overflows():
    # L(x) = x has gradient 1 everywhere and a finite loss at every finite x. With lr = 1e38
    # the iterates are 0, -1e38, -2e38, -3e38, then -4e38 which overflows float32 (max 3.4e38):
    # the fourth update (step 3) is the first whose result is not finite.
    loss = lambda x: jnp.sum(x)
    opt = train.make_optimizer("gd", 1e38)
    res = train.train(loss, jnp.array([0.0]), opt, 8)
    assert np.all(np.isfinite(res.params))
    np.testing.assert_allclose(res.params, [-3e38], rtol=1e-6)
    # stopping right after the overflowing update must also be reported as divergence
    res4 = train.train(loss, jnp.array([0.0]), opt, 4)
    assert bool(res4.diverged) and np.all(np.isfinite(res4.params))


# ------------------------------------------------------------------------- hyperparameters


def test_new_learning_rate_reuses_the_compiled_loop():
    opt = train.make_optimizer("gd", 0.1)
    first = train.train(quad, X0, opt, 17)  # 17 steps: a shape no other test compiles
    np.testing.assert_allclose(first.params, gd_path(X0, 0.1, 17)[-1], rtol=1e-5, atol=1e-6)
    misses, traces = train._compiled.cache_info().misses, TRACES["quad"]
    second = train.train(quad, X0, opt, 17, hyperparams={"learning_rate": 0.45})
    assert train._compiled.cache_info().misses == misses
    assert TRACES["quad"] == traces  # no re-trace of the loss: no new compilation
    np.testing.assert_allclose(second.params, gd_path(X0, 0.45, 17)[-1], rtol=1e-5, atol=1e-6)
    assert not np.allclose(first.params, second.params)


def test_bad_hyperparams_raise():
    opt = train.make_optimizer("gd", 0.1)
    with pytest.raises(ValueError, match=r"unknown hyperparameter 'lr'.*learning_rate"):
        train.train(quad, X0, opt, 3, hyperparams={"lr": 0.2})
    with pytest.raises(ValueError, match="make_optimizer"):
        train.train(quad, X0, optax.sgd(0.1), 3, hyperparams={"learning_rate": 0.2})


# ------------------------------------------------------------------------------ many starts


def test_train_many_equals_separate_runs_and_isolates_divergence():
    # diagonal A: lr = 0.9 makes the third mode unstable (0.9 * 2.5 > 2) and the others stable,
    # so exactly the starts with a non-zero third coordinate diverge
    diag = jnp.array([0.5, 1.0, 2.5])
    loss = lambda x: 0.5 * jnp.sum(diag * x ** 2)
    starts = jnp.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, -2.0, 0.0], [2.0, 1.0, -1.0]])
    lr, steps, max_loss = 0.9, 30, 1e2
    opt = train.make_optimizer("gd", lr)
    many = train.train_many(loss, starts, opt, steps, max_loss=max_loss, record_trajectory=True)
    assert many.losses.shape == (4, steps) and many.trajectory.shape == (4, steps + 1, 3)
    for s in range(4):
        path = gd_path(starts[s], lr, steps, a=np.diag(np.asarray(diag, np.float64)))
        sim = 0.5 * np.sum(np.asarray(diag, np.float64) * path[:-1] ** 2, axis=1)
        k = _first_over(sim, max_loss)
        assert (k >= 0) == bool(starts[s, 2] != 0)
        assert bool(many.diverged[s]) == (k >= 0) and int(many.diverged_at[s]) == k
        one = train.train(loss, starts[s], opt, steps, max_loss=max_loss, record_trajectory=True)
        np.testing.assert_allclose(many.params[s], one.params, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(many.losses[s], one.losses, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(many.trajectory[s], one.trajectory, rtol=1e-6, atol=1e-7)
        stop = steps if k < 0 else k
        np.testing.assert_allclose(many.losses[s][:stop], sim[:stop], rtol=1e-5, atol=1e-7)


def test_train_many_with_hyperparams_and_bad_leading_axes():
    starts = jnp.stack([X0, 2 * X0])
    res = train.train_many(quad, starts, train.make_optimizer("gd", 0.1), 9,
                           hyperparams={"learning_rate": 0.4})
    for s in range(2):
        np.testing.assert_allclose(res.params[s], gd_path(starts[s], 0.4, 9)[-1], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="same leading"):
        train.train_many(lambda p: jnp.sum(p["a"] ** 2) + jnp.sum(p["b"] ** 2),
                         {"a": jnp.ones((2, 3)), "b": jnp.ones((3, 3))},
                         train.make_optimizer("gd", 0.1), 3)


STEPS = 40
OPTS = {"gd": train.make_optimizer("gd", 0.5), "momentum": train.make_optimizer("momentum", 0.1),
        "nesterov": train.make_optimizer("nesterov", 0.1), "adam": train.make_optimizer("adam", 0.02)}


@pytest.fixture(scope="module")
def moons_problem():
    ds = data.load("moons", n_samples=120)
    apply_fn, _ = models.pure(models.MLP(2, (8,), 1, rngs=nnx.Rngs(0)))
    loss_fn = models.loss_function(apply_fn, ds.x_train, ds.y_train)
    # as in train_seeds' docstring: an NNX model built inside the (vmapped) initialiser
    init_fn = lambda k: models.pure(models.MLP(2, (8,), 1, rngs=nnx.Rngs(k)))[1]
    return jax.jit(init_fn), loss_fn, init_fn  # jitted: one program, not one per eager op


def test_train_seeds_different_keys_different_inits_same_as_separate_runs(moons_problem):
    init_jit, loss_fn, init_fn = moons_problem
    keys = jax.random.split(jax.random.key(0), 3)
    opt = OPTS["gd"]  # shared with the optimizer test below: one compiled loop for both
    res = train.train_seeds(init_fn, loss_fn, opt, STEPS, keys)
    assert res.losses.shape == (3, STEPS) and res.diverged.shape == (3,)
    loss_jit = jax.jit(loss_fn)
    for s in range(3):
        init = init_jit(keys[s])
        # losses[s, 0] is the loss at the seed's own initial point
        np.testing.assert_allclose(res.losses[s, 0], loss_jit(init), rtol=1e-6)
        one = train.train(loss_fn, init, opt, STEPS)
        np.testing.assert_allclose(res.losses[s], one.losses, rtol=1e-5)
        for a, b in zip(jax.tree.leaves(res.params), jax.tree.leaves(one.params)):
            np.testing.assert_allclose(a[s], b, rtol=1e-5, atol=1e-6)
        assert float(res.losses[s, -1]) < float(res.losses[s, 0])
    # different keys, different starting points
    assert len({round(float(v), 6) for v in res.losses[:, 0]}) == 3


@pytest.mark.parametrize("name", sorted(OPTS))
def test_every_optimizer_runs_and_reduces_the_loss(moons_problem, name):
    init_jit, loss_fn, _ = moons_problem
    params = init_jit(jax.random.key(1))
    res = train.train(loss_fn, params, OPTS[name], STEPS)
    assert not bool(res.diverged)
    final = float(jax.jit(loss_fn)(res.params))
    assert np.all(np.isfinite(res.losses))
    assert final < 0.8 * float(res.losses[0])


def test_momentum_is_polyak_heavy_ball():
    lr, mu, steps = 0.2, 0.9, 25
    res = train.train(quad, X0, train.make_optimizer("momentum", lr, momentum=mu), steps,
                      record_trajectory=True)
    x_prev = x = np.asarray(X0, np.float64)
    want = [x]
    for _ in range(steps):  # x_{k+1} = x_k - lr grad(x_k) + mu (x_k - x_{k-1})
        x, x_prev = x - lr * A64 @ x + mu * (x - x_prev), x
        want.append(x)
    np.testing.assert_allclose(res.trajectory, np.array(want), rtol=1e-4, atol=1e-6)


def test_adam_is_kingma_ba_algorithm_1():
    lr, b1, b2, eps, steps = 0.05, 0.9, 0.999, 1e-8, 25
    res = train.train(quad, X0, train.make_optimizer("adam", lr), steps, record_trajectory=True)
    x = np.asarray(X0, np.float64)
    m = v = np.zeros(3)
    want = [x]
    for t in range(1, steps + 1):
        g = A64 @ x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        x = x - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        want.append(x)
    np.testing.assert_allclose(res.trajectory, np.array(want), rtol=1e-4, atol=1e-6)


# ----------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("steps", [0, -3, 2.5])
def test_bad_steps_raise(steps):
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        train.train(quad, X0, train.make_optimizer("gd"), steps)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        train.train_many(quad, X0[None], train.make_optimizer("gd"), steps)


def test_bad_optimizer_arguments_raise():
    with pytest.raises(ValueError, match=r"unknown optimizer 'sgd'.*adam"):
        train.make_optimizer("sgd")
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        train.make_optimizer("gd", 0.0)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        train.make_optimizer("adam", float("nan"))
    with pytest.raises(ValueError, match=r"momentum must lie in \[0, 1\)"):
        train.make_optimizer("momentum", 0.1, momentum=1.0)
    assert set(train.OPTIMIZERS) == {"gd", "momentum", "nesterov", "adam"}


# ------------------------------------------------------------------- minibatch training

def _lsq_problem(n=12, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(n)).astype(np.float32)
    return x, y


def _lsq_loss(w, xb, yb):
    return jnp.mean((xb @ w - yb) ** 2)


def _numpy_adam_minibatch(x, y, w0, batches, lrs, b1=0.9, b2=0.999, eps=1e-8):
    """Kingma & Ba's Algorithm 1 on the minibatch least-squares loss, in float64, a rate per step."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    w = np.asarray(w0, np.float64)
    m = v = np.zeros_like(w)
    for t, (rows, lr) in enumerate(zip(np.asarray(batches), lrs), start=1):
        xb, yb = x[rows], y[rows]
        g = 2.0 / len(rows) * xb.T @ (xb @ w - yb)  # gradient of mean((xb w - yb)^2)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        w = w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return w


def test_batch_indices_are_epochs_without_replacement():
    b = np.asarray(train.batch_indices(10, 3, 7, jax.random.key(1)))
    assert b.shape == (7, 3) and b.dtype == np.int32
    # 10 // 3 = 3 batches per epoch, one row left out each epoch; no row twice within an epoch
    for e in range(2):
        rows = b[3 * e:3 * e + 3].ravel()
        assert len(set(rows.tolist())) == 9 and set(rows.tolist()) <= set(range(10))
    assert not np.array_equal(b[:3], b[3:6])  # a fresh permutation every epoch
    np.testing.assert_array_equal(b, np.asarray(train.batch_indices(10, 3, 7, jax.random.key(1))))
    with pytest.raises(ValueError, match=r"batch_size must be an integer in \[1, n_examples\]"):
        train.batch_indices(10, 11, 3, jax.random.key(0))
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        train.batch_indices(10, 2, 0, jax.random.key(0))


def test_cosine_learning_rates_follow_the_closed_form():
    peak, steps, frac = 0.3, 50, 0.01
    t = np.arange(steps)
    want = peak * (frac + (1 - frac) * 0.5 * (1 + np.cos(np.pi * t / steps)))
    np.testing.assert_allclose(train.cosine_learning_rates(peak, steps, frac), want, rtol=1e-5)
    with pytest.raises(ValueError, match="final_fraction"):
        train.cosine_learning_rates(0.1, 10, 1.5)


def test_minibatch_adam_with_a_schedule_is_kingma_ba_per_step():
    x, y = _lsq_problem()
    batches = train.batch_indices(12, 4, 30, jax.random.key(2))
    lrs = train.cosine_learning_rates(0.1, 30, 0.01)
    opt = train.make_optimizer("adam", 1.0)  # the injected rate is overwritten at every step
    res = train.train_minibatch(_lsq_loss, jnp.zeros(3), opt, x, y, batches, learning_rates=lrs)
    want = _numpy_adam_minibatch(x, y, np.zeros(3), batches, lrs)
    np.testing.assert_allclose(np.asarray(res.params), want, rtol=1e-4, atol=1e-5)
    assert res.losses.shape == (30,) and not bool(res.diverged)


def test_a_run_split_in_two_with_its_state_equals_one_run():
    """Continuing from opt_state with the schedule's slice is the same run (the dense study's split)."""
    x, y = _lsq_problem(seed=3)
    batches = train.batch_indices(12, 4, 20, jax.random.key(3))
    lrs = train.cosine_learning_rates(0.05, 20)
    opt = train.make_optimizer("adam", 0.05)
    whole = train.train_minibatch(_lsq_loss, jnp.zeros(3), opt, x, y, batches, learning_rates=lrs)
    first = train.train_minibatch(_lsq_loss, jnp.zeros(3), opt, x, y, batches[:7], learning_rates=lrs[:7])
    second = train.train_minibatch(_lsq_loss, first.params, opt, x, y, batches[7:], learning_rates=lrs[7:],
                                   opt_state=first.opt_state)
    np.testing.assert_allclose(np.asarray(second.params), np.asarray(whole.params), rtol=1e-6, atol=1e-7)
    # a fresh state at the split is a different run (Adam's moments and step count restart)
    fresh = train.train_minibatch(_lsq_loss, first.params, opt, x, y, batches[7:], learning_rates=lrs[7:])
    assert np.max(np.abs(np.asarray(fresh.params) - np.asarray(whole.params))) > 1e-4


def test_minibatch_training_vmapped_over_seeds_equals_separate_runs():
    x, y = _lsq_problem(seed=4)
    b = jnp.stack([train.batch_indices(12, 4, 15, jax.random.key(s)) for s in (5, 6)])
    w0 = jnp.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    lrs = np.full(15, 0.02, np.float32)
    opt = train.make_optimizer("adam", 0.02)
    both = train.train_minibatch(_lsq_loss, w0, opt, x, y, b, learning_rates=lrs, batched=True)
    for i in range(2):
        want = _numpy_adam_minibatch(x, y, np.asarray(w0[i]), b[i], lrs)
        np.testing.assert_allclose(np.asarray(both.params[i]), want, rtol=1e-4, atol=1e-5)
    assert both.losses.shape == (2, 15)


def test_minibatch_divergence_and_bad_arguments():
    x, y = _lsq_problem(seed=5)
    b = train.batch_indices(12, 4, 10, jax.random.key(0))
    res = train.train_minibatch(_lsq_loss, jnp.zeros(3), train.make_optimizer("gd", 1.0), x, y, b,
                                learning_rates=np.full(10, 1e30, np.float32))
    assert bool(res.diverged) and int(res.diverged_at) >= 0
    assert np.all(np.isfinite(np.asarray(res.params)))
    with pytest.raises(ValueError, match=r"batches must have shape \(T, B\)"):
        train.train_minibatch(_lsq_loss, jnp.zeros(3), train.make_optimizer("gd"), x, y, b[0])
    with pytest.raises(ValueError, match=r"learning_rates must have shape \(T,\) = \(10,\)"):
        train.train_minibatch(_lsq_loss, jnp.zeros(3), train.make_optimizer("gd"), x, y, b,
                              learning_rates=np.ones(3))
    with pytest.raises(ValueError, match="injected learning_rate"):
        train.train_minibatch(_lsq_loss, jnp.zeros(3), optax.adam(0.1), x, y, b, learning_rates=np.ones(10))
    with pytest.raises(ValueError, match="same leading"):
        train.train_minibatch(_lsq_loss, jnp.zeros((2, 3)), train.make_optimizer("gd"), x, y,
                              jnp.stack([b, b, b]), batched=True)


def test_public_examples_of_the_training_module_run():
    import doctest

    from hardtrain import train as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3 and result.failed == 0
