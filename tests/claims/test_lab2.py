"""Lab 2's claims ledger: the lesson plan's numbers and directions, checked by small deterministic
runs of the package's exact solvers (lab 2 ships no precomputed data: every claim is computed).

See tests/claims/ledger.py for how an entry works; course/claims.md lists the entries.
"""

from __future__ import annotations

import functools

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


@functools.cache
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



@functools.cache
def c_quadrant():
    from hardtrain import hardness as hd

    n, subsets = hd.PAPER_EXAMPLE
    X, y = hd.blum_rivest_dataset(n, subsets, gadget=True)
    net = hd.fit_threshold_network(X, y)
    z = net.preactivations(X)
    top_right = (z[:, 0] > 0) & (z[:, 1] > 0)
    back = hd.splitting_from_network(n, subsets, net)
    sat = hd.solve_set_splitting(n, subsets)
    same = back == sat or back == [1 - c for c in sat]
    ok = bool(np.all(top_right == (y > 0))) and hd.is_splitting(subsets, back) and same
    return ok, (f"+ points in the top-right quadrant: {top_right[y > 0].all()}, - points outside it: "
                f"{not top_right[y < 0].any()}; colouring read back {back}, SAT solver's {sat}")


@functools.cache
def c_slab():
    """Without the gadget the - points (unit vectors) have coordinate sum 1 and the + points 0 or >= 2,
    so the slab 1/2 < sum x < 3/2 holds exactly the negatives: it fits every instance."""
    from hardtrain import hardness as hd

    ok, kinds = True, set()
    instances = [hd.TRIANGLE] + [hd.random_instance(10, 25, 3, seed=s) for s in range(6)]
    for n, subsets in instances:
        X, y = hd.blum_rivest_dataset(n, subsets, gadget=False)
        total = X.sum(axis=1)
        slab = np.where((total > 0.5) & (total < 1.5), -1, 1)
        ok &= bool(np.all(total[y < 0] == 1)) and bool(np.all((total[y > 0] == 0) | (total[y > 0] >= 2)))
        ok &= bool(np.all(slab == y))
        kinds.add(hd.solve_set_splitting(n, subsets) is not None)
    ok &= kinds == {True, False}  # splittable or not
    return ok, f"{len(instances)} instances (splittable: {sorted(kinds)}): slab fits all: {ok}"


def c_one_element():
    from hardtrain import hardness as hd

    try:
        hd.parse_hypergraph("1 2 | 3")
    except ValueError as exc:
        return True, f"refused: {exc}"
    return False, "the hypergraph '1 2 | 3' was accepted"


@functools.cache
def _gd_rates():
    """GD restarts as the dashboard runs them (experiments.gd_restarts at its live preset: 256
    restarts, 500 Adam steps) on n = 8 random instances that the SAT solver splits, at each width
    the view offers."""
    from hardtrain import hardness as hd
    from hardtrain.experiments import gd_restarts

    config, rows = gd_restarts.GDRestartsConfig.live(), {}
    for seed in range(6):
        n, subsets = hd.random_instance(8, 20, 3, seed=seed)
        if hd.solve_set_splitting(n, subsets) is None:
            continue
        rows[seed] = [gd_restarts.run(config, n, subsets, width=w).gd.success_rate for w in gd_restarts.WIDTHS]
        if len(rows) == 2:
            break
    return rows


def c_gd_restarts():
    rows = _gd_rates()
    ok = len(rows) == 2 and all(r[0] == 0 and r[0] < r[1] < r[2] <= r[3] and r[3] > 0.9 for r in rows.values())
    return ok, f"success rate at 2, 3, 4, 8 hidden units on splittable n = 8 instances (seed: rates): {rows}"


@functools.cache
def _sweep():
    """The scaling sweep at the page's settings (experiments.scaling: n = 4-16, two instances per size)."""
    from hardtrain.experiments import scaling

    return list(scaling.sweep(scaling.ScalingConfig(max_n=16, per_size=2)))


def c_scaling():
    from hardtrain import hardness as hd

    pts = _sweep()
    lps = {n: [p.exact_lps for p in pts if p.n == n] for n in sorted({p.n for p in pts})}
    hard = [p for p in pts if not p.splittable]
    single = []
    for p in pts:
        X, y = hd.blum_rivest_dataset(*hd.random_instance(p.n, p.m, 3, seed=p.seed), gadget=True)
        single.append(hd.fit_single_plane(X, y) is None)
    ok = (all(p.exact_done for p in pts) and max(max(v) for n, v in lps.items() if n <= 12) < 100
          and max(lps[14] + lps[16]) >= 200 and all(single) and all(p.gd_success == 0 for p in pts)
          and bool(hard) and max(p.exact_lps for p in hard) == max(p.exact_lps for p in pts if p.n >= 14))
    return ok, (f"LPs per n: {lps}; unsplittable: {[(p.n, p.exact_lps) for p in hard]}; one plane never enough: "
                f"{all(single)}; GD success (width 2): {[p.gd_success for p in pts]}")


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
    Claim("L2.quadrant", PLAN, "the exact solver's two planes (verified on all 12 points), and the colouring read "
          "back from the network: the same split (possibly with the colours swapped). Right plot: all + points in "
          "the top-right quadrant", c_quadrant, BLUM_RIVEST),
    Claim("L2.quadrant-page", LAB, "the network says + exactly in the top-right quadrant (output AND)", c_quadrant,
          BLUM_RIVEST),
    Claim("L2.gadget-page", LAB, "Untick it and pick the triangle (no splitting exists): the exact solver still "
          "finds a network", c_triangle, BLUM_RIVEST),
    Claim("L2.slab", PLAN, "The − points all have coordinate sum 1, the + points 0 or ≥ 2: a slab holds the "
          "negatives", c_slab),
    Claim("L2.slab-misconception", PLAN, "the slab 1/2 < Σx < 3/2 fits every instance, splittable or not", c_slab),
    Claim("L2.one-element", PLAN, "A message next to the box (the point would be labelled + and − at once)",
          c_one_element),
    Claim("L2.gd-restarts", PLAN, "Often 0 of 256 restarts succeed although the exact solver found a network. With "
          "3, 4 and 8 hidden units the success rate climbs towards 1", c_gd_restarts),
    Claim("L2.gd-page", LAB, "gradient descent fail on instances that have a solution (and succeed once you add "
          "hidden units)", c_gd_restarts),
    Claim("L2.gd-question", LAB, "GD with two hidden units often fails on a random instance that the SAT solver calls "
          "splittable", c_gd_restarts),
    Claim("L2.scaling", PLAN, "tens up to n = 12, hundreds at n = 14-16, the most on instances that are not "
          "splittable. The perceptron answers with a single LP at every n (always no: one plane is not enough); the "
          "SAT solver stays fast on these small random instances; GD with 2 hidden units fits none of them (0 of 128 "
          "restarts each), splittable or not", c_scaling),
    Claim("L2.perceptron-no", LAB_B, "a single perceptron's LP on the same data: polynomial time (it only answers "
          "\"is one plane enough?\", here always no)", c_scaling),
]

(test_the_sentence_is_on_the_page, test_the_data_support_the_sentence,
 test_the_course_ledger_is_generated_from_the_claims) = ledger_tests("lab2", CLAIMS)
