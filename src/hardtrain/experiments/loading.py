"""Lab 2, part 2, section 4: Judd's loading problem on tiny instances, decided by brute force.

For XOR and the triangle's Blum-Rivest training set (with the gadget): how many examples can a
perceptron and a 3-node network get right, and can they load all of them, or two thirds?

References:
  J. S. Judd, "Learning in networks is hard", IEEE ICNN 1987; Neural Network Design and the
  Complexity of Learning, MIT Press 1990.

Examples:
    >>> rows = table()
    >>> [(r.instance, r.architecture, r.best_correct, r.n_examples) for r in rows][:2]
    [('XOR', 'perceptron', 3, 4), ('XOR', '3-node', 4, 4)]
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import hardness as hd

__all__ = ["LoadingRow", "instances", "table"]


@dataclasses.dataclass(frozen=True)
class LoadingRow:
    """One (instance, architecture) of the table.

    Attributes:
      instance: its name. architecture: "perceptron" or "3-node". n_examples: examples.
      best_correct: the most examples any weights classify correctly.
      loadable_all: whether all are loadable. loadable_two_thirds: whether 2/3 are.
    """

    instance: str
    architecture: str
    n_examples: int
    best_correct: int
    loadable_all: bool
    loadable_two_thirds: bool


def instances() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The two instances: XOR (4 points) and the triangle's training set with the gadget (13)."""
    xor = (np.array([[0, 0], [1, 0], [0, 1], [1, 1]]), np.array([-1, 1, 1, -1]))
    return {"XOR": xor, "triangle + gadget": hd.blum_rivest_dataset(*hd.TRIANGLE, gadget=True)}


def table() -> list[LoadingRow]:
    """Decide the loading problem (all, and 2/3 of the examples) for each instance and architecture."""
    rows = []
    for name, (X, y) in instances().items():
        for arch in hd.ARCHITECTURES:
            full = hd.loading_problem(X, y, arch, 1.0)
            two = hd.loading_problem(X, y, arch, 2 / 3)
            rows.append(LoadingRow(name, arch, int(len(y)), int(full.best_correct), bool(full.loadable),
                                   bool(two.loadable)))
    return rows
