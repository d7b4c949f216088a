"""Lab 1's claims ledger: the pages' numbers, checked by deterministic runs of the experiments the
dashboards run (:mod:`hardtrain.experiments`: convex_bowl, product_loss, symmetries, mlp_slice) at
the pages' settings; lab 1 ships no precomputed data.

See tests/claims/ledger.py for how an entry works; course/claims.md lists the entries.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .ledger import Claim, ledger_tests

PLAN = "course/lab01.md"
NB1 = "labs/01_convex_vs_nonconvex.ipynb"
NOVIKOFF = "Novikoff, 1962"


@functools.cache
def _bowl():
    """Section 1 as the dashboard runs it (experiments.convex_bowl at its full/live settings)."""
    from hardtrain.experiments import convex_bowl

    res = convex_bowl.run(convex_bowl.BowlConfig.live())
    sep = True if res.separable else None
    return sep, res.weight_norms, res.perceptron, res.hessian_eigenvalues, res.losses


def c_bowl():
    sep, wnorm, percep, eig, losses = _bowl()
    ok = (sep is not None and round(wnorm[1], 1) == 1.4 and round(wnorm[-1], 1) == 4.6
          and losses[-1] < losses[-50] and eig[0] > -1e-6 * max(1.0, eig[-1])
          and 1600 <= percep.updates <= 2000 and 225_000 <= percep.novikoff_bound <= 275_000)
    return ok, (f"separable {sep is not None}; ||w|| {wnorm[1]:.2f} at step 1, {wnorm[-1]:.2f} at step 400; "
                f"smallest eigenvalue {eig[0]:.2e}; perceptron {percep.updates} updates, bound "
                f"{percep.novikoff_bound:,.0f}")


def _gd(start, lr, steps):
    from hardtrain import landscape
    from hardtrain import train as training

    p = {"a": jnp.float32(start[0]), "w": jnp.float32(start[1])}
    return training.train(landscape.product_loss, p, training.make_optimizer("gd", lr), steps)


@functools.cache
def c_saddle():
    stuck = _gd((1.0, -1.0), 0.1, 100)
    escape = _gd((0.001, 0.001), 0.1, 100)
    losses = np.asarray(escape.losses)
    first = int(np.argmax(losses < 0.5)) if np.any(losses < 0.5) else -1
    ok = abs(float(stuck.losses[-1]) - 1.0) < 1e-6 and losses[24] > 0.5 and 30 <= first <= 40
    return ok, f"from (1, -1): loss {float(stuck.losses[-1]):.6f}; from (0.001, 0.001): loss < 0.5 at step {first}"



def c_dataset():
    from hardtrain import data

    ds = data.load("breast_cancer")
    n = ds.x_train.shape[0] + ds.x_test.shape[0]
    return n == 569 and ds.n_features == 30, f"{n} examples (train + test), {ds.n_features} features"


@functools.cache
def c_not_separable():
    """Section 1 on moons and xor, as the dashboard runs it (experiments.convex_bowl)."""
    from hardtrain.experiments import convex_bowl

    out, ok = [], True
    for name in ("moons", "xor"):
        res = convex_bowl.run(convex_bowl.BowlConfig(dataset=name))
        wnorm, percep = res.weight_norms, res.perceptron
        settled = abs(wnorm[-1] - wnorm[300]) < 1e-3 * wnorm[-1]  # ||w|| has stopped growing: a bottom
        ok &= not res.separable and not percep.converged and settled
        out.append(f"{name}: LP separable {res.separable}, perceptron stopped {percep.converged} after "
                   f"{percep.updates} updates, ||w|| {wnorm[300]:.4f} at step 300 and {wnorm[-1]:.4f} at 400")
    return ok, "; ".join(out)


def _slice_curvatures(kind):
    """The smallest curvature on the dashboard's slices (direction seeds 0-2, half-widths 1 and 3)."""
    from hardtrain.experiments import convex_bowl

    res = convex_bowl.run(convex_bowl.BowlConfig(loss=kind))
    out = []
    for seed in (0, 1, 2):
        dirs = convex_bowl.slice_directions(res, seed)
        for span in (1.0, 3.0):
            out.append(convex_bowl.bowl_slice(res, dirs, span)[1])
    return np.array(out)


def c_slices_bowl():
    lam = _slice_curvatures("cross_entropy")
    return bool(np.all(lam >= -1e-6)), f"smallest curvature on 6 slices (seeds 0-2, half-widths 1 and 3): {np.round(lam, 4)}"


def c_sigmoid_squared():
    lam = _slice_curvatures("sigmoid_squared")
    return bool(np.all(lam < 0)), f"squared error of a sigmoid, smallest curvature on 6 slices: {np.round(lam, 4)}"


def c_log_t():
    from hardtrain.experiments import convex_bowl

    wnorm = convex_bowl.run(convex_bowl.BowlConfig(steps=25_600)).weight_norms
    idx = [400 * 2 ** k for k in range(7)]  # 400, 800, ..., 25,600
    gains = np.diff(wnorm[idx])
    ok = bool(np.all(np.diff(gains) > 0)) and round(gains[0], 2) >= 1.0 and gains[-1] > 7.0
    return ok, f"||w|| gained per doubling of the steps from 400 to 25,600: {np.round(gains, 2)}"


def c_perceptron_bound():
    sep, wnorm, percep, eig, losses = _bowl()
    return percep.novikoff_bound > 100 * percep.updates, (f"perceptron {percep.updates} updates, bound "
                                                          f"{percep.novikoff_bound:,.0f}")


@functools.cache
def c_saddle_values():
    from hardtrain import landscape

    val = {p: float(landscape.product_loss({"a": jnp.float32(p[0]), "w": jnp.float32(p[1])}))
           for p in ((0.0, 0.0), (1.0, 1.0), (-1.0, -1.0))}
    grad = jax.grad(landscape.product_loss)({"a": jnp.float32(0.0), "w": jnp.float32(0.0)})
    ok = val[(0.0, 0.0)] == 1.0 and val[(1.0, 1.0)] == 0.0 and val[(-1.0, -1.0)] == 0.0 and \
        float(grad["a"]) == 0.0 == float(grad["w"])
    return ok, f"L at (0,0), (1,1), (-1,-1): {list(val.values())}; gradient at the origin {grad}"


@functools.cache
def c_curvature_across():
    """At a minimum (a, 1/a) the Hessian has eigenvalues 0 and 2 (a^2 + w^2) (it is [[2w^2, 2], [2, 2a^2]])."""
    from hardtrain import landscape

    def f(v):
        return landscape.product_loss({"a": v[0], "w": v[1]})

    out, ok = [], True
    for a in (0.5, 1.0, 2.0):
        v = jnp.array([a, 1.0 / a], dtype=jnp.float32)
        lam = np.linalg.eigvalsh(np.asarray(jax.hessian(f)(v), dtype=np.float64))
        want = 2 * (a * a + 1 / (a * a))
        ok &= abs(lam[0]) < 1e-5 and abs(lam[1] - want) < 1e-4 * want
        out.append(f"at ({a}, {1 / a:.2f}): {np.round(lam, 4)} (2(a^2+w^2) = {want:.4f})")
    return ok, "; ".join(out)


def _play(optimizer, lr, start, n=4, steps=100, seed=0):
    """The playground's run, as the dashboard makes it (experiments.product_loss)."""
    from hardtrain.experiments import product_loss

    res = product_loss.run(product_loss.PlaygroundConfig(optimizer=optimizer, learning_rate=lr, start=start,
                                                         starts=n, seed=seed, steps=steps))
    pts = np.stack([res.trajectory_a[:, 0], res.trajectory_w[:, 0]], 1)
    return pts, res.trajectory_a[:, -1], res.trajectory_w[:, -1], res.final_losses, res.diverged


def c_hyperbola():
    _, a, w, loss, div = _play("gd", 0.1, (0.5, 1.5))
    spread = min(np.hypot(a[i] - a[j], w[i] - w[j]) for i in range(4) for j in range(i + 1, 4))
    ok = not div.any() and bool(np.all(loss <= 1e-4)) and spread > 0.005
    return ok, f"end points {np.round(np.stack([a, w], 1), 3).tolist()}, losses {loss}, closest pair {spread:.3f} apart"


def c_bouncing():
    _, _, _, low, low_div = _play("gd", 10 ** -0.4, (1.1, 0.9))   # the slider's notches: 0.398, 0.631, 0.794, 1
    _, _, _, mid, mid_div = _play("gd", 10 ** -0.2, (1.1, 0.9))
    _, _, _, _, high_div = _play("gd", 1.0, (1.1, 0.9))
    _, _, _, _, far_div = _play("gd", 10 ** -0.1, (0.5, 1.5))
    ok = (bool(np.all(low <= 1e-4)) and not low_div.any() and not mid_div.any()
          and bool(np.all((np.round(mid, 2) >= 0.15) & (np.round(mid, 2) <= 0.35))) and high_div.all() and far_div.all())
    return ok, (f"from (1.1, 0.9): lr 0.40 losses {low}; lr 0.63 losses {np.round(mid, 3)} (diverged {mid_div}); "
                f"lr 1.0 diverged {high_div}; from (0.5, 1.5) at lr 0.79 diverged {far_div}")


def c_optimisers():
    pts, *gd = _play("gd", 0.1, (0.5, 1.5))
    ends = {name: _play(name, 0.1, (0.5, 1.5))[1:4] for name in ("momentum", "adam")}
    ends["gd"] = gd[:3]
    ok = all(bool(np.all(loss <= 1e-4)) for _, _, loss in ends.values())
    firsts = {k: (float(v[0][0]), float(v[1][0])) for k, v in ends.items()}
    ok &= min(np.hypot(p[0] - q[0], p[1] - q[1]) for i, p in enumerate(firsts.values())
              for q in list(firsts.values())[i + 1:]) > 0.005
    # gradient flow keeps a^2 - w^2: small-step GD nearly does, momentum does not
    c0 = pts[:, 0] ** 2 - pts[:, 1] ** 2
    drift_gd = np.max(np.abs(ends["gd"][0] ** 2 - ends["gd"][1] ** 2 - c0))
    drift_mom = np.max(np.abs(ends["momentum"][0] ** 2 - ends["momentum"][1] ** 2 - c0))
    ok &= drift_gd < 0.05 and drift_mom > 0.5
    return ok, (f"first start's end point per optimiser {firsts}; change of a^2 - w^2: GD {drift_gd:.3f}, "
                f"momentum {drift_mom:.3f}")


def c_log_escape():
    from hardtrain import landscape
    from hardtrain import train as training

    first = []
    for d in (1e-2, 1e-3, 1e-4):
        p = {"a": jnp.float32(d), "w": jnp.float32(d)}
        losses = np.asarray(training.train(landscape.product_loss, p, training.make_optimizer("gd", 0.1), 200).losses)
        first.append(int(np.argmax(losses < 0.5)))
    steps = np.diff(first)  # steps added per factor 10 closer: log(1/distance) adds a constant
    ok = bool(np.all(steps > 0)) and abs(int(steps[1]) - int(steps[0])) <= 1
    return ok, f"steps to loss < 0.5 from (d, d), d = 1e-2, 1e-3, 1e-4: {first}"


def _symmetries():
    """The symmetries section at H = 3, seed 0 (experiments.symmetries): every copy's segment."""
    from hardtrain.experiments import symmetries

    res = symmetries.run(symmetries.SymmetriesConfig(width=3, seed=0))
    rows = []
    for k in range(1, len(res.copies)):
        seg = symmetries.copy_segment(res, k)
        inside = seg.losses[(symmetries.SEGMENT_T >= 0) & (symmetries.SEGMENT_T <= 1)]
        rows.append((seg.report.n_violations, seg.report.n_checks, float(inside.max()) - float(seg.report.losses[0])))
    return np.array(rows), res.rescaling_curve, res.rescaling_line


def c_symmetries():
    rows, curve, line = _symmetries()
    v, n, barrier = rows[:, 0], rows[:, 1], rows[:, 2]
    ok = (bool(np.all(n == 900)) and v.min() >= 100 and v.max() < 900 and barrier.min() > 0
          and barrier.max() > 10 * barrier.min() and np.ptp(curve) < 1e-6 and np.ptp(line) > 1e3 * max(np.ptp(curve), 1e-9))
    return ok, (f"47 copies of the H = 3 tanh net: {int(v.min())}-{int(v.max())} of 900 midpoint checks fail; "
                f"barrier above the ends {barrier.min():.3f}-{barrier.max():.3f}; ReLU rescaling curve varies by "
                f"{np.ptp(curve):.1e}, the straight line by {np.ptp(line):.1e}")


def c_copies():
    import math

    from hardtrain import data, landscape, models

    ds = data.load("xor", seed=0)
    out, ok = [], True
    for h in (1, 2, 3, 4):
        apply_fn, p = models.build(models.MLP, 2, (h,), 1, activation="tanh", seed=h)
        copies = landscape.tanh_symmetries(p)
        flat = np.array([np.concatenate([np.ravel(x) for x in jax.tree.leaves(c)]) for c in copies])
        distinct = len({tuple(np.round(r, 6)) for r in flat})
        outs = np.array([np.asarray(apply_fn(c, ds.x_train)) for c in copies])
        same = float(np.max(np.abs(outs - outs[0])))
        ok &= len(copies) == distinct == 2 ** h * math.factorial(h) and same < 1e-5
        out.append(f"H = {h}: {len(copies)} settings, {distinct} distinct, outputs differ by {same:.1e}")
    return ok, "; ".join(out)


@functools.cache
def c_mlp_slice():
    """The MLP slice at the page's settings (digits, width 32, tanh, 300 steps, seed 0)."""
    from hardtrain.experiments import mlp_slice

    res = mlp_slice.MLPSlice(mlp_slice.MLPSliceConfig.live()).run()
    report, lo = res.violations, res.hessian_extremes[0]
    ok = (res.slice_curvature[0] > 0 and round(res.test_accuracy, 2) == 0.96 and report.n_checks == 1600
          and 10 <= report.n_violations <= 30 and -1e-2 < lo < 0)
    return ok, (f"test accuracy {res.test_accuracy:.3f}; smallest slice curvature {res.slice_curvature[0]:.3g}; "
                f"midpoint convexity fails on {report.n_violations} of {report.n_checks}; Lanczos smallest "
                f"eigenvalue {lo:.2e}")


CLAIMS = [
    Claim("L1.bowl", PLAN, "Loss still falling while ‖w‖ grows (about 1.4 → 4.6). All Hessian eigenvalues ≥ 0. "
          "Perceptron: about 1,800 updates, against a bound (R/γ)² of about 250,000", c_bowl, NOVIKOFF),
    Claim("L1.saddle", PLAN, "From (1, −1) the first start slides into the saddle at the origin and stays there (loss 1)",
          c_saddle),
    Claim("L1.escape", PLAN, "From (0.001, 0.001), 25 steps look stuck; with 100 steps GD escapes (at learning rate 0.1 "
          "it took about 35 steps to get the loss below 0.5)", c_saddle),
    Claim("L1.escape_log", PLAN, "Escape time grows like log(1/distance)", c_log_escape),
    Claim("L1.dataset", NB1, "the Wisconsin breast-cancer data (569 patients, 30 features)", c_dataset),
    Claim("L1.bound_far_above", NB1, "The bound (R/\\gamma)^2 is far above the number of updates the perceptron "
          "actually made", c_perceptron_bound, NOVIKOFF),
    Claim("L1.not_separable", PLAN, "the LP proves non-separability, the perceptron never stops, and GD settles "
          "at a finite minimum: the bowl has a bottom", c_not_separable),
    Claim("L1.not_separable_nb", NB1, "switch to moons or xor (not separable: the LP says so, and the bowl now has a "
          "bottom)", c_not_separable),
    Claim("L1.slices_bowl", PLAN, "Every slice is a bowl; the status line reports the smallest curvature on the slice ≥ 0",
          c_slices_bowl),
    Claim("L1.sigmoid_squared", NB1, "Then switch the Loss to the squared error of a sigmoid: the same data and the same "
          "neuron, another loss. Read the smallest curvature in the status line: what does a negative value tell you",
          c_sigmoid_squared, "Auer, Herbster & Warmuth, NeurIPS 1995"),
    Claim("L1.log_t", PLAN, "Their theorem says ‖w‖ grows like log t eventually; on breast_cancer it is not there yet "
          "after 25,600 steps (each doubling of the steps adds more to ‖w‖ than the one before",
          c_log_t, "Soudry et al., JMLR 2018 (disagrees at this horizon, said on the page)"),
    Claim("L1.saddle_point", PLAN, "the midpoint of (1, 1) and (−1, −1) is the "
          "origin, with loss 1", c_saddle_values),
    Claim("L1.saddle_nb", NB1, "at the origin the gradient vanishes although the loss there is 1", c_saddle_values),
    Claim("L1.hyperbola", PLAN, "All four starts land on the dashed hyperbola a·w = 1, each at a different point",
          c_hyperbola),
    Claim("L1.curvature_across", NB1, "the curvature across the hyperbola grows like a^2 + w^2", c_curvature_across),
    Claim("L1.curvature_local", PLAN, "Along the hyperbola a·w = 1 that eigenvalue is 2(a² + w²)", c_curvature_across),
    Claim("L1.bouncing", PLAN, "at about 0.63 every end point is off the hyperbola with a loss of about 0.15-0.35 and no "
          "\"diverged\" marker. At 1.0 every run is marked \"diverged at step k\", and from the default start (0.5, 1.5), "
          "farther from the origin, every run already diverges at 0.79", c_bouncing),
    Claim("L1.optimisers", PLAN, "Different end points on the same hyperbola: the optimiser, not the loss, decides which "
          "of the equally good minima you get. (Gradient flow keeps a² − w² constant, so small-step GD lands at the "
          "minimum with the same a² − w² as its start; momentum and large steps do not.)", c_optimisers),
    Claim("L1.copies", (NB1, "labs/01b_hidden_layer_landscapes.ipynb"), "one hidden layer brings 2^H H! equivalent minima",
          c_copies, "Chen, Lu & Hecht-Nielsen, Neural Computation 1993"),
    Claim("L1.symmetries", PLAN, "Equal ends, a higher middle: midpoint convexity fails on hundreds of the 900 checks. "
          "The barrier's height depends on the copy (some copies are only a little higher in the middle, some much "
          "more). The ReLU curve is flat while the straight segment is not", c_symmetries),
    Claim("L1.mlp_slice", PLAN, "The slice is bowl-shaped (smallest curvature on the slice > 0) and test accuracy is "
          "about 96 %, but the init-to-trained line fails midpoint convexity on about twenty of 1,600 checks, and the "
          "full Hessian (Lanczos) has a small negative smallest eigenvalue", c_mlp_slice,
          "Li et al., NeurIPS 2018; Goodfellow et al., ICLR 2015"),
    Claim("L1.mlp_slice_nb", "labs/01b_hidden_layer_landscapes.ipynb", "a slice can look like a bowl while the line from "
          "the initialisation, or the full Hessian, tells another story", c_mlp_slice),
]

(test_the_sentence_is_on_the_page, test_the_data_support_the_sentence,
 test_the_course_ledger_is_generated_from_the_claims) = ledger_tests("lab1", CLAIMS)
