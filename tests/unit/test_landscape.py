"""Tests of hardtrain.landscape: surfaces, directions, Hessians, convexity, separability.

Ground truth: closed forms of quadratics (surface, interpolation, Hessian = A), the closed-form
Hessian of the logistic loss X^T diag(p(1-p)) X / n, hand-derived Hessians of (a w - 1)^2 and of
a tanh net at the origin, float64 NumPy arithmetic, and for linear separability two oracles
besides the LP under test: scikit-learn's hard-margin SVM and a convex-hull intersection found
by non-negative least squares.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given, settings
from hypothesis import strategies as st

from hardtrain import data, landscape as ls, models

# ----------------------------------------------------------------- a quadratic on a pytree
# params = {"w": (2, 3), "b": (3,)}; vec() lays them out as one vector of 9 in a fixed order of
# our own (not ravel_pytree's), so the closed forms below do not lean on the code under test.

P_QUAD = 9


def vec(tree):
    return jnp.concatenate([jnp.ravel(tree["w"]), tree["b"]])


def vec64(tree):
    return np.concatenate([np.ravel(np.asarray(tree["w"], np.float64)), np.asarray(tree["b"], np.float64)])


def unvec(v):
    v = jnp.asarray(v, jnp.float32)
    return {"w": v[:6].reshape(2, 3), "b": v[6:]}


def make_quadratic(seed, definite=False):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((P_QUAD, P_QUAD))
    a = m @ m.T / P_QUAD if definite else 0.5 * (m + m.T)
    a32 = jnp.asarray(a, jnp.float32)
    a64 = np.asarray(a32, np.float64)  # exactly the matrix JAX sees

    def loss(p):
        v = vec(p)
        return 0.5 * (v @ (a32 @ v))

    return a64, loss


A_INDEF, QUAD = make_quadratic(0)  # indefinite: a saddle at the origin
A_PSD, QUAD_PSD = make_quadratic(1, definite=True)


def q64(a, v):
    return 0.5 * v @ a @ v


@pytest.fixture(scope="module")
def quad_point():
    rng = np.random.default_rng(7)
    return tuple(unvec(rng.standard_normal(P_QUAD)) for _ in range(3))  # theta, delta, eta


def test_test_quadratics_are_what_they_claim():
    ev = np.linalg.eigvalsh(A_INDEF)
    assert ev[0] < -0.1 and ev[-1] > 0.1
    assert np.linalg.eigvalsh(A_PSD)[0] > 1e-3


# ----------------------------------------------------------------------------------- surface


def test_surface_of_a_quadratic_is_its_closed_form_with_orientation(quad_point):
    theta, delta, eta = quad_point
    alphas = np.linspace(-1.0, 1.5, 5)
    betas = np.array([-0.7, 0.1, 2.0])  # A = 5 != B = 3, so a transposed grid cannot pass
    got = np.asarray(ls.surface(QUAD, theta, (delta, eta), alphas, betas))
    assert got.shape == (3, 5)
    t, d, e = vec64(theta), vec64(delta), vec64(eta)
    want = np.array([[q64(A_INDEF, t + a * d + b * e) for a in alphas] for b in betas])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # the centre of the plane is the loss at params
    at0 = ls.surface(QUAD, theta, (delta, eta), np.array([0.0]), np.array([0.0]))
    np.testing.assert_allclose(at0[0, 0], q64(A_INDEF, t), rtol=1e-5)


def test_surface_orientation_on_an_asymmetric_loss():
    # L(x) = x0 + 2 x1^2 with delta = e0, eta = e1: entry [j, i] = alphas[i] + 2 betas[j]^2
    loss = lambda x: x[0] + 2.0 * x[1] ** 2
    alphas, betas = np.array([0.0, 1.0, 2.0, 3.0]), np.array([-1.0, 0.5])
    got = ls.surface(loss, jnp.zeros(2), (jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])), alphas, betas)
    np.testing.assert_allclose(got, alphas[None, :] + 2.0 * betas[:, None] ** 2, rtol=1e-6)


@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 4), n_a=st.integers(1, 4), n_b=st.integers(1, 4),
       seed=st.integers(0, 2 ** 31 - 1))
def test_surface_matches_closed_form_for_random_quadratics(n, n_a, n_b, seed):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, n))
    a32 = jnp.asarray(0.5 * (m + m.T), jnp.float32)
    a64 = np.asarray(a32, np.float64)
    theta, delta, eta = (jnp.asarray(rng.standard_normal(n), jnp.float32) for _ in range(3))
    alphas = rng.uniform(-2, 2, n_a)
    betas = rng.uniform(-2, 2, n_b)
    got = np.asarray(ls.surface(lambda x: 0.5 * (x @ (a32 @ x)), theta, (delta, eta), alphas, betas))
    assert got.shape == (n_b, n_a)
    t, d, e = (np.asarray(v, np.float64) for v in (theta, delta, eta))
    a32_alphas = np.asarray(alphas, np.float32).astype(np.float64)  # the grid is float32 inside
    b32_betas = np.asarray(betas, np.float32).astype(np.float64)
    vs = [[t + a * d + b * e for a in a32_alphas] for b in b32_betas]
    want = np.array([[q64(a64, v) for v in row] for row in vs])
    # float32 error bound: a few ulps (eps = 6e-8) per term of sum_ij |A_ij| |v_i| |v_j|
    bound = np.array([[0.5 * np.abs(v) @ np.abs(a64) @ np.abs(v) for v in row] for row in vs])
    np.testing.assert_array_less(np.abs(got - want), 1e-6 * (n + 4) * bound + 1e-7)


def test_mismatched_directions_raise(quad_point):
    theta, delta, eta = quad_point
    wrong_shape = {"w": jnp.ones((3, 2)), "b": jnp.ones(3)}
    wrong_tree = {"w": jnp.ones((2, 3))}
    grid = np.array([0.0, 1.0])
    for bad in ((wrong_shape, eta), (delta, wrong_tree)):
        with pytest.raises(ValueError, match="shape|structure"):
            ls.surface(QUAD, theta, bad, grid, grid)
        with pytest.raises(ValueError, match="shape|structure"):
            ls.slice_hessian_eigenvalues(QUAD, theta, bad, grid, grid)
    with pytest.raises(ValueError, match="params_b"):
        ls.interpolate(QUAD, theta, wrong_shape, grid)
    with pytest.raises(ValueError, match="alphas must be a non-empty 1-D array"):
        ls.surface(QUAD, theta, (delta, eta), np.zeros((2, 2)), grid)
    with pytest.raises(ValueError, match="betas"):
        ls.surface(QUAD, theta, (delta, eta), grid, np.array([]))


# ------------------------------------------------------------------------- random directions


@pytest.fixture(scope="module")
def mlp_params():
    # kernels (2, 5), (5, 1): shapes shared with SHAPE_POOL below (fewer compilations)
    _, params = models.pure(models.MLP(2, (5,), 1, rngs=nnx.Rngs(0)))
    # non-zero biases, so that zeroing them is visible
    return jax.tree.map(lambda p: p + 0.3, params)


def _unit_norms(x):
    x = np.asarray(x, np.float64)
    return np.sqrt(np.sum(x ** 2, axis=tuple(range(x.ndim - 1))))


def test_filter_directions_match_each_output_units_norm(mlp_params):
    delta, eta = ls.random_directions(jax.random.key(0), mlp_params, "filter")
    for d_tree in (delta, eta):
        assert jax.tree.structure(d_tree) == jax.tree.structure(mlp_params)
        for l in range(2):
            kernel = mlp_params["layers"][l]["kernel"]
            d = d_tree["layers"][l]["kernel"]
            assert d.shape == kernel.shape
            for j in range(kernel.shape[1]):  # unit j: column j of the (in, out) kernel
                np.testing.assert_allclose(np.linalg.norm(np.asarray(d[:, j], np.float64)),
                                           np.linalg.norm(np.asarray(kernel[:, j], np.float64)),
                                           rtol=1e-5)
            np.testing.assert_array_equal(d_tree["layers"][l]["bias"], 0.0)
    # two different directions; same key -> same directions; other key -> other directions
    assert not np.allclose(delta["layers"][0]["kernel"], eta["layers"][0]["kernel"])
    again = ls.random_directions(jax.random.key(0), mlp_params, "filter")
    np.testing.assert_array_equal(again[0]["layers"][1]["kernel"], delta["layers"][1]["kernel"])
    other = ls.random_directions(jax.random.key(1), mlp_params, "filter")
    assert not np.allclose(other[0]["layers"][1]["kernel"], delta["layers"][1]["kernel"])
    # a direction, not just a rescaled copy of theta: not parallel to the unit's weights
    k, d = np.asarray(mlp_params["layers"][0]["kernel"]), np.asarray(delta["layers"][0]["kernel"])
    cos = abs(k[:, 0] @ d[:, 0]) / (np.linalg.norm(k[:, 0]) * np.linalg.norm(d[:, 0]))
    assert cos < 0.999


# random_directions is one jitted program per tree signature (about a second of XLA compilation
# on a 2-core CPU), so each example is a two-leaf tree: a kernel of random rank 2-4 and sizes,
# and a scalar or bias. The multi-leaf case is the MLP test above.
_kernel_shapes = st.lists(st.integers(1, 4), min_size=2, max_size=4).map(tuple)
_small_shapes = st.sampled_from([(), (1,), (3,)])


@settings(max_examples=5, deadline=None)
@given(kernel_shape=_kernel_shapes, small_shape=_small_shapes, seed=st.integers(0, 2 ** 31 - 1))
def test_filter_normalisation_for_random_shapes(kernel_shape, small_shape, seed):
    rng = np.random.default_rng(seed)
    params = {"kernel": jnp.asarray(rng.standard_normal(kernel_shape) * rng.uniform(0.1, 3), jnp.float32),
              "small": jnp.asarray(rng.standard_normal(small_shape), jnp.float32)}
    delta, eta = ls.random_directions(jax.random.key(seed % 1000), params, "filter")
    for d in (delta, eta):
        assert d["kernel"].shape == kernel_shape and d["small"].shape == small_shape
        np.testing.assert_array_equal(d["small"], 0.0)  # ndim <= 1: zeroed
        # one unit = everything along all axes but the last (Flax (..., in, out))
        np.testing.assert_allclose(_unit_norms(d["kernel"]), _unit_norms(params["kernel"]), rtol=1e-5)
    if np.prod(kernel_shape[:-1]) > 1:  # more than one weight per unit: delta is not theta
        assert not np.allclose(delta["kernel"], params["kernel"])


def test_layer_normalisation_matches_leaf_norms(mlp_params):
    delta, eta = ls.random_directions(jax.random.key(3), mlp_params, "layer")
    for d_tree in (delta, eta):
        for l in range(2):
            kernel = np.asarray(mlp_params["layers"][l]["kernel"], np.float64)
            d = np.asarray(d_tree["layers"][l]["kernel"], np.float64)
            np.testing.assert_allclose(np.linalg.norm(d), np.linalg.norm(kernel), rtol=1e-5)
            if kernel.shape[1] > 1:  # the per-unit norms are NOT matched (that is 'filter')
                assert not np.allclose(_unit_norms(d), _unit_norms(kernel), rtol=1e-3)
            np.testing.assert_array_equal(d_tree["layers"][l]["bias"], 0.0)


def test_no_normalisation_gives_raw_standard_normal_entries():
    params = {"big": jnp.full((60, 50), 7.0), "bias": jnp.full((500,), 7.0)}
    delta, eta = ls.random_directions(jax.random.key(4), params, None)
    for d in (delta, eta):
        for leaf in d.values():
            x = np.asarray(leaf, np.float64)
            assert np.all(x != 0.0)  # nothing zeroed, biases included
            assert abs(x.mean()) < 0.15 and abs(x.std() - 1.0) < 0.1  # N(0, 1), not scaled to 7
    with pytest.raises(ValueError, match="normalize must be 'filter', 'layer' or None"):
        ls.random_directions(jax.random.key(0), params, "unit")


# ------------------------------------------------------------------------------- interpolate


def test_interpolation_end_points_and_closed_form(quad_point):
    a, b, _ = quad_point
    ts = np.array([-0.5, 0.0, 0.25, 0.5, 1.0, 1.5])
    got = np.asarray(ls.interpolate(QUAD, a, b, ts))
    va, vb = vec64(a), vec64(b)
    want = np.array([q64(A_INDEF, (1 - t) * va + t * vb) for t in ts])
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got[1], QUAD(a), rtol=1e-6)
    np.testing.assert_allclose(got[4], QUAD(b), rtol=1e-6)


# ---------------------------------------------------------------------------------- Hessians


def test_hessian_of_a_quadratic_is_its_matrix(quad_point):
    theta = quad_point[0]
    ev = ls.hessian_eigenvalues(QUAD, theta)
    assert ev.dtype == np.float64 and ev.shape == (P_QUAD,)
    assert np.all(np.diff(ev) >= 0)
    np.testing.assert_allclose(ev, np.linalg.eigvalsh(A_INDEF), atol=1e-5 * np.abs(A_INDEF).max())


def test_hessian_too_large_points_to_the_matrix_free_method():
    big = jnp.zeros(ls.MAX_HESSIAN_PARAMS + 1)
    with pytest.raises(ValueError, match=r"hessian_extreme_eigenvalues"):
        ls.hessian_eigenvalues(lambda p: jnp.sum(p ** 2), big)


@pytest.fixture(scope="module")
def cancer():
    ds = data.load("breast_cancer")
    apply_fn, params = models.pure(models.LogisticRegression(ds.n_features, 1, rngs=nnx.Rngs(0)))
    return ds, apply_fn, params, models.loss_function(apply_fn, ds.x_train, ds.y_train)


def test_logistic_hessian_is_psd_and_equals_the_closed_form(cancer):
    ds, apply_fn, params, loss = cancer
    ev = ls.hessian_eigenvalues(loss, params)
    assert ev.shape == (ds.n_features + 1,)
    # closed form: H = X~^T diag(p (1 - p)) X~ / n with X~ = [X, 1]
    x = np.asarray(ds.x_train, np.float64)
    xa = np.hstack([x, np.ones((x.shape[0], 1))])
    w = np.append(np.asarray(params["linear"]["kernel"], np.float64)[:, 0],
                  np.asarray(params["linear"]["bias"], np.float64)[0])
    p = 1.0 / (1.0 + np.exp(-(xa @ w)))
    h = xa.T @ (xa * (p * (1 - p))[:, None]) / x.shape[0]
    want = np.linalg.eigvalsh(h)
    np.testing.assert_allclose(ev, want, rtol=1e-3, atol=1e-5 * want[-1])
    assert ev[0] >= -1e-5 * ev[-1]  # convex: positive semi-definite


def test_product_loss_saddle_at_the_origin():
    np.testing.assert_allclose(ls.hessian_eigenvalues(ls.product_loss, jnp.zeros(2)), [-2.0, 2.0],
                               rtol=1e-6)
    g = jax.grad(ls.product_loss)(jnp.zeros(2))  # closed form: 2(aw - 1)(w, a) = 0 at 0
    np.testing.assert_array_equal(g, 0.0)
    ev_dict = ls.hessian_eigenvalues(ls.product_loss, {"a": jnp.float32(0), "w": jnp.float32(0)})
    np.testing.assert_allclose(ev_dict, [-2.0, 2.0], rtol=1e-6)


@pytest.mark.parametrize("a, w", [(0.5, -1.0), (2.0, 0.3), (1.0, 1.0)])
def test_product_loss_values_and_hessian_closed_form(a, w):
    assert float(ls.product_loss(jnp.array([a, w]))) == pytest.approx((a * w - 1) ** 2, rel=1e-6)
    assert float(ls.product_loss({"a": a, "w": w})) == pytest.approx((a * w - 1) ** 2, rel=1e-6)
    h = np.array([[2 * w * w, 4 * a * w - 2], [4 * a * w - 2, 2 * a * a]])
    np.testing.assert_allclose(ls.hessian_eigenvalues(ls.product_loss, jnp.array([a, w])),
                               np.linalg.eigvalsh(h), atol=1e-5)
    # batched evaluation over leading axes
    pts = jnp.array([[a, w], [w, a], [0.0, 0.0]])
    np.testing.assert_allclose(ls.product_loss(pts), [(a * w - 1) ** 2] * 2 + [1.0], rtol=1e-6)


@pytest.fixture(scope="module")
def moons():
    return data.load("moons")


@pytest.fixture(scope="module")
def tanh_net(moons):
    """MLP(2, (3,), 1, tanh) on moons: (apply_fn, random-init params, loss_fn), one loss_fn
    object shared by the tests so that the compiled Hessian code is reused."""
    apply_fn, params = models.pure(models.MLP(2, (3,), 1, activation="tanh", rngs=nnx.Rngs(1)))
    return apply_fn, params, models.loss_function(apply_fn, moons.x_train, moons.y_train)


def test_tanh_net_at_the_origin_is_a_saddle(moons, tanh_net):
    """Derivation. f(x) = sum_j v_j tanh(W_j . x + c_j) + b0, binary cross-entropy L.
    At W = c = v = b0 = 0 every hidden unit outputs tanh(0) = 0 and the logit is 0, so with
    residual r_i = sigmoid(0) - y_i = 1/2 - y_i:
      dL/db0 = mean r_i = 0 for balanced labels; every other gradient has a factor v_j or
      tanh(0) = 0. The origin is a critical point.
      Second derivatives: d2L/dv_j dW_jk = mean r_i tanh'(0) x_ik = g_k with
      g = mean_i (1/2 - y_i) x_i; d2L/db0^2 = sigmoid'(0) = 1/4; d2L/dv_j dc_j = mean r_i = 0;
      all other entries carry a factor v or tanh(0) and vanish.
    Per hidden unit the (v_j, W_j) block is [[0, g^T], [g, 0]] with eigenvalues +-||g|| and
    d - 1 zeros, so the spectrum is {-||g|| (H times), +||g|| (H times), 1/4, 0 (the rest)}.
    A negative eigenvalue at a critical point: a saddle, impossible for a convex loss. It
    exists whenever the class means differ (g != 0)."""
    x, y = moons.x_train, moons.y_train
    assert float(np.mean(y)) == 0.5  # balanced: the origin is a critical point
    H = 3
    _, params, loss = tanh_net
    zero = jax.tree.map(jnp.zeros_like, params)
    grads = jax.jit(jax.grad(loss))(zero)
    for leaf in jax.tree.leaves(grads):
        np.testing.assert_allclose(leaf, 0.0, atol=1e-6)
    g = np.mean((0.5 - np.asarray(y, np.float64))[:, None] * np.asarray(x, np.float64), axis=0)
    gn = np.linalg.norm(g)
    assert gn > 0.05
    n_params = models.count_params(params)
    want = np.sort(np.concatenate([[-gn] * H, [gn] * H, [0.25], np.zeros(n_params - 2 * H - 1)]))
    ev = ls.hessian_eigenvalues(loss, zero)
    np.testing.assert_allclose(ev, want, atol=1e-5)
    assert ev[0] < -0.05


def test_extreme_eigenvalues_agree_with_dense_ones(tanh_net):
    _, params, loss = tanh_net
    dense = ls.hessian_eigenvalues(loss, params)
    assert dense[0] < 0 < dense[-1]  # at this random init the loss is locally non-convex
    lo, hi = ls.hessian_extreme_eigenvalues(loss, params, k=2)
    assert lo.shape == hi.shape == (2,)
    scale = np.abs(dense).max()
    np.testing.assert_allclose(lo, dense[:2], atol=1e-3 * scale)
    np.testing.assert_allclose(hi, dense[-2:], atol=1e-3 * scale)
    # and against an independent truth: the quadratic's matrix
    lo_q, hi_q = ls.hessian_extreme_eigenvalues(QUAD, unvec(np.zeros(P_QUAD)), k=1)
    ev = np.linalg.eigvalsh(A_INDEF)
    np.testing.assert_allclose([lo_q[0], hi_q[0]], [ev[0], ev[-1]], rtol=1e-3)
    for k in (0, 5):  # k must satisfy 1 <= k < P/2 = 4.5
        with pytest.raises(ValueError, match="k must satisfy"):
            ls.hessian_extreme_eigenvalues(QUAD, unvec(np.zeros(P_QUAD)), k=k)


def test_slice_hessian_of_a_quadratic_is_the_projected_matrix(quad_point):
    theta, delta, eta = quad_point
    alphas, betas = np.array([-1.0, 0.0, 0.5, 2.0]), np.array([0.0, 1.0, -3.0])
    got = np.asarray(ls.slice_hessian_eigenvalues(QUAD, theta, (delta, eta), alphas, betas))
    assert got.shape == (3, 4, 2)
    d, e = vec64(delta), vec64(eta)
    m = np.array([[d @ A_INDEF @ d, d @ A_INDEF @ e], [e @ A_INDEF @ d, e @ A_INDEF @ e]])
    want = np.linalg.eigvalsh(m)
    np.testing.assert_allclose(got, np.broadcast_to(want, got.shape), rtol=1e-4, atol=1e-4)


def test_slice_hessian_orientation_on_the_product_loss():
    # g(a, b) = (a b - 1)^2 on the plane theta = 0, delta = e0, eta = e1:
    # Hessian [[2 b^2, 4 a b - 2], [4 a b - 2, 2 a^2]] at (alphas[i], betas[j]) -> entry [j, i]
    alphas, betas = np.array([0.0, 1.0, 2.0]), np.array([-1.0, 0.5])
    got = np.asarray(ls.slice_hessian_eigenvalues(
        ls.product_loss, jnp.zeros(2), (jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0])), alphas, betas))
    assert got.shape == (2, 3, 2)
    for j, b in enumerate(betas):
        for i, a in enumerate(alphas):
            h = np.array([[2 * b * b, 4 * a * b - 2], [4 * a * b - 2, 2 * a * a]])
            np.testing.assert_allclose(got[j, i], np.linalg.eigvalsh(h), atol=1e-5)


# --------------------------------------------------------------------------------- convexity


def test_no_convexity_violation_on_a_convex_quadratic(quad_point):
    a, b, _ = quad_point
    rep = ls.convexity_violations(QUAD_PSD, a, b, n=20)
    assert rep.n_checks == 20 ** 2  # pairs of same-parity samples among 2n + 1 points
    assert rep.n_violations == 0 and rep.convex and rep.fraction == 0.0
    np.testing.assert_allclose(rep.ts, np.linspace(0, 1, 41))
    va, vb = vec64(a), vec64(b)
    want = np.array([q64(A_PSD, (1 - t) * va + t * vb) for t in rep.ts])
    np.testing.assert_allclose(rep.losses, want, rtol=1e-4)
    # closed form of the largest gap: a convex quadratic has gap -(u - s)^2 q / 8 <= 0
    assert rep.max_gap <= rep.tol


def test_no_convexity_violation_on_the_logistic_loss(cancer):
    ds, _, params, loss = cancer
    other = jax.tree.map(lambda p: -3.0 * p + 0.5, params)
    rep = ls.convexity_violations(loss, params, other, n=25)
    assert rep.n_violations == 0 and rep.convex
    assert rep.max_gap <= rep.tol


def test_product_loss_violates_midpoint_convexity_by_the_closed_form_gap():
    n = 30
    rep = ls.convexity_violations(ls.product_loss, jnp.array([1.0, 1.0]), jnp.array([-1.0, -1.0]), n=n)
    # on the segment theta(t) = (1 - 2t)(1, 1): L(t) = ((1 - 2t)^2 - 1)^2
    f = lambda t: ((1 - 2 * t) ** 2 - 1) ** 2
    ts = np.linspace(0, 1, 2 * n + 1)
    np.testing.assert_allclose(rep.losses, f(ts), atol=1e-6)
    # the worst gap: L(1/2) - (L(0) + L(1))/2 = 1 - 0 = 1, between the end points
    assert rep.max_gap == pytest.approx(1.0, abs=1e-6)
    assert rep.worst == (0.0, 1.0)
    assert not rep.convex and rep.n_violations > 0
    # count the violations independently from the closed form
    i, k = np.triu_indices(ts.size, 2)
    keep = (k - i) % 2 == 0
    gaps = f((ts[i[keep]] + ts[k[keep]]) / 2) - 0.5 * (f(ts[i[keep]]) + f(ts[k[keep]]))
    assert rep.n_checks == gaps.size == n * n
    borderline = int(np.sum(np.abs(gaps - rep.tol) < 1e-5))
    assert abs(rep.n_violations - int(np.sum(gaps > rep.tol))) <= borderline
    assert rep.fraction == pytest.approx(rep.n_violations / rep.n_checks)


def test_concave_loss_violates_everywhere():
    # L(x) = -||x||^2 / 2 on the segment a -> b: every gap is ||b - a||^2 (u - s)^2 / 8 > 0
    a, b = jnp.array([1.0, -1.0, 0.5]), jnp.array([-1.0, 2.0, 0.0])
    n = 10
    rep = ls.convexity_violations(lambda x: -0.5 * jnp.sum(x ** 2), a, b, n=n)
    assert rep.n_violations == rep.n_checks == n * n and rep.fraction == 1.0
    d2 = float(np.sum((np.asarray(b) - np.asarray(a)) ** 2))
    assert rep.max_gap == pytest.approx(d2 / 8, rel=1e-5)


@pytest.mark.parametrize("n", [0, 501, 2.5])
def test_convexity_violations_rejects_bad_resolution(n):
    with pytest.raises(ValueError, match=r"n must be an integer in \[1, 500\]"):
        ls.convexity_violations(ls.product_loss, jnp.ones(2), -jnp.ones(2), n=n)


# ------------------------------------------------------------------------ linear separability

XOR_X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
XOR_Y = np.array([0, 0, 1, 1])


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal([2.5, 1.0], 0.5, (30, 2)), rng.normal([-2.5, -1.0], 0.5, (30, 2))])
    y = np.repeat([1, 0], 30)
    return x, y


def _separates(x, y01, w, b, margin):
    s = 2.0 * np.asarray(y01, np.float64) - 1.0 if set(np.unique(y01)) <= {0, 1} else y01
    return np.all(s * (x @ w + b) >= margin)


def test_separating_hyperplane_on_separable_data(blobs):
    x, y = blobs
    for labels in (y, 2 * y - 1):  # {0, 1} and {-1, +1} are both accepted
        out = ls.separating_hyperplane(x, labels)
        assert out is not None
        w, b = out
        assert w.shape == (2,)
        s = 2.0 * y - 1.0
        assert np.all(s * (x @ w + b) >= 1 - 1e-7)  # the LP's constraints, checked directly


def test_separating_hyperplane_is_none_on_xor():
    assert ls.separating_hyperplane(XOR_X, XOR_Y) is None


IRIS_TASKS = {  # name -> (positive classes, negative classes); 0 setosa, 1 versicolor, 2 virginica
    "setosa-vs-rest": ({0}, {1, 2}),
    "versicolor-vs-rest": ({1}, {0, 2}),
    "virginica-vs-rest": ({2}, {0, 1}),
    "setosa-vs-versicolor": ({0}, {1}),
    "setosa-vs-virginica": ({0}, {2}),
    "versicolor-vs-virginica": ({1}, {2}),
}


def _hull_distance(x_pos, x_neg, weight=1e3):
    """Distance between a point of conv(x_pos) and a point of conv(x_neg), found by
    non-negative least squares (Lawson-Hanson; not an LP). A distance r certifies that any
    (w, b) with y (w . x + b) >= 1 on all points has ||w|| >= 2 / r: for r ~ 1e-12 the classes
    are not linearly separable (the hulls meet)."""
    from scipy.optimize import nnls

    n_p, n_n = len(x_pos), len(x_neg)
    a = np.block([[x_pos.T, -x_neg.T],
                  [weight * np.ones((1, n_p)), np.zeros((1, n_n))],
                  [np.zeros((1, n_p)), weight * np.ones((1, n_n))]])
    rhs = np.concatenate([np.zeros(x_pos.shape[1]), [weight, weight]])
    z, _ = nnls(a, rhs, maxiter=50 * (n_p + n_n))
    lam, mu = z[:n_p] / z[:n_p].sum(), z[n_p:] / z[n_p:].sum()  # exact simplex weights
    return float(np.linalg.norm(x_pos.T @ lam - x_neg.T @ mu))


def test_hull_certificate_on_xor():
    assert _hull_distance(XOR_X[XOR_Y == 0], XOR_X[XOR_Y == 1]) < 1e-10


@pytest.fixture(scope="module")
def iris_separability():
    """For each task: (x, y, LP answer, hard-margin SVM reaches 100 %, hull distance)."""
    import warnings

    from sklearn.datasets import load_iris
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    x, y = load_iris(return_X_y=True)
    x = StandardScaler().fit_transform(x)
    out = {}
    for name, (pos, neg) in IRIS_TASKS.items():
        keep = np.isin(y, list(pos | neg))
        xs, ys = x[keep], np.isin(y[keep], list(pos)).astype(int)
        # C = 1e6 is a hard margin; the iteration cap only matters on non-separable data
        # (where libsvm otherwise runs for a minute), and there no linear rule reaches 100 %
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm = SVC(kernel="linear", C=1e6, max_iter=100_000).fit(xs, ys)
        out[name] = (xs, ys, ls.separating_hyperplane(xs, ys), svm.score(xs, ys) == 1.0,
                     _hull_distance(xs[ys == 1], xs[ys == 0]))
    return out


@pytest.mark.parametrize("task", sorted(IRIS_TASKS))
def test_separability_on_iris_agrees_with_independent_oracles(iris_separability, task):
    xs, ys, lp, svm_separates, hull_distance = iris_separability[task]
    assert (lp is not None) == svm_separates
    if lp is not None:
        assert _separates(xs, ys, lp[0], lp[1], 1 - 1e-7)  # the LP's answer is its own certificate
        assert hull_distance > 1e-3
    else:
        assert hull_distance < 1e-10  # the hulls meet: not separable


def test_iris_tasks_include_both_answers(iris_separability):
    answers = {v[3] for v in iris_separability.values()}
    assert answers == {True, False}
    assert iris_separability["setosa-vs-rest"][3]  # the textbook separable case
    assert not iris_separability["versicolor-vs-virginica"][3]


@pytest.mark.parametrize("x, y, match", [
    (XOR_X, np.array([0, 1, 2, 1]), r"labels must be in \{0, 1\} or \{-1, \+1\}"),
    (XOR_X, np.array([0, 1, 1]), r"y must have shape \(4,\)"),
    (np.array([[np.nan, 0.0], [1.0, 1.0]]), np.array([0, 1]), "NaN or inf"),
    (np.zeros(4), XOR_Y, r"X must have shape \(n_samples, n_features\)"),
])
def test_separability_input_validation(x, y, match):
    with pytest.raises(ValueError, match=match):
        ls.separating_hyperplane(x, y)
    with pytest.raises(ValueError, match=match):
        ls.perceptron(x, y)


def test_separating_hyperplane_reports_a_solver_failure(monkeypatch):
    import scipy.optimize

    class Stopped:
        status, message, x = 1, "Iteration limit reached", None

    monkeypatch.setattr(scipy.optimize, "linprog", lambda *a, **k: Stopped())
    with pytest.raises(RuntimeError, match="Iteration limit reached"):
        ls.separating_hyperplane(XOR_X, XOR_Y)


# --------------------------------------------------------------------------------- perceptron


def test_perceptron_converges_within_novikoffs_bound(blobs):
    x, y = blobs
    res = ls.perceptron(x, y)
    assert res.converged and res.updates >= 1
    assert _separates(x, y, res.w, res.b, 1e-9)  # strictly
    xa = np.hstack([x, np.ones((len(x), 1))])
    assert res.radius == pytest.approx(np.max(np.linalg.norm(xa, axis=1)))
    # a margin gamma with a unit u: u . (x_i - x_j) >= 2 gamma for every + point i and
    # - point j, so gamma can never exceed half the closest distance between the classes
    d = np.linalg.norm(xa[y == 1][:, None, :] - xa[y == 0][None, :, :], axis=-1)
    assert 0 < res.margin <= d.min() / 2 + 1e-9
    assert res.novikoff_bound == pytest.approx((res.radius / res.margin) ** 2)
    assert res.updates <= res.novikoff_bound


def test_perceptron_two_point_closed_form():
    # x = +1 (label +), x = -1 (label -); augmented (1, 1), (-1, 1).
    # Updates by hand: w = 0 -> + (1, 1) [mistake on x1] -> (1, 1) - (-1, 1) = (2, 0)
    # [x2: -(-1 + 1) = 0 <= 0 is a mistake]; the second epoch makes none.
    # Max margin: u = (1, 0), gamma = 1; R = sqrt(2); Novikoff bound (R / gamma)^2 = 2.
    res = ls.perceptron(np.array([[1.0], [-1.0]]), np.array([1, -1]))
    assert res.converged and res.updates == 2 and res.epochs == 2
    np.testing.assert_allclose(res.w, [2.0])
    assert res.b == 0.0
    assert res.margin == pytest.approx(1.0, rel=1e-5)
    assert res.radius == pytest.approx(np.sqrt(2.0))
    assert res.novikoff_bound == pytest.approx(2.0, rel=1e-5)


def test_perceptron_never_converges_on_xor():
    res = ls.perceptron(XOR_X, XOR_Y, max_epochs=40)
    assert not res.converged and res.epochs == 40
    assert res.margin is None and res.novikoff_bound is None
    assert res.updates >= 40  # at least one mistake in every epoch
    with pytest.raises(ValueError, match="max_epochs must be a positive integer"):
        ls.perceptron(XOR_X, XOR_Y, max_epochs=0)


# ------------------------------------------------------------------------------- symmetries


def _perturbed_net(activation, n_out, seed):
    apply_fn, params = models.pure(models.MLP(2, (3,), n_out, activation=activation, rngs=nnx.Rngs(seed)))
    rng = np.random.default_rng(seed)
    # random biases too: with zero biases a bias sign flip would go unnoticed
    params = jax.tree.map(lambda p: p + jnp.asarray(rng.normal(0, 0.5, p.shape), p.dtype), params)
    return apply_fn, params


def test_tanh_symmetries_give_48_distinct_copies_of_one_function():
    apply_fn, params = _perturbed_net("tanh", 1, 0)
    copies = ls.tanh_symmetries(params)
    assert len(copies) == 2 ** 3 * 6 == 48
    for a, b in zip(jax.tree.leaves(copies[0]), jax.tree.leaves(params)):
        np.testing.assert_array_equal(a, b)
    x = jax.random.normal(jax.random.key(5), (16, 2))
    f = jax.jit(apply_fn)
    ref = np.asarray(f(params, x))
    stacked = jax.tree.map(lambda *leaves: jnp.stack(leaves), *copies)
    outs = np.asarray(jax.jit(jax.vmap(apply_fn, in_axes=(0, None)))(stacked, x))
    np.testing.assert_allclose(outs, np.broadcast_to(ref, outs.shape), rtol=1e-5, atol=1e-6)
    flat = np.stack([np.concatenate([np.ravel(l) for l in jax.tree.leaves(c)]) for c in copies])
    dist = np.linalg.norm(flat[:, None] - flat[None], axis=-1)
    assert np.min(dist + np.eye(48) * 1e9) > 1e-3  # all 48 are different parameter vectors
    # the symmetry needs an odd activation: the same sign flips change a ReLU net's outputs
    relu_fn, relu_params = _perturbed_net("relu", 1, 0)
    flipped = ls.tanh_symmetries(relu_params)[1]  # identity permutation, last unit flipped
    relu_jit = jax.jit(relu_fn)
    assert not np.allclose(relu_jit(flipped, x), relu_jit(relu_params, x), atol=1e-4)


def test_tanh_symmetries_input_validation():
    _, deep = models.pure(models.MLP(2, (3, 3), 1, rngs=nnx.Rngs(0)))
    with pytest.raises(ValueError, match="one hidden layer"):
        ls.tanh_symmetries(deep)
    with pytest.raises(ValueError, match="expected the params of a one-hidden-layer MLP"):
        ls.tanh_symmetries({"linear": {"kernel": jnp.ones((2, 1)), "bias": jnp.ones(1)}})
    _, wide = models.pure(models.MLP(2, (6,), 1, rngs=nnx.Rngs(0)))
    with pytest.raises(ValueError, match=r"H = 6 hidden units give 46080 copies"):
        ls.tanh_symmetries(wide)


@pytest.mark.parametrize("c", [3.7, 0.01, np.array([0.5, 2.0, 7.0])])
def test_relu_rescale_keeps_the_function(c):
    apply_fn, params = _perturbed_net("relu", 1, 1)
    out = ls.relu_rescale(params, c)
    cv = np.broadcast_to(np.asarray(c, np.float64), (3,))
    l0, l1 = params["layers"][0], params["layers"][1]
    np.testing.assert_allclose(out["layers"][0]["kernel"], np.asarray(l0["kernel"]) * cv, rtol=1e-6)
    np.testing.assert_allclose(out["layers"][0]["bias"], np.asarray(l0["bias"]) * cv, rtol=1e-6)
    np.testing.assert_allclose(out["layers"][1]["kernel"], np.asarray(l1["kernel"]) / cv[:, None], rtol=1e-6)
    np.testing.assert_array_equal(out["layers"][1]["bias"], l1["bias"])
    x = jax.random.normal(jax.random.key(6), (32, 2)) * 2
    np.testing.assert_allclose(apply_fn(out, x), apply_fn(params, x), rtol=1e-5, atol=1e-5)


def test_rescaling_losses_are_flat_for_relu_but_not_for_tanh(moons):
    cs = np.array([0.25, 1.0, 4.0, 10.0])
    losses = {}
    for act in ("relu", "tanh"):
        apply_fn, params = _perturbed_net(act, 1, 1)
        loss = models.loss_function(apply_fn, moons.x_train, moons.y_train)
        losses[act] = (np.asarray(ls.rescaling_losses(loss, params, cs)), float(jax.jit(loss)(params)),
                       loss, params)
    curve, at_one, loss, params = losses["relu"]
    assert curve.shape == (4,)
    np.testing.assert_allclose(curve, at_one, rtol=1e-5)  # relu(c z) = c relu(z): same function
    # the straight segment between two points of the curve leaves the valley of equal loss
    seg = np.asarray(ls.interpolate(loss, params, ls.relu_rescale(params, 10.0), np.linspace(0, 1, 5)))
    assert np.max(np.abs(seg - at_one)) > 1e-3
    # tanh is not positively homogeneous: rescaling changes the function and the loss
    curve_t, at_one_t, _, _ = losses["tanh"]
    np.testing.assert_allclose(curve_t[1], at_one_t, rtol=1e-5)  # c = 1 is the identity
    assert np.max(np.abs(curve_t - at_one_t)) > 1e-3


def test_rescaling_losses_input_validation(moons):
    apply_fn, params = _perturbed_net("relu", 1, 1)
    loss = models.loss_function(apply_fn, moons.x_train, moons.y_train)
    for cs in ([1.0, 0.0], [-1.0], np.ones((2, 2)), []):
        with pytest.raises(ValueError, match="must be > 0|non-empty 1-D"):
            ls.rescaling_losses(loss, params, cs)
    _, deep = models.pure(models.MLP(2, (3, 3), 1, rngs=nnx.Rngs(0)))
    with pytest.raises(ValueError, match="one hidden layer"):
        ls.rescaling_losses(loss, deep, [1.0])


@pytest.mark.parametrize("c", [0.0, -1.0, np.array([1.0, 0.0, 2.0]), np.array([1.0, -2.0, 2.0])])
def test_relu_rescale_rejects_non_positive_factors(c):
    _, params = _perturbed_net("relu", 1, 1)
    with pytest.raises(ValueError, match="must be > 0"):
        ls.relu_rescale(params, c)
