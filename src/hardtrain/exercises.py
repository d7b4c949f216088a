"""Self-checks for the labs: feedback on an answer without ever printing the answer.

A learner types, in a notebook cell or a Python prompt::

    from hardtrain import exercises
    exercises.list_exercises(lab=1)           # [(id, question), ...]
    exercises.check("lab1.symmetries", 10)    # -> Feedback: correct or not, and a targeted hint
    exercises.hint("lab1.symmetries")         # a nudge, not the answer

Design:
  - The expected answers are not stored as literals. Each checker computes its answer when it
    runs, from a closed form or from the package's own numerics (e.g. the Hessian eigenvalues
    of :func:`hardtrain.landscape.product_loss` from :func:`hardtrain.landscape.hessian_eigenvalues`),
    so the checks stay true to the code the dashboards run. Reading this file tells a learner
    *how* to compute an answer, which is the exercise anyway.
  - :func:`check` never raises: an unknown id, an answer of the wrong type or shape, NaN or inf,
    or a failure inside a checker all come back as a :class:`Feedback` that says what form of
    answer is expected.
  - A wrong answer that matches a known mistake (e.g. counting permutations but not sign flips)
    gets a message aimed at that mistake; no message for a wrong answer contains the answer.
  - Labs 2-4 add their exercises with :func:`register` (one :class:`Exercise` each, id
    ``"lab<N>.<name>"``) in their own modules, ``hardtrain.exercises_lab2`` .. ``_lab4``,
    imported at the end of this one (so ``check("lab2....")`` works after importing only this
    module). Those modules import their numerics inside the checkers, keeping this import light.

This is a core module: it imports neither ipywidgets nor plotly. :class:`Feedback` renders
itself in a notebook through ``_repr_html_``.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
import numbers
import re
from typing import Any, Callable

import numpy as np

__all__ = ["Feedback", "Exercise", "REGISTRY", "register", "check", "hint", "list_exercises"]


# --------------------------------------------------------------------------------------------
# Feedback and the registry
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Feedback:
    """The result of :func:`check`.

    Attributes:
      correct: True when the answer is accepted.
      message: one or two sentences for the learner; never contains the expected answer
        when ``correct`` is False.

    ``bool(feedback)`` is ``feedback.correct``; in a notebook it renders as a green (correct) or
    red (not yet) box, with the message HTML-escaped.
    """

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return bool(self.correct)

    def __str__(self) -> str:
        return f"{'Correct' if self.correct else 'Not yet'}: {self.message}"

    def _repr_html_(self) -> str:
        if self.correct:
            mark, title, fg, bg, edge, cls = "\u2714", "Correct.", "#1b5e20", "#e8f5e9", "#2e7d32", "ht-correct"
        else:
            mark, title, fg, bg, edge, cls = "\u2718", "Not yet.", "#8e0000", "#fdecea", "#c62828", "ht-wrong"
        # Explicit colours on an explicit background: readable in light and dark themes.
        return (f'<div class="ht-feedback {cls}" role="status" style="border-left: 4px solid {edge}; '
                f'background: {bg}; color: {fg}; padding: 0.4em 0.8em; margin: 0.3em 0;">'
                f'<span aria-hidden="true">{mark}</span> <b>{title}</b> {html.escape(self.message)}</div>')


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One self-check.

    Attributes:
      id: ``"lab<N>.<name>"``, e.g. ``"lab1.symmetries"``.
      lab: the lab number N (must agree with ``id``).
      question: the question as the learner reads it.
      answer_form: what kind of answer is expected, e.g. "a whole number"; used in the
        message for a malformed answer.
      checker: ``answer -> Feedback``. It may raise :class:`MalformedAnswer` (turned into a
        message about the expected form); any other exception is caught by :func:`check`.
      hints: nudges from gentle to strong; :func:`hint` returns them in order.
    """

    id: str
    lab: int
    question: str
    answer_form: str
    checker: Callable[[Any], Feedback]
    hints: tuple[str, ...]


class MalformedAnswer(ValueError):
    """Raised by a checker when the answer has the wrong type, shape or value range."""


#: All registered exercises, by id, in registration order.
REGISTRY: dict[str, Exercise] = {}

_ID = re.compile(r"^lab(\d+)\.[a-z][a-z0-9_]*$")


def register(exercise: Exercise, *, replace: bool = False) -> Exercise:
    """Add an exercise to :data:`REGISTRY`.

    Args:
      exercise: the :class:`Exercise`.
      replace: allow replacing an exercise with the same id.
    Returns:
      The exercise (so that it can be kept in a module-level name).
    Raises:
      ValueError: the id is not ``"lab<N>.<name>"`` (lower case), disagrees with
        ``exercise.lab``, is already registered (and ``replace`` is False), or the exercise
        has no hint.
    """
    m = _ID.match(exercise.id)
    if not m:
        raise ValueError(f"exercise id must look like 'lab1.symmetries', got {exercise.id!r}")
    if int(m.group(1)) != exercise.lab:
        raise ValueError(f"exercise id {exercise.id!r} does not match lab={exercise.lab}")
    if exercise.id in REGISTRY and not replace:
        raise ValueError(f"exercise {exercise.id!r} is already registered")
    if not exercise.hints:
        raise ValueError(f"exercise {exercise.id!r} needs at least one hint")
    REGISTRY[exercise.id] = exercise
    return exercise


def _unknown(exercise_id) -> str:
    known = ", ".join(REGISTRY) or "none"
    return f"There is no exercise {exercise_id!r}. Known exercises: {known}."


def check(exercise_id: str, answer) -> Feedback:
    """Check an answer and say whether it is right, without revealing the right one.

    Args:
      exercise_id: e.g. ``"lab1.symmetries"`` (see :func:`list_exercises`).
      answer: the learner's answer; its expected form is given by the exercise's question.
    Returns:
      A :class:`Feedback`. Never raises: an unknown id or a malformed answer (wrong type,
      wrong shape, NaN or inf) gives ``Feedback(False, <what is expected>)``.
    """
    if not isinstance(exercise_id, str) or exercise_id not in REGISTRY:
        return Feedback(False, _unknown(exercise_id))
    ex = REGISTRY[exercise_id]
    try:
        fb = ex.checker(answer)
    except MalformedAnswer as e:
        return Feedback(False, f"{e} Expected: {ex.answer_form}.")
    except Exception as e:  # noqa: BLE001 - a self-check must never crash a learner's notebook
        return Feedback(False, f"Could not check this answer ({type(e).__name__}). "
                               f"Expected: {ex.answer_form}.")
    if not isinstance(fb, Feedback):
        return Feedback(False, f"Could not check this answer. Expected: {ex.answer_form}.")
    return fb


def hint(exercise_id: str, level: int = 0) -> str:
    """A hint for an exercise, from gentle (``level=0``) to strong; never the answer.

    Args:
      exercise_id: e.g. ``"lab1.saddle"``.
      level: 0 for the first hint, 1 for the next, ...; levels past the last give the last.
    Returns:
      The hint, or a message listing the known ids when ``exercise_id`` is unknown.
    """
    ex = REGISTRY.get(exercise_id) if isinstance(exercise_id, str) else None
    if ex is None:
        return _unknown(exercise_id)
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    return ex.hints[min(max(level, 0), len(ex.hints) - 1)]


def list_exercises(lab: int | None = None) -> list[tuple[str, str]]:
    """The registered exercises as ``(id, question)`` pairs, in lab order.

    Args:
      lab: a lab number (1-4) to list only that lab's exercises; None for all.
    Returns:
      A list of ``(id, question)``; empty when the lab has no exercises (yet).
    Raises:
      ValueError: ``lab`` is neither None nor a whole number.
    """
    if lab is not None and (isinstance(lab, bool) or not isinstance(lab, numbers.Integral)):
        raise ValueError(f"lab must be a lab number such as 1, or None for all; got {lab!r}")
    exs = sorted(REGISTRY.values(), key=lambda e: e.lab)  # stable: registration order within a lab
    return [(e.id, e.question) for e in exs if lab is None or e.lab == int(lab)]


# --------------------------------------------------------------------------------------------
# Parsing answers: say what form is expected, never raise anything but MalformedAnswer
# --------------------------------------------------------------------------------------------

def _type_name(x) -> str:
    return type(x).__name__


def _as_array(answer) -> np.ndarray:
    """Any number, sequence of numbers, NumPy or JAX array -> float64 array, or MalformedAnswer."""
    if answer is None:
        raise MalformedAnswer("No answer given (None).")
    if isinstance(answer, (str, bytes)):
        raise MalformedAnswer("The answer is text; give numbers, without quotes.")
    if isinstance(answer, bool) or (isinstance(answer, np.ndarray) and answer.dtype == bool):
        raise MalformedAnswer("The answer is True/False; give numbers.")
    if isinstance(answer, dict):
        raise MalformedAnswer("Got a dict; give numbers (for SymPy's eigenvals(), which returns "
                              "{eigenvalue: multiplicity}, pass list(...) of it).")
    if isinstance(answer, (set, frozenset)):
        raise MalformedAnswer(f"Got a {_type_name(answer)}; give a number or a tuple of numbers.")
    if isinstance(answer, numbers.Real):  # int, float, Fraction, NumPy and SymPy real scalars
        try:
            x = float(answer)
        except (TypeError, ValueError, OverflowError):
            raise MalformedAnswer(f"Could not read a {_type_name(answer)} as a number.") from None
        if not math.isfinite(x):
            raise MalformedAnswer("The answer is NaN or inf.")
        return np.asarray(x, np.float64)
    try:
        arr = np.asarray(answer)
        if arr.dtype.kind == "O":  # e.g. a tuple of Fractions or SymPy numbers
            arr = arr.astype(np.float64)
    except Exception:  # noqa: BLE001 - ragged lists, complex SymPy numbers, exotic objects
        raise MalformedAnswer(f"Could not read a {_type_name(answer)} as real numbers.") from None
    if arr.dtype == bool or arr.dtype.kind in "USV":
        raise MalformedAnswer(f"Could not read a {_type_name(answer)} as plain numbers.")
    if arr.dtype.kind == "c":
        raise MalformedAnswer("Got a complex number; give real numbers.")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise MalformedAnswer("The answer contains NaN or inf.")
    return arr


def _as_real(answer) -> float:
    arr = _as_array(answer)
    if arr.size != 1:
        raise MalformedAnswer(f"Got {arr.size} numbers (shape {arr.shape}); give a single number.")
    return float(arr.reshape(()))


def _as_count(answer) -> int:
    x = _as_real(answer)
    if x != math.floor(x):
        raise MalformedAnswer("Got a number with a fractional part; a count is a whole number.")
    if x < 1:
        raise MalformedAnswer("Got a number below 1; a count of weight settings is at least 1.")
    return int(x)


def _close(x, y, rel: float = 0.0, abs_: float = 0.0) -> bool:
    return bool(np.all(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64))
                       <= abs_ + rel * np.abs(np.asarray(y, np.float64))))


# --------------------------------------------------------------------------------------------
# Lab 1: convex vs non-convex
# --------------------------------------------------------------------------------------------

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
    n = _as_count(answer)
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

    from . import landscape

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
    arr = _as_array(answer)
    if arr.shape == (2, 2):
        if _close(arr, hess, abs_=1e-6):
            return Feedback(False, "That is the Hessian matrix itself, and it is right. The exercise asks "
                                   "for its two eigenvalues, as a pair (x, y).")
        return Feedback(False, "Give the two eigenvalues as a pair (x, y), not a matrix.")
    if arr.size != 2 or arr.ndim > 1:
        got = "one number" if arr.size == 1 else f"{arr.size} numbers (shape {arr.shape})"
        raise MalformedAnswer(f"Got {got}; give two numbers, the two eigenvalues, in any order.")
    vals = np.sort(arr.ravel())
    if _close(vals, eig, abs_=1e-6):
        return Feedback(True, "One negative and one positive eigenvalue: the loss curves up along one "
                              "direction and down along another, so the origin is a saddle. A convex "
                              "function has no negative Hessian eigenvalue anywhere.")
    if _close(vals, eig, abs_=1e-3):
        return Feedback(False, "Close, but not within 1e-6. These eigenvalues have exact values: compute "
                               "the Hessian by hand and take its eigenvalues exactly.")
    if _close(vals, np.sort(grad), abs_=1e-6):
        return Feedback(False, "Both zero: that is the gradient at the origin (it vanishes, so the origin "
                               "is a critical point). The question asks for the eigenvalues of the Hessian, "
                               "the matrix of second derivatives.")
    entries = [np.sort(np.diag(hess)), np.sort(hess[0]), np.sort(np.abs(hess[0]))]
    if any(_close(vals, e, abs_=1e-6) for e in entries):
        return Feedback(False, "Those are entries of the Hessian matrix, not its eigenvalues. Its "
                               "eigenvalues come from det(H - lambda I) = 0.")
    if _close(vals, np.sort(np.abs(eig)), abs_=1e-6):
        return Feedback(False, "Both positive would make the origin a local minimum, yet (aw - 1)^2 "
                               "decreases from the origin along a = w. Check the sign of the mixed "
                               "derivative and solve det(H - lambda I) = 0 again.")
    if _close(vals, np.sort(-np.abs(eig)), abs_=1e-6):
        return Feedback(False, "Both negative would make the origin a local maximum, yet (aw - 1)^2 "
                               "increases from the origin along a = -w. Solve det(H - lambda I) = 0 again.")
    if _close(vals, at_min, abs_=1e-6):
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
    from . import landscape

    eig = np.asarray(landscape.hessian_eigenvalues(
        landscape.product_loss, {"a": np.float32(1.0), "w": np.float32(1.0)}), np.float64)
    lam_max = float(np.max(eig))
    return 2.0 / lam_max, lam_max, eig


def _check_divergence(answer) -> Feedback:
    lr = _as_real(answer)
    if lr <= 0:
        raise MalformedAnswer("Got a number <= 0; a learning rate is positive.")
    truth, lam_max, _ = _divergence_truth()
    if _close(lr, truth, rel=0.02):
        return Feedback(True, "2 / lambda_max of the Hessian at the minimum. Below it every step shrinks "
                              "the error along the steepest direction; above it each step overshoots by "
                              "more than it corrects, and GD cannot settle at any minimum of this loss, since "
                              "none is flatter than (1, 1).")
    if _close(lr, 1.0 / lam_max, rel=0.02):
        return Feedback(False, "That learning rate jumps to the bottom of the steepest direction in one step. "
                               "GD still converges with larger steps: it overshoots and oscillates with "
                               "shrinking swings as long as |1 - lr * lambda| < 1.")
    if _close(lr, lam_max, rel=0.02) or _close(lr, lam_max / 2.0, rel=0.02):
        return Feedback(False, "That is a curvature (or a ratio upside down), not a learning rate: the stable "
                               "step gets smaller as the curvature grows.")
    if _close(lr, 2.0 / (lam_max / 2.0), rel=0.02):
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

from hardtrain import exercises_lab2, exercises_lab3, exercises_lab4  # noqa: E402,F401  (registers)
