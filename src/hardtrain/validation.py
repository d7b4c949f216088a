"""Argument checks at the public boundary, written once: what was expected, and what came.

The core's public functions validate their inputs here, so that every bad input gets the same
kind of message (a ``ValueError`` naming the argument, the expected form and the value received)
and a dashboard can show it next to the control that caused it.

Examples:
    >>> X, y = check_xy([[0.0, 1.0], [1.0, 0.0]], [0, 1])
    >>> X.shape, y.tolist()
    ((2, 2), [-1, 1])
    >>> check_xy([[0.0, 1.0]], [0, 1])
    Traceback (most recent call last):
    ...
    ValueError: y must have shape (1,) to match X, got (2,)
"""

from __future__ import annotations

import numbers
from collections.abc import Collection

import numpy as np

__all__ = ["check_xy", "check_int", "check_positive", "check_choice"]


def check_xy(X, y, *, labels: str = "01_or_pm1") -> tuple[np.ndarray, np.ndarray]:
    """A labelled binary dataset as float64 inputs and labels in {-1, +1}.

    Args:
      X: array-like of shape (n_samples, n_features), finite real entries, n_samples >= 1 and
        n_features >= 1.
      y: array-like of shape (n_samples,), binary labels.
      labels: ``"01_or_pm1"`` accepts {0, 1} (0 becomes -1) or {-1, +1}; ``"pm1"`` accepts only
        {-1, +1}.

    Returns:
      ``(X, y)``: X as a float64 array of shape (n_samples, n_features), y as an int64 array of
      shape (n_samples,) with values in {-1, +1}.

    Raises:
      ValueError: X not two-dimensional or empty, y of another length, NaN or inf in X, or a
        label outside the accepted set.

    Examples:
      Labels {0, 1} become {-1, +1}; ``labels="pm1"`` refuses them:

      >>> X, y = check_xy([[0, 1], [2, 3]], [1, 0])
      >>> X.dtype, y.tolist()
      (dtype('float64'), [1, -1])
      >>> check_xy([[0, 1], [2, 3]], [1, 0], labels="pm1")
      Traceback (most recent call last):
      ...
      ValueError: labels must be -1 or +1, got values [0, 1]
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must have shape (n_samples, n_features) with both >= 1, got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    try:
        X = X.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"X must hold real numbers, got dtype {X.dtype}") from None
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or inf")
    vals = set(np.unique(y).tolist())
    if vals <= {-1, 1}:
        return X, y.astype(np.int64)
    if labels == "01_or_pm1" and vals <= {0, 1}:
        return X, 2 * y.astype(np.int64) - 1
    accepted = "-1 or +1" if labels == "pm1" else "in {0, 1} or {-1, +1}"
    raise ValueError(f"labels must be {accepted}, got values {sorted(vals)[:6]}")


def check_int(name: str, value, minimum: int = 1) -> int:
    """A whole number of at least ``minimum`` (counts: steps, restarts, widths, seeds).

    Args:
      name: the argument's name, for the message.
      value: what was passed (an ``int``, a NumPy integer, or an integral float such as 4.0).
      minimum: the smallest accepted value.

    Returns:
      ``int(value)``.

    Raises:
      ValueError: a bool, a non-number, a fractional number, or a value below ``minimum``.

    Examples:
      >>> check_int("steps", 4.0)
      4
      >>> check_int("steps", 2.5)
      Traceback (most recent call last):
      ...
      ValueError: steps must be an integer >= 1, got 2.5
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != int(value) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive(name: str, value) -> float:
    """A finite real number > 0 (learning rates, budgets, scales).

    Args:
      name: the argument's name, for the message.
      value: what was passed.

    Returns:
      ``float(value)``.

    Raises:
      ValueError: a bool, a non-number, NaN, inf, or a value <= 0.

    Examples:
      >>> check_positive("learning_rate", 1)
      1.0
      >>> check_positive("learning_rate", float("nan"))
      Traceback (most recent call last):
      ...
      ValueError: learning_rate must be a finite number > 0, got nan
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or not value > 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_choice(name: str, value, choices: Collection) -> object:
    """One of a fixed set of options.

    Args:
      name: the argument's name, for the message.
      value: what was passed.
      choices: the accepted values.

    Returns:
      ``value`` unchanged.

    Raises:
      ValueError: ``value`` is not in ``choices``; the message lists them.

    Examples:
      >>> check_choice("output", "and", ("any", "and"))
      'and'
      >>> check_choice("output", "or", ("any", "and"))
      Traceback (most recent call last):
      ...
      ValueError: output must be one of 'any', 'and', got 'or'
    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    return value
