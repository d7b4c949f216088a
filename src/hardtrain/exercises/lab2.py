"""Lab 2 self-checks: NP-hard training (hardtrain.hardness).

Registered into :data:`hardtrain.exercises.REGISTRY` when :mod:`hardtrain.exercises` is imported.
Conventions are those of :mod:`hardtrain.exercises`: ids ``"lab2.<name>"``, answers computed when
the checker runs (import the numerics inside the checker), feedback that never states the answer.
"""

from __future__ import annotations

import math

import numpy as np

from .registry import Exercise, Feedback, MalformedAnswer, register  # noqa: F401

#: The targets of the transfer exercise lab2.irrational_ratio: (1,0) -> (3,1), (0,1) -> (1,1).
TRANSFER_TARGETS = ((3, 1), (1, 1))

#: The hypergraph of the splitting exercise, elements numbered from 1 as in the lab.
SPLIT_TEXT = "1 2 3 | 3 4 | 4 5 | 1 5 | 2 4"


def _numbers(answer, what: str) -> np.ndarray:
    if isinstance(answer, str):
        raise MalformedAnswer(f"Got text; give {what} as numbers, e.g. (0, 1, 1, 0, 0).")
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise MalformedAnswer(f"Could not read numbers from the answer; give {what}.") from None
    if not np.all(np.isfinite(arr)):
        raise MalformedAnswer("The answer contains NaN or inf.")
    return arr


def _check_splitting(answer) -> Feedback:
    """Any splitting of SPLIT_TEXT is accepted; verified by the reduction's network as well."""
    from hardtrain import hardness

    n, subsets = hardness.parse_hypergraph(SPLIT_TEXT)
    arr = _numbers(answer, f"{n} colours (0 or 1), one per element")
    if arr.ndim != 1 or arr.size != n:
        raise MalformedAnswer(f"Got {arr.size} number(s); give {n} colours, one per element 1..{n}.")
    if not np.all((arr == 0) | (arr == 1)):
        raise MalformedAnswer("Each colour must be 0 or 1.")
    colours = [int(c) for c in arr]
    mono = [s for s in subsets if len({colours[i] for i in s}) < 2]
    if mono:
        names = ", ".join("{" + " ".join(str(i + 1) for i in s) + "}" for s in mono)
        return Feedback(False, f"Not a splitting: subset(s) {names} got a single colour. Recolour one "
                               "of their elements, then check every subset again.")
    X, y = hardness.blum_rivest_dataset(n, subsets, gadget=True)
    net = hardness.network_from_splitting(n, subsets, colours, gadget=True)
    if not np.array_equal(net.predict(X), y):  # never expected: the forward proof is a theorem
        return Feedback(False, "Your colouring splits every subset, but the network built from it "
                               "failed on a point; please report this.")
    return Feedback(True, f"A splitting: no subset is monochromatic. The network built from it (the "
                          f"forward proof's planes plus the gadget) classifies all {len(y)} training "
                          "points correctly. Swapping the two colours gives another one.")


def _points_count() -> tuple[int, int, int]:
    from hardtrain import hardness

    n, subsets = hardness.parse_hypergraph(SPLIT_TEXT)
    with_g = hardness.blum_rivest_dataset(n, subsets, gadget=True)[0].shape[0]
    without = hardness.blum_rivest_dataset(n, subsets, gadget=False)[0].shape[0]
    return with_g, without, n


def _check_points(answer) -> Feedback:
    arr = _numbers(answer, "one whole number")
    if arr.size != 1:
        raise MalformedAnswer(f"Got {arr.size} numbers; give one whole number.")
    x = float(arr.reshape(()))
    if x != math.floor(x) or x < 1:
        raise MalformedAnswer("A count of points is a whole number >= 1.")
    k = int(x)
    with_g, without, n = _points_count()
    if k == with_g:
        return Feedback(True, "Origin, one unit vector per element, one point per subset, and the "
                              "gadget's six points: the training set grows only linearly with the instance.")
    if k == without:
        return Feedback(False, "That is the count without the gadget. The question asks for the dataset "
                               "with the gadget: how many points does it add?")
    if k == with_g - 1:
        return Feedback(False, "One short: did you count the origin (labelled +)?")
    if k in (with_g - 2, with_g - 3):
        return Feedback(False, "Close: count the gadget's + points and - points again.")
    if k == with_g - n:
        return Feedback(False, "You left out the unit vectors: each element contributes one - point.")
    return Feedback(False, "Not the right count. List the kinds of points in the construction and count "
                           "each kind. exercises.hint('lab2.points') gives a nudge.")


def _check_ratio(answer) -> Feedback:
    from hardtrain import hardness

    arr = _numbers(answer, "one number")
    if arr.size != 1:
        raise MalformedAnswer(f"Got {arr.size} numbers; give one number, the ratio w2/w1.")
    r = float(arr.reshape(()))
    opt = hardness.irrational_optimum(TRANSFER_TARGETS)
    page = hardness.irrational_optimum()
    if abs(r - opt.ratio) <= 1e-4:
        return Feedback(True, "Every minimiser has this ratio, and it is irrational again: the top "
                              "eigenvector of a symmetric integer matrix is irrational unless its "
                              "eigenvalues are rational. No weights with rational entries reach this minimum.")
    if abs(r - page.ratio) <= 1e-3:
        return Feedback(False, "That is the ratio of the page's example. The targets changed: redo the "
                               "analysis for the new matrix of targets.")
    if abs(r - 1.0 / opt.ratio) <= 1e-3:
        return Feedback(False, "That is w1/w2, the ratio upside down.")
    if abs(r - opt.loss) <= 1e-3:
        return Feedback(False, "That is the minimal loss, not the ratio of the input weights.")
    if abs(r - opt.ratio) <= 1e-2:
        return Feedback(False, "Close, but not within 1e-4: perhaps a rational approximation or a GD "
                               "end point. The exact value is a root of a quadratic; give it to 4 decimals.")
    if r <= 0:
        return Feedback(False, "With w2/w1 <= 0 one of the two inputs is switched off by the ReLU: that is "
                               "a plateau, not the minimum.")
    return Feedback(False, "Not the minimiser's ratio. Minimise over a first (least squares), then over "
                           "the direction of w. exercises.hint('lab2.irrational_ratio') gives a nudge.")


register(Exercise(
    id="lab2.splitting", lab=2,
    question=(f"Find by hand a splitting of the hypergraph {SPLIT_TEXT} (elements 1..5): a colour 0 or 1 "
              "for each element such that no subset gets a single colour. Give the five colours in order."),
    answer_form="five numbers, each 0 or 1, e.g. exercises.check('lab2.splitting', (0, 1, 1, 0, 0))",
    checker=_check_splitting,
    hints=("Pairs {3 4}, {4 5}, {1 5} and {2 4} force their two elements to differ. Start from element 4.",
           "Once 4 is coloured, 3, 5 and 2 are forced, then 1; finally check {1 2 3}."),
))

register(Exercise(
    id="lab2.points", lab=2,
    question=(f"How many training points does Blum & Rivest's dataset (with the gadget) have for the "
              f"hypergraph {SPLIT_TEXT}?"),
    answer_form="one whole number, e.g. exercises.check('lab2.points', 20)",
    checker=_check_points,
    hints=("The construction has four kinds of points: the origin, the unit vectors, one point per "
           "subset, and the gadget.",
           "The gadget adds two + points and four - points."),
))

register(Exercise(
    id="lab2.irrational_ratio", lab=2,
    question=("The same network f(x) = a relu(w . x), now with data (1,0) -> (3,1) and (0,1) -> (1,1) "
              "(the page used (2,1) for the first point). What is the ratio w2/w1 at the global minimum? "
              "Give 4 decimals."),
    answer_form="one number, e.g. exercises.check('lab2.irrational_ratio', 0.5)",
    checker=_check_ratio,
    hints=("With both inputs active the two outputs form the rank-1 matrix a w^T, as on the page: the best "
           "w is the top eigenvector of the new matrix of targets.",
           "Find the larger eigenvalue lambda of the 2 x 2 target matrix; its eigenvector (1, t) solves "
           "(y11 - lambda) + y12 t = 0."),
))


# ------------------------------------------------------------------ algorithm vs problem

#: The statements of lab2.algorithm_vs_problem, numbered as in the question.
ALGORITHM_STATEMENTS = {
    1: "Set-Splitting has no polynomial-time algorithm.",
    2: "This solver is slow on these instances; it says nothing about how hard the problem is.",
    3: "P is different from NP.",
    4: "Training a 3-node threshold network is NP-hard.",
}
#: The statement that the measurement supports.
ALGORITHM_ANSWER = 2


def _check_algorithm(answer) -> Feedback:
    arr = _numbers(answer, "one whole number from 1 to 4")
    if arr.size != 1:
        raise MalformedAnswer(f"Got {arr.size} numbers; give one whole number from 1 to 4.")
    x = float(arr.reshape(()))
    if x != math.floor(x) or not 1 <= x <= len(ALGORITHM_STATEMENTS):
        raise MalformedAnswer("Give one whole number from 1 to 4.")
    k = int(x)
    if k == ALGORITHM_ANSWER:
        return Feedback(True, "A running time measures an algorithm, not a problem: a cleverer algorithm (the "
                              "SAT solver of the same figure) can be fast where this one is slow. Hardness is "
                              "proved by a reduction, as Blum and Rivest did, never by timing a solver.")
    if k == 1:
        return Feedback(False, "That would need a proof about every possible algorithm. The figure times one "
                               "algorithm (and shows another one, the SAT solver, doing much better).")
    if k == 3:
        return Feedback(False, "Whether P = NP is open: no measurement of any solver can settle it. What does "
                               "a slow solver tell you about the problem it solves?")
    return Feedback(False, "That theorem is true, but the figure does not show it: it was proved by a "
                           "reduction from Set-Splitting, not by timing a solver. What does the figure itself "
                           "support?")


register(Exercise(
    id="lab2.algorithm_vs_problem", lab=2,
    question=("The exact 3-node solver's time grows exponentially with n in the scaling figure. Which "
              "statement does that measurement support? "
              + " ".join(f"{k} = {v}" for k, v in ALGORITHM_STATEMENTS.items())),
    answer_form="one whole number from 1 to 4, e.g. exercises.check('lab2.algorithm_vs_problem', 1)",
    checker=_check_algorithm,
    hints=("Is the figure about one algorithm or about every possible algorithm?",
           "Compare the exact solver's curve with the SAT solver's on the same instances."),
))
