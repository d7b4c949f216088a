"""Lab 3 self-checks: overparameterisation and the price of accuracy (hardtrain.overparam, hardtrain.compute).

Registered into :data:`hardtrain.exercises.REGISTRY` when :mod:`hardtrain.exercises` is imported.
Conventions are those of :mod:`hardtrain.exercises`: ids ``"lab3.<name>"``, answers computed when
the checker runs (import the numerics inside the checker), feedback that never states the answer.
"""

from __future__ import annotations

from hardtrain.exercises import Exercise, Feedback, MalformedAnswer, register  # noqa: F401
