"""Judd's loading problem on tiny instances: can an architecture be loaded with these examples?

Loading problem (Judd, "Learning in networks is hard", IEEE ICNN 1987, 685-692; "Neural Network
Design and the Complexity of Learning", MIT Press 1990): given a network architecture and
training examples, do weights exist under which the network is correct on every example? Judd
shows it NP-complete, and NP-complete still when only two thirds of the examples must be
correct. His hard networks form a family whose wiring is irregular and grows with the input; no
single fixed network is shown hard. Blum & Rivest's 3-node result (NIPS 1988) is the fixed,
regular counterpart.

Here the question is answered exactly, by brute force over subsets of the examples, for two
architectures: a single threshold unit ("perceptron", LP feasibility: polynomial) and Blum &
Rivest's 3-node network ("3-node", :func:`fit_threshold_network`, exponential). Only for
tiny instances (at most 14 examples).
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from .blum_rivest import ThresholdNetwork, _check_xy, fit_single_plane, fit_threshold_network

__all__ = ["LoadingResult", "loading_problem", "ARCHITECTURES"]

#: Architectures accepted by :func:`loading_problem`.
ARCHITECTURES = ("perceptron", "3-node")


@dataclasses.dataclass(frozen=True)
class LoadingResult:
    """Outcome of :func:`loading_problem`.

    Attributes:
      loadable: some weights are correct on at least ``required`` examples.
      required: ceil(fraction * m). best_correct: the largest number of examples any weights get
        right. correct: bool array of shape (m,), the examples a best network gets right.
      network: that network (a :class:`ThresholdNetwork`). checks: feasibility problems solved.
    """

    loadable: bool
    required: int
    best_correct: int
    correct: np.ndarray
    network: ThresholdNetwork | None
    checks: int


def loading_problem(X, y, architecture: str = "3-node", fraction: float = 1.0) -> LoadingResult:
    """Decide Judd's loading problem exactly for a tiny instance (brute force over subsets).

    Tries subsets of the examples from the largest down; the first size at which some subset
    can be classified exactly is the best achievable number of correct examples.

    Args:
      X: array of shape (m, d), m <= 14 examples.
      y: array of shape (m,), labels in {-1, +1}.
      architecture: "perceptron" or "3-node" (see :data:`ARCHITECTURES`).
      fraction: the share of examples that must be correct, in (0, 1]; Judd's theorem holds
        already for 2/3.

    Returns:
      A :class:`LoadingResult`.

    Raises:
      ValueError: bad shapes or labels, m > 14, unknown architecture, fraction outside (0, 1].

    References:
      Judd, "Learning in networks is hard", IEEE ICNN 1987; "Neural Network Design and the
      Complexity of Learning", MIT Press 1990.

    Examples:
      A perceptron gets at most 3 of the 4 XOR examples right; the 3-node network all 4:

      >>> import numpy as np
      >>> X, y = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), [-1, 1, 1, -1]
      >>> r = loading_problem(X, y, "perceptron")
      >>> r.loadable, r.best_correct, r.required
      (False, 3, 4)
      >>> loading_problem(X, y, "perceptron", fraction=0.75).loadable
      True
      >>> loading_problem(X, y, "3-node").best_correct
      4
    """
    X, y = _check_xy(X, y)
    m = X.shape[0]
    if m > 14:
        raise ValueError(f"brute force over subsets is for tiny instances: m <= 14 examples, got {m}")
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must lie in (0, 1], got {fraction!r}")
    required = math.ceil(fraction * m - 1e-12)
    checks = 0
    for size in range(m, 0, -1):
        for sub in itertools.combinations(range(m), size):
            idx = list(sub)
            checks += 1
            if architecture == "perceptron":
                if len(set(y[idx].tolist())) == 1:
                    net = ThresholdNetwork(np.zeros((2, X.shape[1])), np.zeros(2), np.zeros(2),
                                           float(y[idx[0]]), "constant")
                else:
                    net = fit_single_plane(X[idx], y[idx])
            else:
                net = fit_threshold_network(X[idx], y[idx], output="any")
            if net is not None:
                correct = net.predict(X) == y
                return LoadingResult(int(correct.sum()) >= required, required, int(correct.sum()),
                                     correct, net, checks)
    return LoadingResult(required <= 0, required, 0, np.zeros(m, bool), None, checks)
