"""Lab 4 self-checks: pruning (hardtrain.pruning).

Registered into :data:`hardtrain.exercises.REGISTRY` when :mod:`hardtrain.exercises` is imported.
Conventions are those of :mod:`hardtrain.exercises`: ids ``"lab4.<name>"``, answers computed when
the checker runs (import the numerics inside the checker), feedback that never states the answer.
"""

from __future__ import annotations

from hardtrain.exercises import Exercise, Feedback, MalformedAnswer, register  # noqa: F401
