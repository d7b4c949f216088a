"""Lab 1: loss surfaces, directions, interpolation, Hessians and convexity checks.

Size: one module for one idea, the geometry of a loss around given weights (slices, lines,
curvatures, convexity checks, the LP and perceptron certificates); its functions share the
pytree flattening and the jitted surface programs. About a third of its lines are the runnable
examples of the docstrings.

Everything works on plain pytrees (see :func:`hardtrain.models.pure`) and on any
``loss_fn(params) -> scalar``. Compiled code is cached on the identity of ``loss_fn``: build a
loss function once and reuse it.

References:
  - Li, Xu, Taylor, Studer, Goldstein, "Visualizing the Loss Landscape of Neural Nets",
    NeurIPS 2018, arXiv 1712.09913 (random directions, filter normalisation).
  - Goodfellow, Vinyals, Saxe, "Qualitatively characterizing neural network optimization
    problems", ICLR 2015, arXiv 1412.6544 (linear interpolation).
  - Novikoff, "On convergence proofs on perceptrons", Symposium on the Mathematical Theory of
    Automata, 1962 (the (R/gamma)^2 mistake bound).
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from .validation import check_xy

__all__ = [
    "surface", "random_directions", "interpolate", "hessian_eigenvalues",
    "hessian_extreme_eigenvalues", "slice_hessian_eigenvalues", "convexity_violations",
    "ConvexityReport", "separating_hyperplane", "perceptron", "PerceptronResult",
    "product_loss", "tanh_symmetries", "relu_rescale", "rescaling_losses", "MAX_HESSIAN_PARAMS",
]

#: Largest parameter count for which :func:`hessian_eigenvalues` builds the dense Hessian
#: (4096^2 float32 entries = 64 MiB).
MAX_HESSIAN_PARAMS = 4096


def _check_like(params, tree, what):
    s_p, s_t = jax.tree.structure(params), jax.tree.structure(tree)
    if s_p != s_t:
        raise ValueError(f"{what} has tree structure {s_t}, expected that of params {s_p}")
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(tree)):
        if jnp.shape(a) != jnp.shape(b):
            raise ValueError(f"{what} has a leaf of shape {jnp.shape(b)} where params has {jnp.shape(a)}")


def _as_1d(x, name):
    x = np.asarray(x, np.float32)  # NumPy: converting on the host compiles nothing
    if x.ndim != 1 or x.shape[0] < 1:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {x.shape}")
    return x


def _axpy(params, a, delta, b, eta):
    return jax.tree.map(lambda p, d, e: p + a * d + b * e, params, delta, eta)


@functools.partial(jax.jit, static_argnums=0)
def _surface(loss_fn, params, delta, eta, alphas, betas):
    def row(b):  # one beta: vmap over all alphas
        return jax.vmap(lambda a: loss_fn(_axpy(params, a, delta, b, eta)))(alphas)

    # lax.map over rows bounds memory (one row of points in flight) for real networks.
    return jax.lax.map(row, betas)


def surface(loss_fn: Callable, params, directions, alphas, betas) -> jax.Array:
    """Loss on the plane through ``params`` spanned by two directions.

    Evaluates L(theta + a*delta + b*eta) for every (a, b) in alphas x betas in one jitted call
    (vmapped over alphas, mapped over betas so that memory stays one row of the grid)
    (Li et al., NeurIPS 2018, arXiv 1712.09913).

    Args:
      loss_fn: pytree -> scalar loss.
      params: pytree, the centre theta.
      directions: (delta, eta), two pytrees with the structure and shapes of ``params``.
      alphas: array of shape (A,), the step along delta (in units of delta).
      betas: array of shape (B,), the step along eta (in units of eta).

    Returns:
      Array of shape (B, A); entry [j, i] is the loss at (alphas[i], betas[j]).

    Raises:
      ValueError: a direction's tree structure or a leaf's shape differs from ``params``, or
        alphas/betas are not non-empty 1-D arrays.

    References:
      Li, Xu, Taylor, Studer, Goldstein, "Visualizing the Loss Landscape of Neural Nets",
      NeurIPS 2018, arXiv 1712.09913.

    Examples:
      ||w||^2 around w = (1, 0) along the two axes: the loss at (a, b) is (1 + a)^2 + b^2.

      >>> import jax.numpy as jnp
      >>> loss = lambda p: jnp.sum(p["w"] ** 2)
      >>> axes = ({"w": jnp.array([1.0, 0.0])}, {"w": jnp.array([0.0, 1.0])})
      >>> s = surface(loss, {"w": jnp.array([1.0, 0.0])}, axes, [-1.0, 0.0], [0.0, 1.0, 2.0])
      >>> s.shape
      (3, 2)
      >>> [[round(float(v), 3) for v in row] for row in s]
      [[0.0, 1.0], [1.0, 2.0], [4.0, 5.0]]
    """
    delta, eta = directions
    _check_like(params, delta, "delta")
    _check_like(params, eta, "eta")
    return _surface(loss_fn, params, delta, eta, _as_1d(alphas, "alphas"), _as_1d(betas, "betas"))


def random_directions(key: jax.Array, params, normalize: str | None = "filter"):
    """Two random Gaussian directions in parameter space, optionally normalised.

    "filter" (Li et al., NeurIPS 2018, arXiv 1712.09913): each output unit's slice of a
    direction is rescaled to the norm of that unit's weights. Flax kernels have shape
    (..., out), so a unit is everything along all axes but the last: after normalisation
    ``||d[..., j]|| == ||theta[..., j]||`` for every j. Leaves with ndim <= 1 (biases, scales)
    are zeroed, as in the paper. "layer": each leaf rescaled to the norm of the same leaf of
    ``params``, leaves with ndim <= 1 zeroed. None: raw N(0, 1) entries in every leaf.

    Args:
      key: a JAX PRNG key.
      params: pytree of arrays.
      normalize: "filter", "layer" or None.

    Returns:
      (delta, eta): two pytrees shaped like ``params``.

    Raises:
      ValueError: unknown ``normalize``.

    References:
      Li, Xu, Taylor, Studer, Goldstein, "Visualizing the Loss Landscape of Neural Nets",
      NeurIPS 2018, arXiv 1712.09913.

    Examples:
      The kernel's two output units (columns) have norms 5 and 1; so do the direction's, and
      the bias is zeroed:

      >>> import jax, jax.numpy as jnp, numpy as np
      >>> params = {"kernel": jnp.array([[3.0, 0.0], [4.0, 1.0]]), "bias": jnp.array([1.0, 1.0])}
      >>> delta, eta = random_directions(jax.random.key(0), params, normalize="filter")
      >>> np.linalg.norm(np.asarray(delta["kernel"]), axis=0).round(4).tolist()
      [5.0, 1.0]
      >>> np.asarray(delta["bias"]).tolist()
      [0.0, 0.0]
    """
    if normalize not in ("filter", "layer", None):
        raise ValueError(f"normalize must be 'filter', 'layer' or None, got {normalize!r}")
    return _random_directions(key, params, normalize)


@functools.partial(jax.jit, static_argnums=2)
def _random_directions(key, params, normalize):
    leaves, treedef = jax.tree.flatten(params)
    keys = jax.random.split(key, 2 * max(len(leaves), 1))

    def one(p, k):
        d = jax.random.normal(k, p.shape, p.dtype if jnp.issubdtype(p.dtype, jnp.floating) else jnp.float32)
        if normalize is None:
            return d
        if p.ndim <= 1:
            return jnp.zeros_like(d)
        if normalize == "layer":
            return d * (jnp.linalg.norm(p) / (jnp.linalg.norm(d) + 1e-12))
        axes = tuple(range(p.ndim - 1))
        dn = jnp.sqrt(jnp.sum(d ** 2, axis=axes, keepdims=True))
        pn = jnp.sqrt(jnp.sum(p ** 2, axis=axes, keepdims=True))
        return d * pn / (dn + 1e-12)

    delta = treedef.unflatten([one(p, k) for p, k in zip(leaves, keys[: len(leaves)])])
    eta = treedef.unflatten([one(p, k) for p, k in zip(leaves, keys[len(leaves):])])
    return delta, eta


@functools.partial(jax.jit, static_argnums=0)
def _interpolate(loss_fn, a, b, ts):
    return jax.vmap(lambda t: loss_fn(jax.tree.map(lambda x, y: (1 - t) * x + t * y, a, b)))(ts)


def interpolate(loss_fn: Callable, params_a, params_b, alphas) -> jax.Array:
    """Loss along the straight line between two parameter settings.

    Returns L((1 - t) a + t b) for every t in ``alphas`` (t = 0 is ``params_a``, t = 1 is
    ``params_b``; values outside [0, 1] extrapolate) (Goodfellow, Vinyals, Saxe, ICLR 2015,
    arXiv 1412.6544).

    Args:
      loss_fn: pytree -> scalar.
      params_a: pytree, the point at t = 0.
      params_b: pytree of the same structure and shapes, the point at t = 1.
      alphas: array of shape (T,), positions t along the line (dimensionless).

    Returns:
      Array of shape (T,).

    Raises:
      ValueError: the two pytrees differ in structure or shapes.

    References:
      Goodfellow, Vinyals, Saxe, "Qualitatively characterizing neural network optimization
      problems", ICLR 2015, arXiv 1412.6544.

    Examples:
      From w = (0, 0) to (1, 1), ||w||^2 = 2 t^2:

      >>> import jax.numpy as jnp
      >>> loss = lambda p: jnp.sum(p["w"] ** 2)
      >>> ls = interpolate(loss, {"w": jnp.zeros(2)}, {"w": jnp.ones(2)}, [0.0, 0.5, 1.0])
      >>> [round(float(v), 4) for v in ls]
      [0.0, 0.5, 2.0]
    """
    _check_like(params_a, params_b, "params_b")
    return _interpolate(loss_fn, params_a, params_b, _as_1d(alphas, "alphas"))


@functools.partial(jax.jit, static_argnums=0)
def _dense_hessian(loss_fn, params):
    flat, unravel = ravel_pytree(params)
    return jax.hessian(lambda v: loss_fn(unravel(v)))(flat)


def hessian_eigenvalues(loss_fn: Callable, params) -> np.ndarray:
    """All eigenvalues of the full (dense) Hessian of ``loss_fn`` at ``params``, ascending.

    A convex loss has every eigenvalue >= 0 everywhere; a negative eigenvalue proves
    non-convexity (the point is a saddle or a maximum along that eigenvector).

    Args:
      loss_fn: pytree -> scalar.
      params: pytree with P scalars in all, the point where the Hessian is taken.

    Returns:
      float64 NumPy array of shape (P,), ascending (``numpy.linalg.eigvalsh`` of the
      symmetrised Hessian), in units of loss per parameter squared.

    Raises:
      ValueError: P > :data:`MAX_HESSIAN_PARAMS`; use :func:`hessian_extreme_eigenvalues`
        (Lanczos on Hessian-vector products, never forms the matrix) instead.

    Examples:
      The Hessian of w^T A w / 2 is A, whose eigenvalues are 1 and 3; the product loss has a
      saddle (eigenvalues -2 and 2) at the origin:

      >>> import jax.numpy as jnp
      >>> A = jnp.array([[2.0, 1.0], [1.0, 2.0]])
      >>> hessian_eigenvalues(lambda p: 0.5 * p["w"] @ A @ p["w"], {"w": jnp.zeros(2)}).round(4).tolist()
      [1.0, 3.0]
      >>> hessian_eigenvalues(product_loss, jnp.zeros(2)).round(4).tolist()
      [-2.0, 2.0]
    """
    size = sum(int(np.size(x)) for x in jax.tree.leaves(params))
    if size > MAX_HESSIAN_PARAMS:
        raise ValueError(
            f"the dense Hessian of {size} parameters is too large (limit {MAX_HESSIAN_PARAMS}); "
            "use hessian_extreme_eigenvalues(loss_fn, params), which uses Hessian-vector products")
    h = np.asarray(_dense_hessian(loss_fn, params), np.float64)
    return np.linalg.eigvalsh(0.5 * (h + h.T))


@functools.partial(jax.jit, static_argnums=0)
def _hvp(loss_fn, params, v):
    flat, unravel = ravel_pytree(params)
    g = lambda x: jax.grad(lambda u: loss_fn(unravel(u)))(x)
    return jax.jvp(g, (flat,), (v.astype(flat.dtype),))[1]


def hessian_extreme_eigenvalues(loss_fn: Callable, params, k: int = 1, *, tol: float = 1e-4
                                ) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest and k largest Hessian eigenvalues, from Hessian-vector products.

    Uses ARPACK's Lanczos iteration (``scipy.sparse.linalg.eigsh``) on a ``LinearOperator``
    whose matvec is a jitted forward-over-reverse Hessian-vector product (Pearlmutter, Neural
    Computation 1994), so memory stays O(P).

    Args:
      loss_fn: pytree -> scalar.
      params: pytree with P scalars, the point where the Hessian is taken.
      k: how many eigenvalues at each end, 1 <= k < P/2.
      tol: relative accuracy passed to ARPACK.

    Returns:
      (smallest, largest): two float64 arrays of shape (k,), ascending.

    Raises:
      ValueError: k out of range.

    References:
      Pearlmutter, "Fast Exact Multiplication by the Hessian", Neural Computation 6(1), 1994.

    Examples:
      sum_i d_i w_i^2 / 2 with d = 1..6 has the diagonal Hessian diag(1, ..., 6):

      >>> import jax.numpy as jnp
      >>> d = jnp.arange(1.0, 7.0)
      >>> lo, hi = hessian_extreme_eigenvalues(lambda p: 0.5 * jnp.sum(d * p ** 2), jnp.zeros(6))
      >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
      (1.0, 6.0)
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    n = sum(int(np.size(x)) for x in jax.tree.leaves(params))
    if not 1 <= k < n / 2:
        raise ValueError(f"k must satisfy 1 <= k < P/2 = {n / 2}, got {k}")
    op = LinearOperator((n, n), dtype=np.float64,
                        matvec=lambda v: np.asarray(_hvp(loss_fn, params, np.asarray(v, np.float32).ravel()),
                                                    np.float64))
    v0 = np.random.default_rng(0).standard_normal(n)
    lo = eigsh(op, k=k, which="SA", tol=tol, v0=v0, return_eigenvectors=False)
    hi = eigsh(op, k=k, which="LA", tol=tol, v0=v0, return_eigenvectors=False)
    return np.sort(lo), np.sort(hi)


@functools.partial(jax.jit, static_argnums=0)
def _slice_hessians(loss_fn, params, delta, eta, alphas, betas):
    def h(a, b):
        f = lambda ab: loss_fn(_axpy(params, ab[0], delta, ab[1], eta))
        return jnp.linalg.eigvalsh(jax.hessian(f)(jnp.stack([a, b])))

    return jax.lax.map(lambda b: jax.vmap(lambda a: h(a, b))(alphas), betas)


def slice_hessian_eigenvalues(loss_fn: Callable, params, directions, alphas, betas) -> jax.Array:
    """Eigenvalues of the 2x2 Hessian of the loss restricted to a plane, at every grid point.

    For g(a, b) = L(theta + a delta + b eta), returns the ascending eigenvalues of the Hessian
    of g at each (alphas[i], betas[j]). g is convex on the plane iff both are >= 0 everywhere,
    so a negative smallest eigenvalue anywhere proves that L is not convex.

    Args:
      loss_fn: pytree -> scalar loss.
      params: pytree, the centre theta.
      directions: (delta, eta), two pytrees with the structure and shapes of ``params``.
      alphas: array of shape (A,), the step along delta.
      betas: array of shape (B,), the step along eta.

    Returns:
      Array of shape (B, A, 2), the two eigenvalues ascending.

    Raises:
      ValueError: as :func:`surface`.

    Examples:
      On the axes plane of :func:`product_loss`, the origin is a saddle:

      >>> import jax.numpy as jnp
      >>> axes = (jnp.array([1.0, 0.0]), jnp.array([0.0, 1.0]))
      >>> ev = slice_hessian_eigenvalues(product_loss, jnp.zeros(2), axes, [0.0], [0.0])
      >>> ev.shape, [round(float(v), 3) for v in ev[0, 0]]
      ((1, 1, 2), [-2.0, 2.0])
    """
    delta, eta = directions
    _check_like(params, delta, "delta")
    _check_like(params, eta, "eta")
    return _slice_hessians(loss_fn, params, delta, eta, _as_1d(alphas, "alphas"), _as_1d(betas, "betas"))


class ConvexityReport(NamedTuple):
    """Midpoint-convexity checks along a segment (see :func:`convexity_violations`).

    Attributes:
      ts: array (2n+1,) of positions along the segment (0 = params_a, 1 = params_b).
      losses: array (2n+1,) of the loss at those positions.
      n_checks: number of (left, midpoint, right) triples tested.
      n_violations: triples where L(mid) exceeds the chord's midpoint by more than ``tol``.
      fraction: n_violations / n_checks.
      max_gap: largest L(mid) - (L(left) + L(right)) / 2 found (<= tol means no violation).
      worst: (t_left, t_right) of the largest gap.
      tol: the tolerance used (absorbs float32 rounding).
    """

    ts: np.ndarray
    losses: np.ndarray
    n_checks: int
    n_violations: int
    fraction: float
    max_gap: float
    worst: tuple[float, float]
    tol: float

    @property
    def convex(self) -> bool:
        """True when no midpoint-convexity violation was found (evidence, not proof)."""
        return self.n_violations == 0


def convexity_violations(loss_fn: Callable, params_a, params_b, n: int = 50, *,
                         tol: float | None = None) -> ConvexityReport:
    """How often and by how much midpoint convexity fails on the segment from a to b.

    A convex L satisfies L((x + y)/2) <= (L(x) + L(y))/2 for all x, y. The segment is sampled
    at 2n+1 evenly spaced points; every pair (i, k) of them whose midpoint is also a sample is
    tested. A violation proves non-convexity; no violation is only evidence of convexity along
    this one segment.

    Args:
      loss_fn: pytree -> scalar.
      params_a: pytree, the segment's start (t = 0).
      params_b: pytree of the same structure and shapes, the segment's end (t = 1).
      n: resolution, 1 <= n <= 500 (2n+1 points, about n^2 checks).
      tol: gap (in units of the loss) above which a triple counts as a violation; default
        1e-5 * (1 + max |L|) to absorb float32 rounding.

    Returns:
      A :class:`ConvexityReport`.

    Raises:
      ValueError: n out of range or the end points differ in structure or shapes.

    Examples:
      Between the minima (1, 1) and (-1, -1) of :func:`product_loss` the midpoint has loss 1,
      a gap of 1 above the chord; ||w||^2 shows no violation:

      >>> import jax.numpy as jnp
      >>> r = convexity_violations(product_loss, jnp.array([1.0, 1.0]), jnp.array([-1.0, -1.0]), n=2)
      >>> r.convex, r.n_checks, round(r.max_gap, 3), r.worst
      (False, 4, 1.0, (0.0, 1.0))
      >>> convexity_violations(lambda w: jnp.sum(w ** 2), jnp.zeros(2), jnp.ones(2), n=2).convex
      True
    """
    if int(n) != n or not 1 <= n <= 500:
        raise ValueError(f"n must be an integer in [1, 500], got {n!r}")
    ts = np.linspace(0.0, 1.0, 2 * n + 1)
    losses = np.asarray(interpolate(loss_fn, params_a, params_b, ts), np.float64)
    if tol is None:
        tol = 1e-5 * (1.0 + float(np.nanmax(np.abs(losses))))
    i, k = np.triu_indices(ts.size, k=2)
    keep = (i + k) % 2 == 0
    i, k = i[keep], k[keep]
    gaps = losses[(i + k) // 2] - 0.5 * (losses[i] + losses[k])
    worst = int(np.nanargmax(gaps))
    n_viol = int(np.sum(gaps > tol))
    return ConvexityReport(ts, losses, int(gaps.size), n_viol, n_viol / gaps.size,
                           float(gaps[worst]), (float(ts[i[worst]]), float(ts[k[worst]])), float(tol))


def _check_xy(X, y):
    X, y = check_xy(X, y)
    return X, y.astype(np.float64)


def separating_hyperplane(X, y) -> tuple[np.ndarray, float] | None:
    """A hyperplane that separates the classes exactly, by linear programming, or None.

    Solves the feasibility LP  y_i (w . x_i + b) >= 1  for all i with SciPy's HiGHS solver
    (Huangfu & Hall, Math. Prog. Comp. 2018). Feasible iff the data are linearly separable, so
    training a perceptron is a polynomial-time problem (Khachiyan 1979; Karmarkar 1984).

    Args:
      X: array of shape (n_samples, n_features).
      y: labels of shape (n_samples,), in {0, 1} or {-1, +1}.

    Returns:
      (w, b) with w of shape (n_features,), or None when no separating hyperplane exists.

    Raises:
      ValueError: bad shapes, non-finite X, or labels outside the accepted sets.
      RuntimeError: HiGHS stopped for another reason than optimality or infeasibility.

    References:
      Huangfu, Hall, "Parallelizing the dual revised simplex method", Mathematical Programming
      Computation 10, 2018.

    Examples:
      XOR is not linearly separable; AND is, and the plane puts only (1, 1) on the + side:

      >>> import numpy as np
      >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
      >>> separating_hyperplane(X, [0, 1, 1, 0]) is None
      True
      >>> w, b = separating_hyperplane(X, [0, 0, 0, 1])
      >>> np.sign(X @ w + b).tolist()
      [-1.0, -1.0, -1.0, 1.0]
    """
    from scipy.optimize import linprog

    X, y = _check_xy(X, y)
    n, d = X.shape
    a_ub = -y[:, None] * np.hstack([X, np.ones((n, 1))])
    res = linprog(np.zeros(d + 1), A_ub=a_ub, b_ub=-np.ones(n), bounds=[(None, None)] * (d + 1),
                  method="highs")
    if res.status == 2:
        return None
    if res.status != 0:
        raise RuntimeError(f"HiGHS did not finish: {res.message}")
    return res.x[:d], float(res.x[d])


class PerceptronResult(NamedTuple):
    """Outcome of :func:`perceptron`.

    Attributes:
      w: array (n_features,). b: float. updates: number of mistakes (weight updates) made.
      converged: an epoch passed with no mistake.
      epochs: epochs run.
      margin: gamma, the geometric margin of the best separator found for the bound (None when
        not separable). radius: R = max ||(x_i, 1)||.
      novikoff_bound: (R / gamma)^2, the most mistakes the perceptron can make (None when the
        data are not separable).
    """

    w: np.ndarray
    b: float
    updates: int
    converged: bool
    epochs: int
    margin: float | None
    radius: float
    novikoff_bound: float | None


@functools.partial(jax.jit, static_argnums=2)
def _perceptron(xa, y, max_epochs):
    def epoch(carry):
        w, updates, _, e = carry

        def visit(c, xy):
            w, u, mistakes = c
            x, t = xy
            wrong = t * jnp.dot(w, x) <= 0
            return (jnp.where(wrong, w + t * x, w), u + wrong, mistakes + wrong), None

        (w, updates, mistakes), _ = jax.lax.scan(visit, (w, updates, jnp.int32(0)), (xa, y))
        return w, updates, mistakes, e + 1

    init = (jnp.zeros(xa.shape[1], xa.dtype), jnp.int32(0), jnp.int32(1), jnp.int32(0))
    return jax.lax.while_loop(lambda c: (c[2] > 0) & (c[3] < max_epochs), epoch, init)


def perceptron(X, y, max_epochs: int = 1000) -> PerceptronResult:
    """Rosenblatt's perceptron with a bias, beside Novikoff's mistake bound.

    Cycles through the data in order; on a mistake (y_i (w . x_i + b) <= 0) adds y_i (x_i, 1).
    Novikoff (1962): if ||(x_i, 1)|| <= R and a unit vector u has y_i u . (x_i, 1) >= gamma for
    all i, at most (R / gamma)^2 updates happen. gamma is taken from the maximum-margin
    separator (a small QP, SciPy SLSQP, started from the LP solution of
    :func:`separating_hyperplane`; the LP separator's own margin if SLSQP fails, which still
    gives a valid, looser bound).

    Args:
      X: array of shape (n_samples, n_features).
      y: labels of shape (n_samples,), in {0, 1} or {-1, +1}.
      max_epochs: passes over the data before giving up (non-separable data never converge).

    Returns:
      A :class:`PerceptronResult`.

    Raises:
      ValueError: as :func:`separating_hyperplane`, or max_epochs < 1.

    References:
      Rosenblatt, "The perceptron: a probabilistic model for information storage and
      organization in the brain", Psychological Review 65(6), 1958.
      Novikoff, "On convergence proofs on perceptrons", Symposium on the Mathematical Theory
      of Automata, 1962.

    Examples:
      AND is separable: the perceptron converges within Novikoff's bound. XOR never does:

      >>> import numpy as np
      >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
      >>> r = perceptron(X, [0, 0, 0, 1])
      >>> r.converged, r.updates <= r.novikoff_bound
      (True, True)
      >>> r = perceptron(X, [0, 1, 1, 0], max_epochs=20)
      >>> r.converged, r.epochs, r.novikoff_bound
      (False, 20, None)
    """
    if int(max_epochs) != max_epochs or max_epochs < 1:
        raise ValueError(f"max_epochs must be a positive integer, got {max_epochs!r}")
    X, y = _check_xy(X, y)
    xa = np.hstack([X, np.ones((X.shape[0], 1))])
    w, updates, mistakes, epochs = _perceptron(np.asarray(xa, np.float32), np.asarray(y, np.float32),
                                               int(max_epochs))
    w = np.asarray(w, np.float64)
    radius = float(np.max(np.linalg.norm(xa, axis=1)))
    margin = bound = None
    sep = separating_hyperplane(X, y)
    if sep is not None:
        u0 = np.append(sep[0], sep[1])
        margin = float(np.min(y * (xa @ u0)) / np.linalg.norm(u0))
        from scipy.optimize import minimize

        res = minimize(lambda u: u @ u, u0, jac=lambda u: 2 * u, method="SLSQP",
                       constraints=[{"type": "ineq", "fun": lambda u: y * (xa @ u) - 1.0,
                                     "jac": lambda u: y[:, None] * xa}],
                       options={"maxiter": 500})
        if res.success and np.min(y * (xa @ res.x)) > 0:
            margin = max(margin, float(np.min(y * (xa @ res.x)) / np.linalg.norm(res.x)))
        bound = (radius / margin) ** 2
    return PerceptronResult(w[:-1], float(w[-1]), int(updates), int(mistakes) == 0, int(epochs),
                            margin, radius, bound)


def product_loss(theta) -> jax.Array:
    """The smallest non-convex loss: L(a, w) = (a w - 1)^2, a one-unit linear network.

    At the origin the gradient vanishes and the Hessian is [[0, -2], [-2, 0]] (eigenvalues -2
    and 2): a saddle. The global minima form the hyperbola a w = 1 (loss 0); the midpoint of
    (1, 1) and (-1, -1) has loss 1 > 0, so the loss is not convex.

    Args:
      theta: array of shape (..., 2) holding (a, w), or a dict with keys "a" and "w".

    Returns:
      Array of shape (...).

    Examples:
      Zero on the hyperbola a w = 1, one at the saddle (0, 0):

      >>> import jax.numpy as jnp
      >>> float(product_loss(jnp.array([1.0, 1.0]))), float(product_loss(jnp.zeros(2)))
      (0.0, 1.0)
      >>> float(product_loss({"a": jnp.float32(2.0), "w": jnp.float32(0.5)}))
      0.0
    """
    if isinstance(theta, dict):
        return (theta["a"] * theta["w"] - 1.0) ** 2
    theta = jnp.asarray(theta)
    return (theta[..., 0] * theta[..., 1] - 1.0) ** 2


def _hidden_layer_keys(params):
    try:
        layers = params["layers"]
        first, second = layers[0], layers[1]
        _ = first["kernel"], first["bias"], second["kernel"], second["bias"]
    except (KeyError, TypeError, IndexError):
        raise ValueError("expected the params of a one-hidden-layer MLP: "
                         "params['layers'][0|1]['kernel'|'bias']") from None
    if len(layers) != 2:
        raise ValueError(f"expected exactly one hidden layer (2 layers), got {len(layers)}")
    return first, second


def tanh_symmetries(params, *, max_width: int = 5) -> list[dict]:
    """All 2^H H! parameter settings that compute the same function as a tanh net.

    For f(x) = tanh(x W1 + b1) W2 + b2 with H hidden units: permuting the hidden units
    (columns of W1, entries of b1, rows of W2) and flipping the sign of a unit's incoming
    weights, bias and outgoing weights (tanh is odd) leave f unchanged (Chen, Lu, Hecht-Nielsen,
    "On the geometry of feedforward neural network error surfaces", Neural Computation 1993).
    So every minimum of the loss comes with 2^H H! copies: a convex loss has one connected set
    of minima, and this one has many isolated ones.

    Args:
      params: pure params of a one-hidden-layer :class:`~hardtrain.models.MLP`
        (``params["layers"][0]`` and ``[1]``, each with "kernel" and "bias").
      max_width: refuse H above this (5 gives 3840 copies).

    Returns:
      A list of 2^H H! pytrees shaped like ``params``; the first is ``params`` itself.

    Raises:
      ValueError: not a one-hidden-layer net, or H > max_width.

    References:
      Chen, Lu, Hecht-Nielsen, "On the geometry of feedforward neural network error
      surfaces", Neural Computation 5(6), 1993.

    Examples:
      H = 2 hidden units give 2^2 2! = 8 copies, all computing the same function:

      >>> import jax.numpy as jnp
      >>> net = {"layers": {0: {"kernel": jnp.array([[1.0, -2.0]]), "bias": jnp.array([0.5, 0.0])},
      ...                   1: {"kernel": jnp.array([[1.0], [3.0]]), "bias": jnp.array([0.0])}}}
      >>> f = lambda p, x: (jnp.tanh(x @ p["layers"][0]["kernel"] + p["layers"][0]["bias"])
      ...                   @ p["layers"][1]["kernel"] + p["layers"][1]["bias"])
      >>> x = jnp.array([[0.3], [-1.2]])
      >>> copies = tanh_symmetries(net)
      >>> len(copies), all(bool(jnp.allclose(f(c, x), f(net, x), atol=1e-6)) for c in copies)
      (8, True)
    """
    first, second = _hidden_layer_keys(params)
    # NumPy, not jnp: 2^H H! small copies would otherwise each run a few compiled XLA ops.
    w1, b1, w2, b2 = (np.asarray(a) for a in (first["kernel"], first["bias"], second["kernel"], second["bias"]))
    h = w1.shape[-1]
    if h > max_width:
        raise ValueError(f"H = {h} hidden units give {2 ** h * math.factorial(h)} copies; "
                         f"the limit is H <= {max_width}")
    out = []
    for perm in itertools.permutations(range(h)):
        p = np.array(perm)
        for signs in itertools.product((1.0, -1.0), repeat=h):
            s = np.array(signs, w1.dtype)
            out.append({"layers": {0: {"kernel": w1[:, p] * s, "bias": b1[p] * s},
                                   1: {"kernel": w2[p, :] * s[:, None], "bias": b2}}})
    return out


def relu_rescale(params, c) -> dict:
    """Rescale each ReLU unit: incoming weights and bias times c, outgoing weights over c.

    relu(c z) = c relu(z) for c > 0, so the function is unchanged: the minima of a ReLU net
    are never isolated points but whole curves (Dinh, Pascanu, Bengio, Bengio, "Sharp Minima
    Can Generalize For Deep Nets", ICML 2017, arXiv 1703.04933).

    Args:
      params: pure params of a one-hidden-layer MLP (see :func:`tanh_symmetries`).
      c: positive scalar or array of shape (H,), one factor per hidden unit (dimensionless).

    Returns:
      The rescaled params.

    Raises:
      ValueError: a factor <= 0, or not a one-hidden-layer net.

    References:
      Dinh, Pascanu, Bengio, Bengio, "Sharp Minima Can Generalize For Deep Nets", ICML 2017,
      arXiv 1703.04933.

    Examples:
      With c = 2 the incoming weights double and the outgoing ones halve:

      >>> import jax.numpy as jnp
      >>> net = {"layers": {0: {"kernel": jnp.array([[1.0, -2.0]]), "bias": jnp.array([0.5, 0.0])},
      ...                   1: {"kernel": jnp.array([[1.0], [3.0]]), "bias": jnp.array([0.0])}}}
      >>> r = relu_rescale(net, 2.0)
      >>> r["layers"][0]["kernel"].tolist(), r["layers"][1]["kernel"].ravel().tolist()
      ([[2.0, -4.0]], [0.5, 1.5])
    """
    first, second = _hidden_layer_keys(params)
    if isinstance(c, jax.core.Tracer):
        c = jnp.broadcast_to(jnp.asarray(c, first["kernel"].dtype), first["bias"].shape)
    else:
        c = np.broadcast_to(np.asarray(c, np.float32), np.shape(first["bias"]))
    if not isinstance(c, jax.core.Tracer) and not bool(np.all(c > 0)):
        raise ValueError("rescaling factors must be > 0 (relu(c z) = c relu(z) only for c > 0)")
    return {"layers": {0: {"kernel": first["kernel"] * c, "bias": first["bias"] * c},
                       1: {"kernel": second["kernel"] / c[:, None], "bias": second["bias"]}}}


@functools.partial(jax.jit, static_argnums=0)
def _rescaling_losses(loss_fn, params, cs):
    return jax.vmap(lambda c: loss_fn(relu_rescale(params, c)))(cs)


def rescaling_losses(loss_fn: Callable, params, cs) -> jax.Array:
    """Loss along the ReLU rescaling curve c -> :func:`relu_rescale` (params, c).

    For a ReLU net the curve is flat (every point computes the same function), while the
    straight segment between its ends generally is not: minima come in continuous families.

    Args:
      loss_fn: pytree -> scalar.
      params: a one-hidden-layer ReLU net's pure params.
      cs: array of shape (C,) of positive factors (dimensionless).

    Returns:
      Array of shape (C,).

    Raises:
      ValueError: a factor <= 0, or not a one-hidden-layer net.

    References:
      Dinh, Pascanu, Bengio, Bengio, "Sharp Minima Can Generalize For Deep Nets", ICML 2017,
      arXiv 1703.04933.

    Examples:
      The loss is the same at every point of the curve:

      >>> import jax, jax.numpy as jnp
      >>> net = {"layers": {0: {"kernel": jnp.array([[1.0, -2.0]]), "bias": jnp.array([0.5, 0.0])},
      ...                   1: {"kernel": jnp.array([[1.0], [3.0]]), "bias": jnp.array([0.0])}}}
      >>> x = jnp.array([[0.3], [-1.2]])
      >>> loss = lambda p: jnp.mean((jax.nn.relu(x @ p["layers"][0]["kernel"] + p["layers"][0]["bias"])
      ...                            @ p["layers"][1]["kernel"]) ** 2)
      >>> ls = rescaling_losses(loss, net, [0.5, 1.0, 4.0])
      >>> [round(float(v), 3) for v in ls]
      [26.24, 26.24, 26.24]
    """
    cs = np.asarray(cs, np.float32)
    if cs.ndim != 1 or cs.size < 1:
        raise ValueError(f"cs must be a non-empty 1-D array, got shape {cs.shape}")
    if not bool(np.all(cs > 0)):
        raise ValueError("rescaling factors must be > 0")
    _hidden_layer_keys(params)
    return _rescaling_losses(loss_fn, params, cs)
