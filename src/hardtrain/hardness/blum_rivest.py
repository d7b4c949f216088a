"""Blum & Rivest's reduction: Set-Splitting -> training a 3-node threshold network, both ways.

Network (Blum & Rivest, "Training a 3-node neural network is NP-complete", NIPS 1 (1988)
494-501; Neural Networks 5(1):117-127, 1992): two hidden linear threshold units N1, N2 that see
all n inputs and an output threshold unit N3 that sees only N1 and N2. A threshold unit outputs
+1 if a0 + sum_j a_j z_j > 0, else -1.

The exact solver enumerates, for every negative point, which hidden plane cuts it off, and
checks each case with linear-programming feasibility (SciPy's HiGHS; Huangfu & Hall, Math. Prog.
Comp. 2018). It backtracks as soon as one plane's set of negatives becomes infeasible, and
reuses a plane's last solution when it already cuts off the next negative; in the worst case it
still solves about 2^|negatives| LPs: that exponential growth is what the lab shows.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from ..validation import check_xy
from .setsplitting import is_splitting, validate_instance

__all__ = ["blum_rivest_dataset", "ThresholdNetwork", "ExactFit", "BudgetExceeded",
           "fit_threshold_network", "fit_single_plane", "network_from_splitting",
           "splitting_from_network", "GADGET_POSITIVE", "GADGET_NEGATIVE"]

#: The gadget's 3 extra coordinates: + points and - points (Blum & Rivest 1988, section 4).
GADGET_POSITIVE = ((1, 0, 1), (0, 1, 1))
GADGET_NEGATIVE = ((1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1))


def blum_rivest_dataset(n_elements, subsets, gadget: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The training set that Blum & Rivest build from a Set-Splitting instance.

    Points in {0,1}^n: the origin labelled +1; each unit vector e_i labelled -1; for each subset
    c_j the point with ones exactly on c_j labelled +1. With ``gadget=True`` three coordinates
    are appended (earlier points padded with 000) and six points added: + at (0..0,1,0,1),
    (0..0,0,1,1); - at (0..0,1,0,0), (0..0,0,1,0), (0..0,0,0,1), (0..0,1,1,1). The gadget forces
    an unrestricted output unit to act as an AND, so that the instance is splittable iff some
    3-node network classifies every point (NIPS 1988, Theorem 2 and section 4).

    Args:
      n_elements: n >= 1; elements are 0..n-1.
      subsets: list of subsets (each with >= 2 elements), see :func:`validate_instance`.
      gadget: append the 3-coordinate gadget (default True).

    Returns:
      X: int array of shape (m, n) or (m, n + 3) with entries 0/1, m = 1 + n + len(subsets)
        (+ 6 with the gadget), in the order origin, e_0..e_{n-1}, subsets, gadget points.
      y: int array of shape (m,) with entries in {-1, +1}.

    Raises:
      ValueError: an invalid instance (out-of-range element, empty or one-element subset,
        non-integer element).

    References:
      Blum, Rivest, "Training a 3-node neural network is NP-complete", NIPS 1988; Neural
      Networks 5(1), 1992.

    Examples:
      The paper's example S = {1,2,3}, C = {{1,2},{2,3}} (``PAPER_EXAMPLE``, 0-based) gives
      + points 000, 110, 011 and - points 100, 010, 001:

      >>> from hardtrain.hardness.setsplitting import PAPER_EXAMPLE
      >>> X, y = blum_rivest_dataset(*PAPER_EXAMPLE, gadget=False)
      >>> X.tolist(), y.tolist()
      ([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1]], [1, -1, -1, -1, 1, 1])
      >>> blum_rivest_dataset(*PAPER_EXAMPLE)[0].shape  # 6 + 6 gadget points, 3 + 3 coordinates
      (12, 6)
    """
    n, subs = validate_instance(n_elements, subsets)
    rows = [np.zeros(n, np.int64)]
    labels = [1]
    for i in range(n):
        e = np.zeros(n, np.int64)
        e[i] = 1
        rows.append(e)
        labels.append(-1)
    for s in subs:
        p = np.zeros(n, np.int64)
        p[list(s)] = 1
        rows.append(p)
        labels.append(1)
    X = np.stack(rows)
    y = np.array(labels, np.int64)
    if gadget:
        X = np.hstack([X, np.zeros((X.shape[0], 3), np.int64)])
        extra = [(g, 1) for g in GADGET_POSITIVE] + [(g, -1) for g in GADGET_NEGATIVE]
        G = np.zeros((len(extra), n + 3), np.int64)
        for r, (g, _) in enumerate(extra):
            G[r, n:] = g
        X = np.vstack([X, G])
        y = np.concatenate([y, np.array([lab for _, lab in extra], np.int64)])
    return X, y


def _step(z) -> np.ndarray:
    """Threshold unit: +1 where z > 0, else -1."""
    return np.where(np.asarray(z) > 0, 1, -1)


@dataclasses.dataclass(frozen=True)
class ThresholdNetwork:
    """A 3-node network of linear threshold units (Blum & Rivest 1988).

    Hidden unit k outputs h_k = +1 if W[k] . x + b[k] > 0 else -1 (k = 0, 1); the output is
    +1 if v . h + v0 > 0 else -1. Any Boolean function of (h_0, h_1) that a threshold unit
    computes is reachable with suitable (v, v0): AND is v = (1, 1), v0 = -1; OR is v = (1, 1),
    v0 = +1; unit 0 alone is v = (1, 0), v0 = 0; a constant is v = (0, 0), v0 = +-1.

    Attributes:
      W: array of shape (2, d), the hidden units' weights. b: array of shape (2,), their biases.
      v: array of shape (2,), the output unit's weights. v0: its bias (float).
      kind: how the network was found: "and", "or", "single" or "constant".
    """

    W: np.ndarray
    b: np.ndarray
    v: np.ndarray
    v0: float
    kind: str = "and"

    def hidden(self, X) -> np.ndarray:
        """Hidden outputs in {-1, +1}, shape (m, 2), for X of shape (m, d)."""
        return _step(np.asarray(X, np.float64) @ self.W.T + self.b)

    def preactivations(self, X) -> np.ndarray:
        """W x + b for each point: array of shape (m, 2) (positions relative to the two planes)."""
        return np.asarray(X, np.float64) @ self.W.T + self.b

    def predict(self, X) -> np.ndarray:
        """Network output in {-1, +1}: int array of shape (m,) for X of shape (m, d).

        Raises:
          ValueError: X not of shape (m, d) with d = W.shape[1].
        """
        X = np.asarray(X, np.float64)
        if X.ndim != 2 or X.shape[1] != self.W.shape[1]:
            raise ValueError(f"X must have shape (m, {self.W.shape[1]}), got {X.shape}")
        return _step(self.hidden(X) @ self.v + self.v0).astype(np.int64)


class BudgetExceeded(ValueError):
    """The exact solver stopped at its time budget; the message gives the work done and left.

    Attributes:
      lps: LPs solved before stopping. elapsed_s: seconds spent. worst_case_lps: the
      enumeration's worst-case number of LPs (about 2^|negatives|).
    """

    def __init__(self, message: str, lps: int, elapsed_s: float, worst_case_lps: float):
        super().__init__(message)
        self.lps, self.elapsed_s, self.worst_case_lps = lps, elapsed_s, worst_case_lps


@dataclasses.dataclass
class ExactFit:
    """Bookkeeping of :func:`fit_threshold_network` (``stats=True``).

    Attributes:
      network: the network found, or None. lps: LP feasibility checks solved.
      elapsed_s: wall time. worst_case_lps: 2^(|negatives| - 1) assignments x 2 LPs (the bound
      the backtracking search can reach on unsplittable instances). output: the ``output`` asked.
    """

    network: ThresholdNetwork | None
    lps: int
    elapsed_s: float
    worst_case_lps: float
    output: str


def _check_xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    return check_xy(X, y, labels="pm1")


class _Planes:
    """LP feasibility of 'one plane with every positive on its + side and these negatives on its
    - side' (margin 1: w.x + b >= 1 on positives, <= -1 on the chosen negatives)."""

    def __init__(self, P: np.ndarray, N: np.ndarray, deadline: float | None, worst: float):
        self.P, self.N = P, N
        self.d = P.shape[1] if P.size else N.shape[1]
        self.lps = 0
        self.deadline = deadline
        self.worst = worst
        self.t0 = time.perf_counter()
        self.cache: dict[frozenset, np.ndarray | None] = {}

    def solve(self, idx: frozenset) -> np.ndarray | None:
        if idx in self.cache:
            return self.cache[idx]
        if self.deadline is not None and time.perf_counter() > self.deadline:
            el = time.perf_counter() - self.t0
            raise BudgetExceeded(
                f"exact solver stopped at its time budget after {el:.1f} s and {self.lps} LPs; the "
                f"enumeration may need up to ~{self.worst:.3g} LPs (2 per assignment of the "
                f"{len(self.N)} negative points to a plane): try a smaller instance or a larger budget",
                self.lps, el, self.worst)
        from scipy.optimize import linprog

        rows = [-np.hstack([self.P, np.ones((len(self.P), 1))])]   # -(w.p + b) <= -1
        if idx:
            Nn = self.N[sorted(idx)]
            rows.append(np.hstack([Nn, np.ones((len(Nn), 1))]))     # w.q + b <= -1
        A = np.vstack(rows)
        res = linprog(np.zeros(self.d + 1), A_ub=A, b_ub=-np.ones(len(A)),
                      bounds=[(None, None)] * (self.d + 1), method="highs")
        self.lps += 1
        if res.status == 2:
            sol = None
        elif res.status == 0:
            sol = np.asarray(res.x, np.float64)
        else:
            raise RuntimeError(f"HiGHS did not finish an LP: {res.message}")
        self.cache[idx] = sol
        return sol

    def cuts(self, sol: np.ndarray, j: int) -> bool:
        return float(self.N[j] @ sol[:-1] + sol[-1]) <= -1.0 + 1e-9


def _confine(P: np.ndarray, N: np.ndarray, deadline, worst) -> tuple[tuple | None, int]:
    """Two planes with all of P on both + sides and each point of N on the - side of one of them.

    Returns ((plane 1, plane 2) or None, LPs solved); a plane is an array (w, b) of length d + 1. Exact backtracking
    over the assignments of N's points to planes (the first point goes to plane 1: the planes are
    interchangeable), pruned when a plane's set is infeasible (every superset is then infeasible).
    """
    solver = _Planes(P, N, deadline, worst)
    m = len(N)
    if m == 0:
        sol = solver.solve(frozenset())
        return (None if sol is None else (sol, sol)), solver.lps
    sets = [set(), set()]
    sols = [solver.solve(frozenset()), None]
    if sols[0] is None:  # not even the positives alone lie on one side (never for B&R data)
        return None, solver.lps
    sols[1] = sols[0]

    def place(j: int):
        if j == m:
            return True
        order = (0,) if j == 0 else (0, 1)
        for k in order:
            prev_sol = sols[k]
            sets[k].add(j)
            if solver.cuts(prev_sol, j):   # the plane already cuts this point off: no LP needed
                ok = True
            else:
                s = solver.solve(frozenset(sets[k]))
                ok = s is not None
                if ok:
                    sols[k] = s
            if ok and place(j + 1):
                return True
            sets[k].discard(j)
            sols[k] = prev_sol
        return False

    if not place(0):
        return None, solver.lps
    return (sols[0], sols[1]), solver.lps


def fit_single_plane(X, y) -> ThresholdNetwork | None:
    """One threshold unit that classifies every point, or None when no single plane does.

    Solved as LP feasibility (polynomial time) and wrapped as a :class:`ThresholdNetwork` of
    kind "single" (hidden unit 1 and the output just pass unit 0 through).

    Args:
      X: array of shape (m, d), real entries.
      y: array of shape (m,), labels in {-1, +1}.

    Returns:
      A :class:`ThresholdNetwork` that classifies every point, or None when the data are not
      linearly separable.

    Raises:
      ValueError: bad shapes, non-finite X, labels outside {-1, +1}.

    Examples:
      AND is linearly separable, XOR is not:

      >>> import numpy as np
      >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
      >>> fit_single_plane(X, [-1, -1, -1, 1]).predict(X).tolist()
      [-1, -1, -1, 1]
      >>> fit_single_plane(X, [-1, 1, 1, -1]) is None
      True
    """
    X, y = _check_xy(X, y)
    planes = _Planes(X[y > 0], X[y < 0], None, 1)
    sol = planes.solve(frozenset(range(int(np.sum(y < 0)))))
    if sol is None:
        return None
    d = X.shape[1]
    W = np.vstack([sol[:d], np.zeros(d)])
    net = ThresholdNetwork(W, np.array([sol[d], -1.0]), np.array([1.0, 0.0]), 0.0, "single")
    return net if np.array_equal(net.predict(X), y) else None


def fit_threshold_network(X, y, output: str = "and", *, budget_s: float | None = None,
                          stats: bool = False):
    """Exact training of a 3-node threshold network: weights that classify every point, or None.

    ``output="and"``: the output unit is fixed to AND, so the + points must lie in the
    intersection of two half-spaces ("2-linear confinement"); every assignment of the negatives
    to the plane that cuts them off is explored (backtracking), each checked by LP feasibility
    with HiGHS. ``output="any"``: the output may be any threshold function of the hidden units,
    so this also tries a constant, a single plane, and the AND search with + and - swapped
    (an OR output). Blum & Rivest, NIPS 1988 (the geometric restatement, section 3).

    Every returned network is verified on every point before it is returned.

    Args:
      X: array of shape (m, d), real entries.
      y: array of shape (m,), labels in {-1, +1}.
      output: "and" or "any".
      budget_s: wall-time budget in seconds (None: no limit).
      stats: return an :class:`ExactFit` (network, LPs solved, time) instead of the network.

    Returns:
      A :class:`ThresholdNetwork` (or an :class:`ExactFit`), network None when no 3-node network
      (of the chosen output kind) classifies every point.

    Raises:
      ValueError: bad shapes or labels, unknown output.
      BudgetExceeded (a ValueError): the budget ran out; the message gives LPs done and the
        worst case.
      RuntimeError: HiGHS failed, or a found network did not pass verification.

    References:
      Blum, Rivest, "Training a 3-node neural network is NP-complete", NIPS 1988.

    Examples:
      The reduced data of a splittable instance are fitted; those of the triangle (no
      splitting) are not, after the search has ruled out every assignment:

      >>> from hardtrain.hardness.setsplitting import PAPER_EXAMPLE, TRIANGLE
      >>> X, y = blum_rivest_dataset(*PAPER_EXAMPLE)
      >>> net = fit_threshold_network(X, y)
      >>> net.kind, bool((net.predict(X) == y).all())
      ('and', True)
      >>> fit = fit_threshold_network(*blum_rivest_dataset(*TRIANGLE), stats=True)
      >>> fit.network is None, fit.lps <= fit.worst_case_lps
      (True, True)
    """
    if output not in ("and", "any"):
        raise ValueError(f"output must be 'and' or 'any', got {output!r}")
    X, y = _check_xy(X, y)
    if budget_s is not None and not budget_s > 0:
        raise ValueError(f"budget_s must be a positive number of seconds or None, got {budget_s!r}")
    t0 = time.perf_counter()
    deadline = None if budget_s is None else t0 + float(budget_s)
    d = X.shape[1]
    n_neg, n_pos = int(np.sum(y < 0)), int(np.sum(y > 0))
    worst = 2.0 ** max(n_neg - 1, 0) * 2 * (2 if output == "any" else 1)
    lps = 0
    net = None
    # The same point with both labels: no function at all fits (a singleton subset's symptom).
    _, inv = np.unique(X, axis=0, return_inverse=True)
    inv = inv.ravel()
    conflict = any(len(set(y[inv == g].tolist())) > 1 for g in np.unique(inv))
    if not conflict:
        if output == "any":
            if n_neg == 0 or n_pos == 0:
                net = ThresholdNetwork(np.zeros((2, d)), np.zeros(2), np.zeros(2),
                                       1.0 if n_neg == 0 else -1.0, "constant")
            else:
                net = fit_single_plane(X, y)
                lps += 1
        if net is None:
            found, k = _confine(X[y > 0], X[y < 0], deadline, worst)
            lps += k
            if found is not None:
                s1, s2 = found
                net = ThresholdNetwork(np.vstack([s1[:d], s2[:d]]), np.array([s1[d], s2[d]]),
                                       np.array([1.0, 1.0]), -1.0, "and")
            if net is None and output == "any":
                found, k = _confine(X[y < 0], X[y > 0], deadline, worst)
                lps += k
                if found is not None:
                    s1, s2 = found
                    # - points lie on the + side of both planes: negate the planes, OR them.
                    net = ThresholdNetwork(-np.vstack([s1[:d], s2[:d]]), -np.array([s1[d], s2[d]]),
                                           np.array([1.0, 1.0]), 1.0, "or")
    if net is not None and not np.array_equal(net.predict(X), y):
        raise RuntimeError("the LP solution failed verification on the training points")
    if stats:
        return ExactFit(net, lps, time.perf_counter() - t0, worst, output)
    return net


def network_from_splitting(n_elements, subsets, colours, gadget: bool = True) -> ThresholdNetwork:
    """The forward proof's explicit network: a splitting -> weights that classify every point.

    For colour class S_k (k = 0, 1) the plane a . x = -1/2 with a_i = -1 for i in S_k and
    a_i = n otherwise; its + side is a . x > -1/2. With the gadget, the planes become
    a . x + x_{n+1} + x_{n+2} - x_{n+3} = -1/2 and b . x - x_{n+1} - x_{n+2} + x_{n+3} = -1/2.
    The output unit is AND. (Blum & Rivest, NIPS 1988, proof of Theorem 2 and section 4.)

    Args:
      n_elements: number of elements n of the instance.
      subsets: the instance's subsets (see :func:`validate_instance`).
      colours: n values in {0, 1} that split every subset.
      gadget: build weights for :func:`blum_rivest_dataset` with the gadget (d = n + 3) or
        without (d = n).

    Returns:
      A :class:`ThresholdNetwork` of kind "and" (it classifies every point of the dataset).

    Raises:
      ValueError: an invalid instance, colours of the wrong length or values, or colours that
        leave some subset monochromatic (then no such network follows from them).

    References:
      Blum, Rivest, "Training a 3-node neural network is NP-complete", NIPS 1988.

    Examples:
      >>> from hardtrain.hardness.setsplitting import PAPER_EXAMPLE
      >>> X, y = blum_rivest_dataset(*PAPER_EXAMPLE)
      >>> net = network_from_splitting(*PAPER_EXAMPLE, [0, 1, 0])
      >>> net.W[:, :3].tolist()  # a_i = -1 on the plane's own colour class, n = 3 elsewhere
      [[-1.0, 3.0, -1.0], [3.0, -1.0, 3.0]]
      >>> net.predict(X).tolist() == y.tolist()
      True
    """
    n, subs = validate_instance(n_elements, subsets)
    colours = [int(c) for c in colours]
    if len(colours) != n:
        raise ValueError(f"expected {n} colours (one per element), got {len(colours)}")
    if not is_splitting(subs, colours):
        bad = next(s for s in subs if len({colours[i] for i in s}) < 2)
        raise ValueError(f"the colouring leaves subset {tuple(v + 1 for v in bad)} (1-based) "
                         "monochromatic: it is not a splitting")
    d = n + 3 if gadget else n
    W = np.zeros((2, d))
    for k in (0, 1):
        W[k, :n] = [-1.0 if colours[i] == k else float(n) for i in range(n)]
    if gadget:
        W[0, n:] = (1.0, 1.0, -1.0)
        W[1, n:] = (-1.0, -1.0, 1.0)
    return ThresholdNetwork(W, np.array([0.5, 0.5]), np.array([1.0, 1.0]), -1.0, "and")


def splitting_from_network(n_elements, subsets, network: ThresholdNetwork) -> list[int]:
    """The reverse proof: read a colouring off a network that classifies the reduced data.

    Element i gets colour 0 when hidden unit 0 gives e_i a different output than the origin
    (plane 0 cuts e_i off from the origin), else colour 1. When the network classifies every
    point of :func:`blum_rivest_dataset` with an AND-like output (the + points, origin included,
    in one quadrant of the hidden units: always so with the gadget), the colouring splits every
    subset: if all of c_j were cut off by one plane, its + point, the sum of those unit vectors,
    would be cut off too (Blum & Rivest, NIPS 1988, proof of Theorem 2). Without the gadget an
    unrestricted output unit can "cheat" (see the lab), and the colouring may fail: check it
    with :func:`is_splitting`.

    Args:
      n_elements: number of elements n of the instance.
      subsets: the instance's subsets (see :func:`validate_instance`).
      network: a :class:`ThresholdNetwork` whose input size is n or n + 3.

    Returns:
      A list of n colours in {0, 1}.

    Raises:
      ValueError: an invalid instance or a network of the wrong input size.

    References:
      Blum, Rivest, "Training a 3-node neural network is NP-complete", NIPS 1988.

    Examples:
      The round trip splitting -> network -> splitting, and a network found by the solver:

      >>> from hardtrain.hardness.setsplitting import PAPER_EXAMPLE, is_splitting
      >>> splitting_from_network(*PAPER_EXAMPLE, network_from_splitting(*PAPER_EXAMPLE, [0, 1, 0]))
      [0, 1, 0]
      >>> net = fit_threshold_network(*blum_rivest_dataset(*PAPER_EXAMPLE))
      >>> is_splitting(PAPER_EXAMPLE[1], splitting_from_network(*PAPER_EXAMPLE, net))
      True
    """
    n, _ = validate_instance(n_elements, subsets)
    d = network.W.shape[1]
    if d not in (n, n + 3):
        raise ValueError(f"the network takes {d} inputs; a dataset of this instance has {n} "
                         f"(no gadget) or {n + 3} (gadget)")
    pts = np.vstack([np.zeros((1, d)), np.eye(n, d)])
    h = network.hidden(pts)
    return [0 if h[i + 1, 0] != h[0, 0] else 1 for i in range(n)]
