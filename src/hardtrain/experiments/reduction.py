"""Lab 2, section 1: decide a Set-Splitting instance and its Blum-Rivest training set exactly.

A hypergraph becomes labelled points (the origin +, unit vectors -, one + point per subset, and
optionally the 3-coordinate gadget). The SAT solver decides the hypergraph; the exact 3-node
solver (one LP feasibility check per assignment of the - points to a plane) decides the training
set; a network found gives a colouring back (the reverse proof), which is a splitting whenever
the gadget forces the output unit to be an AND.

References:
  A. L. Blum, R. L. Rivest, "Training a 3-node neural network is NP-complete", NIPS 1988;
  Neural Networks 5(1), 1992. M. R. Garey, D. S. Johnson, Computers and Intractability, 1979
  (Set-Splitting, problem SP4).

Examples:
    >>> from hardtrain import hardness as hd
    >>> d = decide(*hd.PAPER_EXAMPLE)
    >>> d.n_points, d.splittable, d.network is not None, d.readback_is_splitting
    (12, True, True, True)
    >>> decide(*hd.TRIANGLE).network is None
    True
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from .. import hardness as hd

__all__ = ["Decision", "decide"]


@dataclasses.dataclass(frozen=True)
class Decision:
    """What :func:`decide` found.

    Attributes:
      X: array of shape (m, d), the training points. y: array of shape (m,), labels in {-1, +1}.
      colours: a splitting from the SAT solver (n values in {0, 1}), or None (not splittable).
      sat_ms: the SAT solver's time in milliseconds.
      network: the exact solver's :class:`hardtrain.hardness.ThresholdNetwork`, or None when it
        proved that none exists (or ran out of budget: see ``budget_exceeded``).
      lps: LP feasibility checks the exact solver solved. exact_ms: its time in milliseconds.
      budget_exceeded: the exact solver's message when it ran out of time, else None.
      readback: the colouring read back from an AND/OR network (reverse proof), else None.
      readback_is_splitting: whether ``readback`` splits every subset (None without a readback).
      assignment: for a hypergraph made from a CNF formula and a splitting, the variable
        assignment read off the colouring; ``satisfied``: whether it satisfies every clause.
    """

    X: np.ndarray
    y: np.ndarray
    colours: list[int] | None
    sat_ms: float
    network: hd.ThresholdNetwork | None
    lps: int
    exact_ms: float
    budget_exceeded: str | None
    readback: list[int] | None
    readback_is_splitting: bool | None
    assignment: list[bool] | None = None
    satisfied: bool | None = None

    @property
    def n_points(self) -> int:
        """Number of training points."""
        return int(len(self.y))

    @property
    def splittable(self) -> bool:
        """Whether the SAT solver found a splitting."""
        return self.colours is not None


def decide(n_elements: int, subsets, *, gadget: bool = True, output: str = "and", budget_s: float = 20.0,
           cnf=None) -> Decision:
    """Build the training set and decide it with the SAT solver and the exact 3-node solver.

    Args:
      n_elements: elements of the hypergraph (0-based in ``subsets``).
      subsets: tuples of element indices, each of size >= 2.
      gadget: add Blum & Rivest's 3-coordinate gadget.
      output: the output unit: "and" (as in the theorem) or "any" (any threshold function of
        the two hidden units: without the gadget it can cheat).
      budget_s: the exact solver's time budget in seconds.
      cnf: ``(clauses, n_vars)`` when the hypergraph was made from a CNF formula, to read a
        satisfying assignment off the splitting.

    Returns:
      A :class:`Decision`.

    Raises:
      ValueError: an invalid instance or output.
    """
    X, y = hd.blum_rivest_dataset(n_elements, subsets, gadget=gadget)
    t0 = time.perf_counter()
    colours = hd.solve_set_splitting(n_elements, subsets)
    sat_ms = 1e3 * (time.perf_counter() - t0)
    assignment = satisfied = None
    if cnf is not None and colours is not None:
        clauses, n_vars = cnf
        assignment = hd.assignment_from_splitting(colours, n_vars)
        satisfied = hd.is_satisfied(clauses, assignment)
    t0 = time.perf_counter()
    try:
        fit = hd.fit_threshold_network(X, y, output, budget_s=budget_s, stats=True)
    except hd.BudgetExceeded as exc:
        return Decision(X, y, colours, sat_ms, None, exc.lps, 1e3 * (time.perf_counter() - t0), str(exc),
                        None, None, assignment, satisfied)
    exact_ms = 1e3 * (time.perf_counter() - t0)
    net, back, ok = fit.network, None, None
    if net is not None and net.kind in ("and", "or"):
        back = hd.splitting_from_network(n_elements, subsets, net)
        ok = hd.is_splitting(subsets, back)
    return Decision(X, y, colours, sat_ms, net, fit.lps, exact_ms, None, back, ok, assignment, satisfied)
