"""Lab 1's self-checks: the symmetries of a two-hidden-layer tanh net, the saddle of (aw - 1)^2, and
the largest stable learning rate of gradient descent near (1, 1).

Each checker computes its answer when it runs (closed forms, or the package's own numerics),
and its messages for a wrong answer never contain the right one.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .answers import as_array, as_count, as_real, close, type_name  # noqa: F401
from .registry import Exercise, Feedback, MalformedAnswer, register


#: Hidden units in the symmetry question (the notebook asks for H = 4).
_SYM_H = 3        # hidden units per layer in lab1.symmetries
_SYM_LAYERS = 2   # hidden layers in lab1.symmetries (the page shows one layer: a transfer question)


def _symmetry_count(h: int) -> int:
    """Weight settings of a one-hidden-layer tanh net with h units that compute one function.

    Permutations of the units (h!) times independent sign flips of each unit (2^h); see
    :func:`hardtrain.landscape.tanh_symmetries`, which lists them (Chen, Lu, Hecht-Nielsen,
    Neural Computation 1993).
    """
    return 2 ** h * math.factorial(h)


def _check_symmetries(answer) -> Feedback:
    n = as_count(answer)
    h = _SYM_H
    layers = _SYM_LAYERS
    one = _symmetry_count(h)
    truth = one ** layers
    if n == truth:
        return Feedback(True, "Each hidden layer has its own permutations and per-unit sign flips, and the "
                              "layers' moves combine freely: the counts multiply. Every minimum of this net "
                              "has that many copies, all with the same loss.")
    if n == one:
        return Feedback(False, "You counted one hidden layer's symmetries. The second hidden layer has its "
                               "own reorderings and sign flips, independent of the first.")
    if n == one * layers:
        return Feedback(False, "You added the layers' counts. Any move of one layer can be combined with any "
                               "move of the other: multiply.")
    if n == _symmetry_count(h * layers):
        return Feedback(False, "You treated all the hidden units as one layer. A unit can only trade places "
                               "with a unit of its own layer: its weights connect to specific layers.")
    if n == math.factorial(h) ** layers or n == math.factorial(h * layers):
        return Feedback(False, "You counted the reorderings of the hidden units but not the sign flips: tanh "
                               "is odd, so flipping the signs of one unit's incoming weights, bias and "
                               "outgoing weights also leaves the function unchanged.")
    if n == 2 ** (h * layers):
        return Feedback(False, "You counted the sign flips but not the reorderings of the units within each "
                               "layer.")
    if n == truth - 1:
        return Feedback(False, "Almost: you left out the trained setting itself. The question counts all "
                               "settings that compute the function, the original included.")
    if n == 2 * truth or 2 * n == truth:
        return Feedback(False, "Off by a factor of 2: each hidden unit has exactly one sign flip of its own, "
                               "and the output layer has none.")
    for other in range(1, 8):
        if n == _symmetry_count(other):
            return Feedback(False, f"That is the count for a single hidden layer of {other} units. This net has "
                                   f"{layers} hidden layers.")
    return Feedback(False, "Not the right count. Two kinds of moves leave a tanh layer's function unchanged; "
                           "count them for one hidden layer, then ask how two layers combine. "
                           "exercises.hint('lab1.symmetries') gives a nudge.")


@functools.lru_cache(maxsize=1)
def _saddle_truth() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(eigenvalues, Hessian, gradient) of (aw - 1)^2 at the origin, and the eigenvalues at the
    minimum (1, 1), all from the package (computed at the first check, then kept)."""
    import jax
    import jax.numpy as jnp

    from hardtrain import landscape

    origin = {"a": jnp.float32(0.0), "w": jnp.float32(0.0)}
    eig = np.sort(np.asarray(landscape.hessian_eigenvalues(landscape.product_loss, origin), np.float64))
    flat = jnp.zeros(2, jnp.float32)
    hess = np.asarray(jax.hessian(landscape.product_loss)(flat), np.float64)
    grad = np.asarray(jax.grad(landscape.product_loss)(flat), np.float64)
    at_min = np.sort(np.asarray(landscape.hessian_eigenvalues(
        landscape.product_loss, {"a": jnp.float32(1.0), "w": jnp.float32(1.0)}), np.float64))
    return eig, hess, grad, at_min


def _check_saddle(answer) -> Feedback:
    eig, hess, grad, at_min = _saddle_truth()
    arr = as_array(answer)
    if arr.shape == (2, 2):
        if close(arr, hess, abs_=1e-6):
            return Feedback(False, "That is the Hessian matrix itself, and it is right. The exercise asks "
                                   "for its two eigenvalues, as a pair (x, y).")
        return Feedback(False, "Give the two eigenvalues as a pair (x, y), not a matrix.")
    if arr.size != 2 or arr.ndim > 1:
        got = "one number" if arr.size == 1 else f"{arr.size} numbers (shape {arr.shape})"
        raise MalformedAnswer(f"Got {got}; give two numbers, the two eigenvalues, in any order.")
    vals = np.sort(arr.ravel())
    if close(vals, eig, abs_=1e-6):
        return Feedback(True, "One negative and one positive eigenvalue: the loss curves up along one "
                              "direction and down along another, so the origin is a saddle. A convex "
                              "function has no negative Hessian eigenvalue anywhere.")
    if close(vals, eig, abs_=1e-3):
        return Feedback(False, "Close, but not within 1e-6. These eigenvalues have exact values: compute "
                               "the Hessian by hand and take its eigenvalues exactly.")
    if close(vals, np.sort(grad), abs_=1e-6):
        return Feedback(False, "Both zero: that is the gradient at the origin (it vanishes, so the origin "
                               "is a critical point). The question asks for the eigenvalues of the Hessian, "
                               "the matrix of second derivatives.")
    entries = [np.sort(np.diag(hess)), np.sort(hess[0]), np.sort(np.abs(hess[0]))]
    if any(close(vals, e, abs_=1e-6) for e in entries):
        return Feedback(False, "Those are entries of the Hessian matrix, not its eigenvalues. Its "
                               "eigenvalues come from det(H - lambda I) = 0.")
    if close(vals, np.sort(np.abs(eig)), abs_=1e-6):
        return Feedback(False, "Both positive would make the origin a local minimum, yet (aw - 1)^2 "
                               "decreases from the origin along a = w. Check the sign of the mixed "
                               "derivative and solve det(H - lambda I) = 0 again.")
    if close(vals, np.sort(-np.abs(eig)), abs_=1e-6):
        return Feedback(False, "Both negative would make the origin a local maximum, yet (aw - 1)^2 "
                               "increases from the origin along a = -w. Solve det(H - lambda I) = 0 again.")
    if close(vals, at_min, abs_=1e-6):
        return Feedback(False, "Those are the eigenvalues at the minimum (a, w) = (1, 1). The question is "
                               "about the origin (0, 0).")
    if vals[0] < 0 < vals[1]:
        return Feedback(False, "One negative and one positive: right, that is what makes a saddle. The "
                               "sizes are off: differentiate (aw - 1)^2 twice with the chain rule, at a = w = 0.")
    return Feedback(False, "Not the eigenvalues of the Hessian at the origin. Write down the three second "
                           "derivatives of (aw - 1)^2 at a = w = 0, then solve det(H - lambda I) = 0.")


@functools.lru_cache(maxsize=1)
def _divergence_truth() -> tuple[float, float, np.ndarray]:
    """(largest stable learning rate, lambda_max, all eigenvalues) at the minimum (1, 1).

    Near a minimum, gradient descent on the quadratic model multiplies the error along each
    Hessian eigenvector by (1 - lr * lambda) per step; it is stable iff |1 - lr * lambda| < 1
    for every lambda > 0, i.e. lr < 2 / lambda_max. The zero eigenvalue (along the hyperbola of
    minima) is neutral. Computed at the first check, then kept.
    """
    from hardtrain import landscape

    eig = np.asarray(landscape.hessian_eigenvalues(
        landscape.product_loss, {"a": np.float32(1.0), "w": np.float32(1.0)}), np.float64)
    lam_max = float(np.max(eig))
    return 2.0 / lam_max, lam_max, eig


def _check_divergence(answer) -> Feedback:
    lr = as_real(answer)
    if lr <= 0:
        raise MalformedAnswer("Got a number <= 0; a learning rate is positive.")
    truth, lam_max, _ = _divergence_truth()
    if close(lr, truth, rel=0.02):
        return Feedback(True, "2 / lambda_max of the Hessian at the minimum. Below it every step shrinks "
                              "the error along the steepest direction; above it each step overshoots by "
                              "more than it corrects, and GD cannot settle at any minimum of this loss, since "
                              "none is flatter than (1, 1).")
    if close(lr, 1.0 / lam_max, rel=0.02):
        return Feedback(False, "That learning rate jumps to the bottom of the steepest direction in one step. "
                               "GD still converges with larger steps: it overshoots and oscillates with "
                               "shrinking swings as long as |1 - lr * lambda| < 1.")
    if close(lr, lam_max, rel=0.02) or close(lr, lam_max / 2.0, rel=0.02):
        return Feedback(False, "That is a curvature (or a ratio upside down), not a learning rate: the stable "
                               "step gets smaller as the curvature grows.")
    if close(lr, 2.0 / (lam_max / 2.0), rel=0.02):
        return Feedback(False, "You divided by a curvature that is not the largest eigenvalue of the Hessian "
                               "at (1, 1): perhaps a diagonal entry of the Hessian, or an eigenvalue at the "
                               "saddle. Stability is set by the steepest direction at the minimum.")
    if lr < truth:
        return Feedback(False, "At that learning rate plain GD started near (1, 1) still converges to the "
                               "minimum. The question asks for the largest rate that does. "
                               "exercises.hint('lab1.divergence') gives a nudge.")
    return Feedback(False, "At that learning rate plain GD started near (1, 1) does not settle: it overshoots "
                           "along the steepest direction, then oscillates or blows up. "
                           "exercises.hint('lab1.divergence') gives a nudge.")


register(Exercise(
    id="lab1.symmetries", lab=1,
    question=("A network f(x) = tanh(tanh(x W1 + b1) W2 + b2) W3 + b3 has two hidden layers of 3 tanh units "
              "each. For generic trained weights, how many weight settings (the trained one included) "
              "compute exactly the same function?"),
    answer_form="a whole number, e.g. exercises.check('lab1.symmetries', 10)",
    checker=_check_symmetries,
    hints=("Within one hidden layer, two kinds of moves leave the function unchanged: reorder the units "
           "(each with its weights), and flip the signs of one unit's incoming weights, bias and outgoing "
           "weights (tanh is odd). Count them for one layer of 3 units first.",
           "A move of the first hidden layer and a move of the second can be made one after the other, in "
           "any combination. How do independent choices combine?"),
))

register(Exercise(
    id="lab1.saddle", lab=1,
    question=("L(a, w) = (a w - 1)^2. What are the two eigenvalues of its Hessian at the origin "
              "(a, w) = (0, 0)? Give them as a pair, in any order."),
    answer_form="two numbers, e.g. exercises.check('lab1.saddle', (1.5, -3.0))",
    checker=_check_saddle,
    hints=("Compute the three second derivatives d2L/da2, d2L/dw2 and d2L/da dw of (a w - 1)^2, then "
           "set a = w = 0.",
           "For a symmetric 2x2 matrix the eigenvalues add up to the trace and multiply to the "
           "determinant. What does a negative determinant say about their signs?"),
))

register(Exercise(
    id="lab1.divergence", lab=1,
    question=("Plain gradient descent on L(a, w) = (a w - 1)^2, started near the minimum (a, w) = (1, 1). "
              "What is the largest learning rate for which it converges to a minimum there (above it, "
              "GD oscillates away or diverges)? Give one number."),
    answer_form="one positive number, e.g. exercises.check('lab1.divergence', 0.1)",
    checker=_check_divergence,
    hints=("Near a minimum the loss is close to a quadratic. One GD step multiplies the error along each "
           "eigenvector of the Hessian by (1 - lr * lambda); GD converges when every such factor lies "
           "strictly between -1 and 1.",
           "So the largest stable learning rate is 2 / lambda_max, with lambda_max the largest "
           "eigenvalue of the Hessian at the minimum (1, 1). Compute that Hessian by hand, or with "
           "hardtrain.landscape.hessian_eigenvalues."),
))


# --------------------------------------------------------------------------------------------
# Labs 2-4: each lab's exercises live in a module of their own (imported for their registrations)
# --------------------------------------------------------------------------------------------
