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
  - Layout: :mod:`~hardtrain.exercises.registry` (the registry and the three calls),
    :mod:`~hardtrain.exercises.answers` (parsing an answer, with clear messages), and one module
    per lab (:mod:`~hardtrain.exercises.lab1` .. ``lab4``) that registers that lab's exercises
    with :func:`register` (id ``"lab<N>.<name>"``). This package imports them all, so
    ``check("lab2....")`` works after ``from hardtrain import exercises``. The lab modules import
    their numerics inside the checkers, keeping this import light.

This is a core module: it imports neither ipywidgets nor plotly. :class:`Feedback` renders
itself in a notebook through ``_repr_html_``.
"""

from __future__ import annotations

from . import lab1, lab2, lab3, lab4  # noqa: F401  (each registers its lab's exercises)
from .registry import REGISTRY, Exercise, Feedback, MalformedAnswer, check, hint, list_exercises, register

__all__ = ["Feedback", "Exercise", "MalformedAnswer", "REGISTRY", "register", "check", "hint", "list_exercises"]
