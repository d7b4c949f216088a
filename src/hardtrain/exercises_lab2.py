"""Lab 2 self-checks: NP-hard training (hardtrain.hardness).

Registered into :data:`hardtrain.exercises.REGISTRY` when :mod:`hardtrain.exercises` is imported.
Conventions are those of :mod:`hardtrain.exercises`: ids ``"lab2.<name>"``, answers computed when
the checker runs (import the numerics inside the checker), feedback that never states the answer.
"""

from __future__ import annotations

from hardtrain.exercises import Exercise, Feedback, MalformedAnswer, register  # noqa: F401
