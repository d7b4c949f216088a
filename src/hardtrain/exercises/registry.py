"""The exercise registry: :class:`Exercise`, :class:`Feedback`, and the learner's three calls.

:func:`check` says whether an answer is right without revealing the right one and never raises;
:func:`hint` gives a nudge; :func:`list_exercises` lists the questions. Each lab's module
(:mod:`hardtrain.exercises.lab1` .. ``lab4``) adds its exercises with :func:`register`.

This is a core module: it imports neither ipywidgets nor plotly. :class:`Feedback` renders
itself in a notebook through ``_repr_html_``.
"""

from __future__ import annotations

import dataclasses
import html
import numbers
import re
from typing import Any, Callable

__all__ = ["Feedback", "Exercise", "MalformedAnswer", "REGISTRY", "register", "check", "hint", "list_exercises"]


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
