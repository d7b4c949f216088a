"""An irrational optimum: the smallest two-output ReLU example, solved exactly with sympy.

Network f(x) = a * relu(w . x) with a in R^2 (output weights), w in R^2 (input weights), no
biases. Data x1 = (1, 0) -> y1 = (2, 1) and x2 = (0, 1) -> y2 = (1, 1); squared loss
L(a, w) = ||y1 - a relu(w1)||^2 + ||y2 - a relu(w2)||^2.

With both points active (w1, w2 > 0) the network's outputs form the rank-1 matrix a w^T, so
the best loss is the best rank-1 approximation error of Y = [[2, 1], [1, 1]] (columns y1, y2):
the square of its smaller eigenvalue (Eckart & Young, Psychometrika 1936), (7 - 3 sqrt5)/2, at
w2/w1 = (sqrt5 - 1)/2 for every minimiser. No rational weights are optimal. The other activation
patterns give plateaus with losses 2 (only x1 active), 5 (only x2) and 7 (none).

Training fully connected ReLU networks is complete for the existential theory of the reals, and
algebraic weights of high degree can be required (Bertschinger, Hertrich, Jungeblut, Miltzow,
Weber, "Training Fully Connected Neural Networks is ER-Complete", NeurIPS 2023, arXiv
2204.01368; Abrahamsen, Kleist, Miltzow, NeurIPS 2021, arXiv 2102.09798); this example is the
smallest honest demonstration of the irrational part, derived for this project.
"""

from __future__ import annotations

import dataclasses
import functools
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = ["IRRATIONAL_X", "IRRATIONAL_Y", "IrrationalOptimum", "irrational_optimum",
           "relu_example_loss", "profile_loss", "best_rational_weights", "PlateauRun",
           "irrational_gd", "PLATEAUS"]

#: Inputs (rows) and targets (rows) of the example.
IRRATIONAL_X = np.array([[1.0, 0.0], [0.0, 1.0]])
IRRATIONAL_Y = np.array([[2.0, 1.0], [1.0, 1.0]])

#: Loss of each activation pattern's best weights: name -> exact value as text.
PLATEAUS = {"both active (optimum)": "(7 - 3*sqrt(5))/2", "only x1 active": "2",
            "only x2 active": "5", "none active": "7"}


@dataclasses.dataclass(frozen=True)
class IrrationalOptimum:
    """The exact solution of the example (see the module docstring).

    Attributes:
      loss: float, the global minimum (7 - 3 sqrt5)/2 ~ 0.1459.
      ratio: float, w2/w1 at every minimiser, (sqrt5 - 1)/2 ~ 0.618.
      loss_expr, ratio_expr: the same as sympy expressions.
      a, w: one minimiser as float arrays of shape (2,) (w normalised to ||w|| = 1).
      plateaus: dict pattern -> (sympy expression, float) for the four activation patterns.
      stationary_ratios: the sympy roots t of d/dt of the profile loss along w = (1, t)
        (the other root is negative: that direction switches x2 off).
    """

    loss: float
    ratio: float
    loss_expr: object
    ratio_expr: object
    a: np.ndarray
    w: np.ndarray
    plateaus: dict
    stationary_ratios: tuple


def irrational_optimum(targets=((2, 1), (1, 1))) -> IrrationalOptimum:
    """Solve the two-output ReLU example exactly with sympy.

    For fixed active w the optimal a is least squares, a = Y w / ||w||^2, leaving the profile
    loss ||Y||_F^2 - w^T Y^T Y w / ||w||^2. Along w = (1, t), t > 0, its derivative's roots are
    solved symbolically; the root with t > 0 is the minimiser, and the loss there is simplified
    (to (7 - 3 sqrt5)/2 for the lab's data). The other patterns are solved the same way (one
    point active: the other target's squared norm remains).

    Args:
      targets: the symmetric 2 x 2 matrix Y of integer targets, ``((y11, y12), (y21, y22))``:
        input (1, 0) maps to (y11, y21) and (0, 1) to (y12, y22). Default: the lab's
        ``((2, 1), (1, 1))``; lab 2's transfer exercise uses another one.
    Returns:
      An :class:`IrrationalOptimum` (cached per ``targets``: computed once per process).
    Raises:
      ValueError: targets not a symmetric 2 x 2 matrix.
      RuntimeError: not exactly one positive stationary ratio (both inputs cannot stay active).

    Examples:
      >>> round(irrational_optimum(((3, 1), (1, 1))).ratio, 4)  # sqrt(2) - 1
      0.4142
    """
    Y = np.asarray(targets, float)
    if Y.shape != (2, 2) or Y[0, 1] != Y[1, 0]:
        raise ValueError(f"targets must be a symmetric 2 x 2 matrix, got {targets!r}")
    return _irrational_optimum(tuple(tuple(int(v) if float(v).is_integer() else v for v in row) for row in targets))


@functools.lru_cache(maxsize=8)
def _irrational_optimum(targets) -> IrrationalOptimum:
    import sympy as sp

    t = sp.symbols("t", real=True)
    Y = sp.Matrix(targets)  # columns: y1, y2
    w = sp.Matrix([1, t])
    prof = sp.simplify((Y.T * Y).trace() - (w.T * Y.T * Y * w)[0] / (w.T * w)[0])
    crit = sp.solve(sp.numer(sp.together(sp.diff(prof, t))), t)
    crit = tuple(sp.nsimplify(sp.simplify(c)) for c in crit)
    pos = [c for c in crit if c.is_positive]
    if len(pos) != 1:
        raise RuntimeError(f"expected one positive stationary ratio, got {crit}")
    ratio = sp.radsimp(sp.simplify(pos[0]))
    loss = sp.radsimp(sp.simplify(prof.subs(t, ratio)))
    # Cross-check by the eigenvalues of Y (Eckart-Young): the smaller eigenvalue squared.
    lam_min = min(Y.eigenvals(), key=lambda e: float(e))
    if sp.simplify(loss - lam_min ** 2) != 0:
        raise RuntimeError("the profile-loss minimum disagrees with the Eckart-Young value")
    y1, y2 = Y[:, 0], Y[:, 1]
    plateaus = {"both active (optimum)": (loss, float(loss)),
                "only x1 active": (sp.Integer((y2.T * y2)[0]), float((y2.T * y2)[0])),
                "only x2 active": (sp.Integer((y1.T * y1)[0]), float((y1.T * y1)[0])),
                "none active": (sp.Integer((Y.T * Y).trace()), float((Y.T * Y).trace()))}
    wf = np.array([1.0, float(ratio)])
    wf /= np.linalg.norm(wf)
    a = np.asarray(targets, float).T @ wf  # = Y w / ||w||^2 with ||w|| = 1 (Y symmetric here)
    return IrrationalOptimum(float(loss), float(ratio), loss, ratio, a, wf, plateaus, crit)


def relu_example_loss(a, w):
    """L(a, w) of the example: the squared error of f(x) = a relu(w . x) on its two points.

    Works on NumPy or JAX arrays and broadcasts over leading axes.

    Args:
      a: array of shape (..., 2), the output weights.
      w: array of shape (..., 2), the input weights.

    Returns:
      Array of shape (...): sum over the two points of the squared error of a * relu(w . x).

    Examples:
      With a = 0 the loss is ||Y||_F^2 = 7; with x2 switched off (w2 < 0) and a = y1 only
      ||y2||^2 = 2 remains:

      >>> import numpy as np
      >>> float(relu_example_loss(np.zeros(2), np.ones(2)))
      7.0
      >>> float(relu_example_loss(np.array([2.0, 1.0]), np.array([1.0, -1.0])))
      2.0
    """
    xp = jnp if isinstance(a, jax.Array) or isinstance(w, jax.Array) else np
    h1 = xp.maximum(w[..., 0], 0.0)
    h2 = xp.maximum(w[..., 1], 0.0)
    y = IRRATIONAL_Y
    return (xp.sum((y[0] - a * h1[..., None]) ** 2, -1) + xp.sum((y[1] - a * h2[..., None]) ** 2, -1))


def profile_loss(w1, w2) -> np.ndarray:
    """min over a of L(a, w) for each input-weight pair (closed form, NumPy, float64).

    Args:
      w1: array, the weight of input 1.
      w2: array of the same shape as ``w1`` (or broadcastable), the weight of input 2.

    Returns:
      Array of the broadcast shape: the loss with the best output weights a for these w.

    Examples:
      The four plateaus, and the minimum (7 - 3 sqrt5)/2 ~ 0.1459 at w2/w1 = (sqrt5 - 1)/2:

      >>> [float(profile_loss(w1, w2)) for w1, w2 in ((1, -1), (-1, 1), (-1, -1))]
      [2.0, 5.0, 7.0]
      >>> round(float(profile_loss(1.0, (5 ** 0.5 - 1) / 2)), 4), round((7 - 3 * 5 ** 0.5) / 2, 4)
      (0.1459, 0.1459)
    """
    h = np.stack(np.broadcast_arrays(np.maximum(np.asarray(w1, np.float64), 0.0),
                                     np.maximum(np.asarray(w2, np.float64), 0.0)), -1)
    Y = IRRATIONAL_Y
    total = float(np.sum(Y ** 2))
    nrm = np.sum(h ** 2, -1)
    Yh = h @ Y  # rows of Y are targets y_i: sum_i h_i y_i
    gain = np.where(nrm > 0, np.sum(Yh ** 2, -1) / np.where(nrm > 0, nrm, 1.0), 0.0)
    return total - gain


def best_rational_weights(max_denominator: int) -> tuple[Fraction, Fraction]:
    """The best input-weight ratio w2/w1 = p/q with q <= max_denominator, and its exact loss.

    For rational w = (q, p) the optimal a = Y w / ||w||^2 is rational too, so the loss is an
    exact rational number, computed with :class:`fractions.Fraction`; it is always above the
    irrational minimum. Candidates are the best rational approximations of (sqrt5 - 1)/2
    (``Fraction.limit_denominator``: its continued-fraction convergents are ratios of Fibonacci
    numbers) and their neighbours.

    Args:
      max_denominator: the largest denominator q allowed, an integer >= 1.

    Returns:
      (ratio, loss) as Fractions.

    Raises:
      ValueError: max_denominator not an integer >= 1.

    Examples:
      With q <= 5 the best ratio is the Fibonacci ratio 3/5; its exact loss 5/34 ~ 0.147 is
      above the irrational minimum ~ 0.1459:

      >>> r, loss = best_rational_weights(5)
      >>> r, loss, float(loss) > irrational_optimum().loss
      (Fraction(3, 5), Fraction(5, 34), True)
    """
    if isinstance(max_denominator, bool) or int(max_denominator) != max_denominator or max_denominator < 1:
        raise ValueError(f"max_denominator must be an integer >= 1, got {max_denominator!r}")
    D = int(max_denominator)
    target = irrational_optimum().ratio

    def loss_of(r: Fraction) -> Fraction:
        q, p = r.denominator, r.numerator
        Y = [[2, 1], [1, 1]]
        yw = [Y[0][0] * q + Y[0][1] * p, Y[1][0] * q + Y[1][1] * p]
        return Fraction(7) - Fraction(yw[0] ** 2 + yw[1] ** 2, q * q + p * p)

    best = Fraction(target).limit_denominator(D)
    cands = {best}
    for q in range(max(1, best.denominator - 2), min(D, best.denominator + 2) + 1):
        p0 = round(target * q)
        for p in (p0 - 1, p0, p0 + 1):
            if p > 0:
                cands.add(Fraction(p, q))
    r = min(cands, key=loss_of)
    return r, loss_of(r)


@dataclasses.dataclass(frozen=True)
class PlateauRun:
    """Outcome of :func:`irrational_gd`.

    Attributes:
      final_loss: array of shape (seeds,). a, w: final weights, shapes (seeds, 2).
      plateau: array of shape (seeds,) of plateau names (keys of :data:`PLATEAUS`), the one whose
        loss is nearest the final loss.
      counts: dict plateau name -> number of seeds. ratio: w2/w1 at the end (NaN if w1 = 0).
      found_optimum_rate: fraction of seeds within 1e-3 of the global minimum.
      losses: array of shape (seeds, steps): the loss before each step.
    """

    final_loss: np.ndarray
    a: np.ndarray
    w: np.ndarray
    plateau: np.ndarray
    counts: dict
    ratio: np.ndarray
    found_optimum_rate: float
    losses: np.ndarray


@functools.lru_cache(maxsize=8)
def _gd_program(steps: int):
    tx = optax.sgd(1.0)  # the learning rate scales the gradient below (no recompile per rate)

    def loss(p):
        return relu_example_loss(p["a"], p["w"])

    def run(p, lr):
        def step(c, _):
            p, s = c
            val, g = jax.value_and_grad(loss)(p)
            g = jax.tree.map(lambda x: lr * x, g)
            upd, s = tx.update(g, s, p)
            return (optax.apply_updates(p, upd), s), val

        (p, _), vals = jax.lax.scan(step, (p, tx.init(p)), None, length=steps)
        return p, vals, loss(p)

    return jax.jit(jax.vmap(run, in_axes=(0, None)))


def irrational_gd(seeds: int = 256, steps: int = 2000, learning_rate: float = 0.05, *,
                  seed: int = 0) -> PlateauRun:
    """Plain gradient descent on the example from N(0, 1) starts; which plateau does each reach?

    All (a, w) start from independent standard normals (``jax.random.key(seed)``); one compiled,
    vmapped ``lax.scan`` trains every start (optax SGD).

    Args:
      seeds: number of starts.
      steps: GD steps per start.
      learning_rate: step size (> 0; 0.05 is stable).
      seed: the PRNG seed.

    Returns:
      A :class:`PlateauRun`.

    Raises:
      ValueError: non-positive sizes or learning rate.

    Examples:
      Every start ends on one of the four plateaus, and none beats the irrational minimum:

      >>> run = irrational_gd(seeds=8, steps=200)
      >>> sum(run.counts.values()), run.losses.shape
      (8, (8, 200))
      >>> bool(run.final_loss.min() >= irrational_optimum().loss - 1e-4)
      True
    """
    for name, v in (("seeds", seeds), ("steps", steps)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be > 0, got {learning_rate!r}")
    k1, k2 = jax.random.split(jax.random.key(int(seed)))
    p0 = {"a": jax.random.normal(k1, (int(seeds), 2)), "w": jax.random.normal(k2, (int(seeds), 2))}
    p, vals, final = _gd_program(int(steps))(p0, jnp.float32(learning_rate))
    final = np.asarray(final, np.float64)
    opt = irrational_optimum()
    names = list(PLATEAUS)
    levels = np.array([opt.plateaus[n][1] for n in names])
    idx = np.argmin(np.abs(final[:, None] - levels[None, :]), 1)
    plateau = np.array([names[i] for i in idx])
    w = np.asarray(p["w"], np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(w[:, 0] != 0, w[:, 1] / w[:, 0], np.nan)
    return PlateauRun(final, np.asarray(p["a"], np.float64), w, plateau,
                      {n: int(np.sum(plateau == n)) for n in names}, ratio,
                      float(np.mean(np.abs(final - opt.loss) < 1e-3)), np.asarray(vals, np.float64))
