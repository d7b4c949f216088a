"""Reading a learner's answer: numbers in, :class:`~hardtrain.exercises.registry.MalformedAnswer` out.

Every lab's checkers parse answers with these helpers, so that a wrong type, a wrong shape, NaN or
inf gets the same clear message everywhere (and nothing but ``MalformedAnswer`` is raised).

Examples:
    >>> from hardtrain.exercises.answers import as_real, close
    >>> as_real((0.25,))
    0.25
    >>> close(0.501, 0.5, rel=0.01)
    True
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .registry import MalformedAnswer

__all__ = ["type_name", "as_array", "as_real", "as_count", "close"]


def type_name(x) -> str:
    """The name of an answer's type, for messages (e.g. ``"str"``)."""
    return type(x).__name__


def as_array(answer) -> np.ndarray:
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
        raise MalformedAnswer(f"Got a {type_name(answer)}; give a number or a tuple of numbers.")
    if isinstance(answer, numbers.Real):  # int, float, Fraction, NumPy and SymPy real scalars
        try:
            x = float(answer)
        except (TypeError, ValueError, OverflowError):
            raise MalformedAnswer(f"Could not read a {type_name(answer)} as a number.") from None
        if not math.isfinite(x):
            raise MalformedAnswer("The answer is NaN or inf.")
        return np.asarray(x, np.float64)
    try:
        arr = np.asarray(answer)
        if arr.dtype.kind == "O":  # e.g. a tuple of Fractions or SymPy numbers
            arr = arr.astype(np.float64)
    except Exception:  # noqa: BLE001 - ragged lists, complex SymPy numbers, exotic objects
        raise MalformedAnswer(f"Could not read a {type_name(answer)} as real numbers.") from None
    if arr.dtype == bool or arr.dtype.kind in "USV":
        raise MalformedAnswer(f"Could not read a {type_name(answer)} as plain numbers.")
    if arr.dtype.kind == "c":
        raise MalformedAnswer("Got a complex number; give real numbers.")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise MalformedAnswer("The answer contains NaN or inf.")
    return arr


def as_real(answer) -> float:
    """One real number from any scalar or one-element sequence/array.

    Raises:
      MalformedAnswer: not exactly one finite real number.
    """
    arr = as_array(answer)
    if arr.size != 1:
        raise MalformedAnswer(f"Got {arr.size} numbers (shape {arr.shape}); give a single number.")
    return float(arr.reshape(()))


def as_count(answer) -> int:
    """A whole number >= 1 (a count).

    Raises:
      MalformedAnswer: not a single finite number, a fractional part, or below 1.
    """
    x = as_real(answer)
    if x != math.floor(x):
        raise MalformedAnswer("Got a number with a fractional part; a count is a whole number.")
    if x < 1:
        raise MalformedAnswer("Got a number below 1; a count of weight settings is at least 1.")
    return int(x)


def close(x, y, rel: float = 0.0, abs_: float = 0.0) -> bool:
    """Whether every entry of ``x`` lies within ``abs_ + rel * |y|`` of ``y`` (same shapes)."""
    return bool(np.all(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64))
                       <= abs_ + rel * np.abs(np.asarray(y, np.float64))))
