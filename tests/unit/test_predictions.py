"""Every prediction's answer is what its figure's data show (hardtrain.exercises.predictions).

Each check is independent of the answer it tests: the claims ledger's checks of the shipped data
(tests/claims), a closed form, or an exact solver. A recomputed study that changes what a figure
shows fails here, with the prediction's id.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from hardtrain.exercises.predictions import PREDICTIONS, for_lab, judge
from tests.claims import test_lab1 as L1
from tests.claims import test_lab2 as L2
from tests.claims import test_lab3 as L3
from tests.claims import test_lab4 as L4


def _separable(X, y) -> bool:
    """An exact LP (HiGHS): is there (w, b) with y_i (w.x_i + b) >= 1 for all i?"""
    A = -y[:, None] * np.hstack([X, np.ones((len(y), 1))])
    res = linprog(np.zeros(X.shape[1] + 1), A_ub=A, b_ub=-np.ones(len(y)), bounds=[(None, None)] * (X.shape[1] + 1),
                  method="highs")
    return res.status == 0


def _xor_best() -> int:
    X = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], float)
    y = np.array([-1, 1, 1, -1], float)
    return max(k for k in range(1, 5) for idx in itertools.combinations(range(4), k)
               if _separable(X[list(idx)], y[list(idx)]))


def _minimisers_form_a_curve() -> bool:
    # gradient descent from the playground's starts ends at distinct zero-loss points (the ledger)
    return L1.c_hyperbola()[0]


def _snip_beats_random() -> bool:
    return all(L4.acc(arch, "snip", s) > L4.acc(arch, "random", s) + 2
               for arch in ("mlp", "cnn") for s in L4.sparsities(arch) if abs(s - 0.956) < 1e-3)


def _shuffle_drops() -> bool:
    out = []
    for arch in ("mlp", "cnn"):
        s, t = L4.ablation(arch)
        out.append(abs(s - 0.956) < 1e-3 and t["synflow"]["original"] - t["synflow"]["shuffled"] > 2)
    return all(out)


def _shuffle_sizes() -> tuple[float, float]:
    return tuple(round(L4.ablation(a)[1]["synflow"]["original"] - L4.ablation(a)[1]["synflow"]["shuffled"])
                 for a in ("mlp", "cnn"))


def _irrational_ratio() -> bool:
    # sympy: the exact optimum's ratio is (sqrt 5 - 1)/2, which sympy knows is not rational
    import sympy as sp

    from hardtrain import hardness as hd

    expr = hd.irrational_optimum().ratio_expr
    return sp.simplify(expr - (sp.sqrt(5) - 1) / 2) == 0 and expr.is_rational is False and L2.c_fibonacci()[0]


#: prediction id -> (is the stored answer what the data show?)
BACKING = {
    "lab1.bowl-curvature": lambda: L1.c_slices_bowl()[0] and L1.c_bowl()[0],
    "lab1.minimisers": _minimisers_form_a_curve,
    "lab1.barrier": lambda: L1.c_symmetries()[0],
    "lab2.paper-network": lambda: L2.c_paper_points()[0],
    "lab2.xor": lambda: _xor_best() == PREDICTIONS["lab2.xor"].answer and L2.c_judd()[0],
    "lab2.irrational": _irrational_ratio,
    "lab3.dd-peak": lambda: L3.c_dd_shape()[0],
    "lab3.lazy": lambda: L3.c_lazy()[0],
    "lab3.width-easy": lambda: L3.c_width_easy()[0],
    "lab4.snip-vs-random": _snip_beats_random,
    "lab4.shuffle": _shuffle_drops,
}


def test_every_prediction_is_backed_and_each_lab_has_two():
    assert set(BACKING) == set(PREDICTIONS)
    assert all(len(for_lab(lab)) >= 2 for lab in (1, 2, 3, 4))


def test_every_lab_page_asks_a_prediction_and_each_is_asked_once():
    """Each notebook under labs/ (the start page aside) wraps a view in PredictThenReveal, and
    every prediction appears on exactly one page, of its own lab."""
    import json
    import re

    from tests.claims.ledger import ROOT

    seen = {}
    for nb in sorted((ROOT / "labs").glob("0[1-9]*.ipynb")):
        code = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        ids = re.findall(r'PredictThenReveal\("([\w.-]+)"', code)
        assert ids, f"{nb.name} asks no prediction"
        for pid in ids:
            assert pid not in seen, f"{pid} on {seen[pid]} and {nb.name}"
            assert nb.name.startswith(f"0{PREDICTIONS[pid].lab}"), f"{pid} on {nb.name}"
            seen[pid] = nb.name
    assert set(seen) == set(PREDICTIONS)


@pytest.mark.parametrize("pid", sorted(PREDICTIONS))
def test_the_answer_is_what_the_data_show(pid):
    assert BACKING[pid](), f"{pid}: the data no longer show {PREDICTIONS[pid].shows!r}"


def test_the_numbers_in_the_shuffle_sentence_are_the_datas():
    mlp, cnn = _shuffle_sizes()
    assert f"about {mlp:.0f} points on the MLP and {cnn:.0f} on the CNN" in PREDICTIONS["lab4.shuffle"].shows


def test_judge_compares_and_refuses_bad_responses():
    p = PREDICTIONS["lab3.lazy"]
    assert judge(p.id, p.answer)[0] is True
    assert judge(p.id, (p.answer + 1) % len(p.choices))[0] is False
    assert "Not what you predicted" in judge(p.id, 0)[1] and p.shows in judge(p.id, 0)[1]
    for bad in (len(p.choices), -1, 0.5):
        with pytest.raises(ValueError):
            judge(p.id, bad)
    with pytest.raises(ValueError):
        judge("lab2.xor", float("nan"))
    with pytest.raises(KeyError):
        judge("lab9.none", 0)
    with pytest.raises(ValueError):
        for_lab(5)


def test_the_documents_count_the_predictions_right():
    from tests.claims.ledger import ROOT

    words = {10: "ten", 11: "eleven", 12: "twelve"}
    said = f"({words.get(len(PREDICTIONS), len(PREDICTIONS))} in all"
    for doc in ("README.md", "course/README.md"):
        text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
        assert said in text, f"{doc} should say {said!r} of the {len(PREDICTIONS)} predictions"
    per_lab = sorted(len(for_lab(lab)) for lab in (1, 2, 3, 4))
    assert (per_lab[0], per_lab[-1]) == (2, 3)  # course/README.md: "two or three per lab"
