"""Lab 2 self-checks: right answers accepted, wrong and malformed ones rejected without the answer.

Ground truth is computed here independently: the splittings of the exercise's hypergraph by
brute force over all 2^5 colourings, the point count from the construction's definition
(1 + n + m + 6), and the transfer ratio sqrt2 - 1 from the top eigenvector of [[3, 1], [1, 1]]
(NumPy), beside the page's (sqrt5 - 1)/2 from [[2, 1], [1, 1]].
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hardtrain import exercises
from hardtrain.exercises.lab2 import SPLIT_TEXT

SUBSETS = [tuple(int(v) - 1 for v in part.split()) for part in SPLIT_TEXT.split("|")]
N = 1 + max(max(s) for s in SUBSETS)
SPLITTINGS = [c for c in itertools.product((0, 1), repeat=N)
              if all(len({c[i] for i in s}) == 2 for s in SUBSETS)]
POINTS = 1 + N + len(SUBSETS) + 6
_vals, _vecs = np.linalg.eigh(np.array([[3.0, 1.0], [1.0, 1.0]]))
RATIO = float(_vecs[1, -1] / _vecs[0, -1])  # the exercise's data
_pv, _pvecs = np.linalg.eigh(np.array([[2.0, 1.0], [1.0, 1.0]]))
PAGE_RATIO = float(_pvecs[1, -1] / _pvecs[0, -1])  # the page's example

FORBIDDEN = {
    "lab2.splitting": [", ".join(map(str, c)) for c in SPLITTINGS] + ["".join(map(str, c)) for c in SPLITTINGS],
    "lab2.points": [str(POINTS)],
    "lab2.irrational_ratio": [f"{RATIO:.3f}", f"{RATIO:.4f}", "sqrt2 - 1", "sqrt(2) - 1", "sqrt2-1", "0.41"],
}


def hides(eid, text):
    for s in FORBIDDEN[eid]:
        assert s not in text, f"{eid}: message reveals {s!r}: {text!r}"


def test_registered():
    mine = ["lab2.splitting", "lab2.points", "lab2.irrational_ratio"]
    ids = [i for i, _ in exercises.list_exercises(lab=2)]
    assert [i for i in ids if i in mine] == mine
    for eid in mine:
        for level in range(3):
            hides(eid, exercises.hint(eid, level))


def test_ground_truth_is_sane():
    assert len(SPLITTINGS) == 2 and POINTS == 17  # 1 + 5 + 5 + 6; one splitting and its swap
    assert abs(RATIO - (2 ** 0.5 - 1)) < 1e-12
    assert abs(PAGE_RATIO - (5 ** 0.5 - 1) / 2) < 1e-12


def test_every_splitting_accepted():
    for c in SPLITTINGS:
        assert exercises.check("lab2.splitting", c)
        assert exercises.check("lab2.splitting", tuple(float(v) for v in c))


def test_non_splittings_rejected_without_answer():
    for c in itertools.product((0, 1), repeat=N):
        if c in SPLITTINGS:
            continue
        fb = exercises.check("lab2.splitting", c)
        assert not fb and "single colour" in fb.message
        hides("lab2.splitting", fb.message)


@pytest.mark.parametrize("bad", [(0, 1), (0, 1, 2, 0, 1), "0 1 1 0 1", (0.5, 1, 1, 0, 1),
                                 (float("nan"),) * 5, None, [[0, 1, 1, 0, 1]] * 2])
def test_splitting_malformed(bad):
    fb = exercises.check("lab2.splitting", bad)
    assert not fb
    hides("lab2.splitting", fb.message)


def test_points():
    assert exercises.check("lab2.points", POINTS)
    assert exercises.check("lab2.points", float(POINTS))
    for wrong in (POINTS - 6, POINTS - 1, POINTS - N, POINTS + 1, 3):
        fb = exercises.check("lab2.points", wrong)
        assert not fb
        hides("lab2.points", fb.message)
    assert "without the gadget" in exercises.check("lab2.points", POINTS - 6).message
    for bad in (2.5, -3, (1, 2), "seventeen"):
        fb = exercises.check("lab2.points", bad)
        assert not fb
        hides("lab2.points", fb.message)


def test_ratio():
    assert exercises.check("lab2.irrational_ratio", round(RATIO, 4))
    assert exercises.check("lab2.irrational_ratio", RATIO)
    for wrong in (1 / RATIO, 0.5, PAGE_RATIO, -RATIO, (2 - 2 ** 0.5) ** 2, 5 / 12):
        fb = exercises.check("lab2.irrational_ratio", wrong)
        assert not fb
        hides("lab2.irrational_ratio", fb.message)
    assert "upside down" in exercises.check("lab2.irrational_ratio", 1 / RATIO).message
    assert "page's example" in exercises.check("lab2.irrational_ratio", PAGE_RATIO).message
    assert "minimal loss" in exercises.check("lab2.irrational_ratio", (2 - 2 ** 0.5) ** 2).message
    for bad in ((1, 2), float("inf"), "golden"):
        fb = exercises.check("lab2.irrational_ratio", bad)
        assert not fb
        hides("lab2.irrational_ratio", fb.message)



def test_algorithm_vs_problem():
    """A measured running time speaks about the algorithm, not the problem: statement 2 only."""
    from hardtrain.exercises.lab2 import ALGORITHM_STATEMENTS

    assert "says nothing" in ALGORITHM_STATEMENTS[2]
    assert exercises.check("lab2.algorithm_vs_problem", 2).correct
    for wrong, phrase in ((1, "every possible algorithm"), (3, "open"), (4, "reduction")):
        fb = exercises.check("lab2.algorithm_vs_problem", wrong)
        assert not fb.correct and phrase in fb.message, fb.message
        assert "statement 2" not in fb.message and "answer is 2" not in fb.message
    for bad in (0, 5, 2.5, "two", (1, 2)):
        assert not exercises.check("lab2.algorithm_vs_problem", bad).correct
