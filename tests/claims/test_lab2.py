"""Lab 2's claims ledger: the lesson plan's numbers and directions, checked by small deterministic
runs of the package's exact solvers (lab 2 ships no precomputed data: every claim is computed).

See tests/claims/ledger.py for how an entry works; course/claims.md lists the entries.
"""

from __future__ import annotations

import numpy as np

from .ledger import Claim, ledger_tests

PLAN = "course/lab02.md"
BLUM_RIVEST = "Blum & Rivest, Neural Networks 1992 (NIPS 1988)"
JUDD = "Judd, IEEE ICNN 1987; MIT Press 1990"


def c_paper_points():
    from hardtrain import hardness as hd

    X, y = hd.blum_rivest_dataset(*hd.PAPER_EXAMPLE, gadget=True)
    net = hd.fit_threshold_network(X, y)
    ok = len(y) == 12 and net is not None and bool((net.predict(X) == y).all())
    return ok, f"{len(y)} points, network found and verified: {net is not None}"


def c_triangle():
    from hardtrain import hardness as hd

    n, subsets = hd.TRIANGLE
    Xg, yg = hd.blum_rivest_dataset(n, subsets, gadget=True)
    with_gadget = hd.fit_threshold_network(Xg, yg, output="any")
    X, y = hd.blum_rivest_dataset(n, subsets, gadget=False)
    without = hd.fit_threshold_network(X, y, output="any")
    ok = with_gadget is None and without is not None and bool((without.predict(X) == y).all())
    if without is not None:  # the colouring read back from the network is not a splitting
        colours = hd.splitting_from_network(n, subsets, without)
        ok &= not all(len({colours[i] for i in s}) == 2 for s in subsets)
    return ok, f"with gadget: {with_gadget is not None}; without: {without is not None} ({getattr(without, 'kind', None)})"


def c_judd():
    from hardtrain import hardness as hd

    xor = (np.array([[0, 0], [1, 0], [0, 1], [1, 1]]), np.array([-1, 1, 1, -1]))
    tri = hd.blum_rivest_dataset(*hd.TRIANGLE, gadget=True)
    best = {(name, arch): hd.loading_problem(X, y, arch, 1.0).best_correct
            for name, (X, y) in (("xor", xor), ("triangle", tri)) for arch in ("perceptron", "3-node")}
    two = hd.loading_problem(*tri, "3-node", 2 / 3).loadable
    ok = (best[("xor", "perceptron")] == 3 and best[("xor", "3-node")] == 4 and best[("triangle", "3-node")] == 12
          and len(tri[1]) == 13 and two)
    return ok, f"best correct: {best}; triangle loadable at 2/3: {two}"


def c_fibonacci():
    from hardtrain import hardness as hd

    fib = [1, 1]
    while fib[-1] < 5000:
        fib.append(fib[-1] + fib[-2])
    out, ok = {}, True
    opt = hd.irrational_optimum()
    gaps = []
    for d in (10, 100, 1000):
        ratio, loss = hd.best_rational_weights(d)
        out[d] = (str(ratio), float(loss) - opt.loss)
        ok &= ratio.numerator in fib and ratio.denominator in fib and fib.index(ratio.denominator) == fib.index(ratio.numerator) + 1
        gaps.append(float(loss) - opt.loss)
    ok &= all(g > 0 for g in gaps) and gaps[0] > gaps[1] > gaps[2]
    return ok, f"best ratio and loss gap per largest denominator: {out}"


def c_plateaus():
    from hardtrain import hardness as hd

    run = hd.irrational_gd(seeds=256, steps=2000, learning_rate=0.05, seed=0)
    others = {k: v for k, v in run.counts.items() if not k.startswith("both")}
    ok = 0 < run.found_optimum_rate < 0.5 and sum(others.values()) > 0
    ok &= set(hd.PLATEAUS.values()) >= {"2", "5", "7"}
    return ok, f"reached the optimum: {run.found_optimum_rate:.0%}; plateau counts {run.counts}"


LAB = "labs/02_np_hard_training.ipynb"
LAB_B = "labs/02b_scaling_and_loading.ipynb"
LAB_C = "labs/02c_irrational_optima.ipynb"


def c_points_formula():
    from hardtrain import hardness as hd

    out = {}
    for n in (8, 12, 16):
        subsets = hd.random_instance(n, int(2.5 * n), 3, seed=0)[1]
        X, y = hd.blum_rivest_dataset(n, subsets, gadget=True)
        out[n] = (X.shape[1], len(y), 3.5 * n + 7)
    ok = all(d == n + 3 and m == f for n, (d, m, f) in out.items())
    return ok, f"n: (dimensions, points, 3.5 n + 7) = {out}"


def c_optimum():
    import sympy as sp

    from hardtrain import hardness as hd

    opt = hd.irrational_optimum()
    ok = (sp.simplify(opt.loss_expr - (7 - 3 * sp.sqrt(5)) / 2) == 0 and round(opt.loss, 3) == 0.146
          and sp.simplify(opt.ratio_expr - (sp.sqrt(5) - 1) / 2) == 0
          and sorted(v for _, v in opt.plateaus.values())[1:] == [2.0, 5.0, 7.0])
    return ok, f"loss {opt.loss_expr} = {opt.loss:.4f}, ratio {opt.ratio_expr}, plateaus {opt.plateaus}"


def c_width_easy():
    import json

    from .ledger import ROOT

    hard = json.loads((ROOT / "assets" / "lab3" / "width_makes_easy.json").read_text())["result"]["hard_instance"]
    rate = dict(zip(hard["widths"], [float(np.mean(np.asarray(a) == 0)) for a in hard["metrics"]["errors"]]))
    ok = rate[2] < 0.5 and all(rate[w] > 0.5 for w in hard["widths"] if w >= 4)
    return ok, f"share of GD restarts fitting every point, by hidden units: {rate} (lab 3's precomputed sweep)"


CLAIMS = [
    Claim("L2.width", LAB, "The hardness theorem is about two hidden units; with more, the same data usually become "
          "easy", c_width_easy, BLUM_RIVEST),
    Claim("L2.points-formula", LAB_B, "with the gadget: n+3 dimensions, about 3.5\\,n + 7 points", c_points_formula,
          BLUM_RIVEST),
    Claim("L2.judd-page", LAB_B, "The 3-node network gets 12 of the triangle's 13 points right", c_judd, JUDD),
    Claim("L2.optimum", LAB_C, "Solved exactly with sympy: the minimum is \\frac{7 - 3\\sqrt5}{2} \\approx 0.146, and "
          "every minimiser has w_2/w_1 = \\frac{\\sqrt5-1}{2}. Other activation patterns are plateaus with losses 2, "
          "5 and 7", c_optimum),
    Claim("L2.paper-points", PLAN, "the exact solver's two planes (verified on all 12 points)", c_paper_points,
          BLUM_RIVEST),
    Claim("L2.triangle", PLAN, "With the gadget: no 3-node network, proved by a handful of LPs. Without it: the solver "
          "finds an OR network; the colouring read back is not a splitting", c_triangle, BLUM_RIVEST),
    Claim("L2.judd", PLAN, "XOR: perceptron 3 of 4, 3-node 4 of 4. Triangle with gadget: 3-node 12 of 13, so loadable "
          "at 2/3 but not at 100%", c_judd, JUDD),
    Claim("L2.fibonacci", PLAN, "The best rational ratio is a ratio of Fibonacci numbers; the gap to the minimum shrinks "
          "and never reaches 0", c_fibonacci),
    Claim("L2.plateaus", PLAN, "GD from N(0,1) starts: a minority reach the optimum, the rest stop on plateaus (loss 2, "
          "5 or 7)", c_plateaus),
]

(test_the_sentence_is_on_the_page, test_the_data_support_the_sentence,
 test_the_course_ledger_is_generated_from_the_claims) = ledger_tests("lab2", CLAIMS)
