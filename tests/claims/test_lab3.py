"""Lab 3's claims ledger (double descent so far): sentences of labs/03*.ipynb and course/lab03.md
checked against assets/lab3/double_descent_rf.json and double_descent_mlp.json.

See tests/claims/ledger.py for how an entry works; course/claims.md lists the entries.
"""

from __future__ import annotations

import json

import numpy as np

from .ledger import ROOT, Claim, ledger_tests

LAB = "labs/03_overparameterization.ipynb"
PLAN = "course/lab03.md"
BELKIN = "Belkin, Hsu, Ma & Mandal, PNAS 2019, arXiv 1812.11118"
NAKKIRAN = "Nakkiran et al., ICLR 2020, arXiv 1912.02292"


def _load(name):
    return json.loads((ROOT / "assets" / "lab3" / name).read_text(encoding="utf-8"))


RF = _load("double_descent_rf.json")
MLP = _load("double_descent_mlp.json")
N_TRAIN = 1000  # the precomputed sweeps' n (their description says so; checked below)


def rf(noise: str, metric: str) -> tuple[list[int], np.ndarray]:
    run = RF["result"][noise]
    return run["widths"], np.asarray([np.mean(x) for x in run["metrics"][metric]])


def mlp(noise: str, metric: str) -> tuple[list[int], np.ndarray]:
    run = MLP["result"][noise]
    return run["widths"], np.asarray(run["metrics"][metric], float).reshape(len(run["widths"]), -1).mean(axis=1)


def c_n():
    seeds = {k: r["settings"]["seeds"] for k, r in RF["result"].items()}
    ns = {r["settings"]["n_train"] for d in (RF, MLP) for r in d["result"].values()}
    ok = ("n = 1000" in RF["description"] and "n = 1000" in MLP["description"] and ns == {N_TRAIN}
          and all(len(v) == 3 for v in seeds.values()))
    return ok, f"{RF['description']}; n_train {ns}; seeds of the features {seeds}"


def n_classes() -> int:
    """The number of classes, read off the shipped MLP sweep: a 40-m-K MLP has 41 m + m K + K
    parameters, so two widths give K."""
    run = MLP["result"]["noise_0"]
    (w1, w2), (p1, p2) = run["widths"][:2], [x[0] for x in run["metrics"]["params"][:2]]
    return int(round((p2 - p1) / (w2 - w1) - 41))


def c_peak_at_threshold():
    out, ok = {}, True
    for noise in ("noise_0", "noise_0.15"):
        w, test = rf(noise, "test_error")
        out[noise] = (w[int(np.argmax(test))], round(float(test.min()), 3))
        ok &= w[int(np.argmax(test))] == N_TRAIN and test.min() >= 0.65
    return ok, f"(width of the peak, lowest test error): {out}"


def c_as_high():
    w, t0 = rf("noise_0", "test_error")
    _, t15 = rf("noise_0.15", "test_error")
    i = w.index(N_TRAIN)
    right0, right15 = t0[-1], t15[-1]
    ok = abs(t0[i] - t15[i]) <= 0.01 and right15 > right0
    return ok, f"peak {t0[i]:.3f} without, {t15[i]:.3f} with 15% noise; at N = {w[-1]}: {right0:.3f} vs {right15:.3f}"


def c_numbers_plan():
    w, t15 = rf("noise_0.15", "test_error")
    i = w.index(N_TRAIN)
    _, norm = rf("noise_0.15", "norm")
    j = w.index(460)  # about n/2
    _, train = rf("noise_0.15", "train_error")
    ok = (abs(t15[i] - 0.89) < 0.01 and abs(t15[0] - 0.76) < 0.01 and abs(t15[-1] - 0.69) < 0.01
          and w[0] == 50 and w[-1] == 16000 and int(np.argmax(norm)) == i and norm[i] / norm[j] >= 10
          and train[i] <= 1e-3 and round(1 - 1 / n_classes(), 2) == 0.90)
    return ok, (f"chance {1 - 1 / n_classes():.2f}; "
                f"test error {t15[0]:.3f} at N = {w[0]}, {t15[i]:.3f} at N = n, {t15[-1]:.3f} at N = {w[-1]}; "
                f"norm peak at N = {w[int(np.argmax(norm))]}, {norm[i] / norm[j]:.1f}x the norm at N = 460; "
                f"train error at N = n {train[i]:.4f}")


def c_mlp():
    w, test = mlp("noise_0.15", "test_error")
    seeds = MLP["result"]["noise_0.15"].get("settings", {}).get("seed")
    bump = test[w.index(32)] - test[w.index(8)]
    ok = 0 < bump < 0.02 and test[-1] < test[:-1].min() and w[-1] == 512
    return ok, f"bump {bump:.3f} (width 8 -> 32), width 512: {test[-1]:.3f}, narrower min {test[:-1].min():.3f}, seed {seeds}"


def c_mlp_plan():
    w, test = mlp("noise_0.15", "test_error")
    _, train = mlp("noise_0.15", "train_error")
    first_fit = w[int(np.argmax(train <= 0))]
    ok = (first_fit == 32 and round(test[w.index(8)], 3) == 0.676 and round(test[w.index(32)], 3) == 0.687
          and round(test[-1], 2) == 0.63)
    return ok, f"first width with train error 0: {first_fit}; test {dict(zip(w, np.round(test, 3)))}"


WIDTH = _load("width_makes_easy.json")
BLUM_RIVEST = "Blum & Rivest, Neural Networks 1992 (NIPS 1988)"
LAB_B = "labs/03b_price_of_accuracy.ipynb"


def c_solver_fits():
    """A small deterministic run: lab 2's exact solver fits lab 3's Set-Splitting training set."""
    from hardtrain.experiments.width_makes_easy import hard_instance
    from hardtrain.hardness import blum_rivest as br

    n, subsets = hard_instance()
    X, y = br.blum_rivest_dataset(n, subsets)
    net = br.fit_threshold_network(X, y)
    ok = net is not None and bool((net.predict(X) == y).all())
    return ok, f"{len(y)} training points, network found: {net is not None}"


def c_gd_width2():
    hard = WIDTH["result"]["hard_instance"]
    errors = np.asarray(hard["metrics"]["errors"][hard["widths"].index(2)])
    rate = float(np.mean(errors == 0))
    return rate <= 0.1, f"{rate:.0%} of {errors.size} gradient-descent restarts fit every point at width 2"


LADDER = _load("cost_ladder.json")


def c_alpha():
    from hardtrain import compute

    rungs = LADDER["result"]["rungs"]
    fit = compute.fit_power_law([r["flops"] for r in rungs], [r["test_error"] for r in rungs])
    alpha = compute.compute_exponent(fit)
    lo, hi = compute.compute_exponent_interval(fit)
    ok = (len(rungs) == 5 and round(fit.exponent, 3) == -0.084 and round(fit.r2, 2) == 0.95 and 11.5 <= alpha <= 12.5
          and 7.5 <= lo <= 8.5 and 20 <= hi <= 22 and lo < 9 < hi and 4 < lo and 3500 <= 2 ** alpha <= 4500)
    return ok, f"k {fit.exponent:.4f}, r2 {fit.r2:.3f}, alpha {alpha:.2f}, 95% interval ({lo:.2f}, {hi:.2f}), 2^alpha {2 ** alpha:.0f}"


CLAIMS = [
    Claim("L3.alpha", PLAN, "fits error ∝ compute^-0.084 (r² 0.95), i.e. α ≈ 12, with a 95% interval of about 8 to 21 "
          "from five rungs: ImageNet's 9 lies inside it, theory's 4 below it. Along the fit, halving the error would "
          "take about 4,000x the compute of the largest rung", c_alpha, "Thompson et al., arXiv 2007.05558"),
    Claim("L3.hard-solver", LAB_B, "the exact solver of lab 2 finds one at once", c_solver_fits, BLUM_RIVEST),
    Claim("L3.hard-gd", LAB_B, "gradient descent on the smooth relaxation rarely finds it at width 2", c_gd_width2),
    Claim("L3.dd-n", LAB, "grey; n = 1,000, 3 seeds of the features", c_n),
    Claim("L3.dd-n-plan", PLAN, "the grey full-scale curves (n = 1000)", c_n),
    Claim("L3.dd-peak", LAB, "The test error of random features peaks at N = n, with and without label noise, and "
          "never goes below 65%", c_peak_at_threshold, BELKIN),
    Claim("L3.dd-noise", LAB, "The peak is as high without label noise as with 15% (within 0.01)", c_as_high, NAKKIRAN),
    Claim("L3.dd-noise-right", LAB, "What label noise changes is the error of the largest models: at N = 16,000 it is "
          "higher with 15% noise than without", c_as_high),
    Claim("L3.dd-noise-plan", PLAN, "the peak is as high without label noise as with 15% (within 0.01)", c_as_high,
          NAKKIRAN),
    Claim("L3.dd-numbers", PLAN, "The train error reaches 0 at N = n; the test error peaks there (about 0.89 at N = n = "
          "1000 in the full-scale run, against about 0.76 at N = 50 and 0.69 at N = 16,000, with chance at 0.90); the "
          "norm of the solution peaks at the same N, about 10 times its value at N = n/2", c_numbers_plan, BELKIN),
    Claim("L3.dd-mlp", LAB, "its bump of about 1 point at width 32 is too small to tell from one seed's noise, and its "
          "test error at width 512 is below that of every narrower net", c_mlp, NAKKIRAN),
    Claim("L3.dd-mlp-plan", PLAN, "the train error first reaches 0 at width 32; with 15 % noise the test error bumps "
          "there (0.676 at width 8, 0.687 at 32) and then falls to 0.63 at width 512, below every narrow net",
          c_mlp_plan, NAKKIRAN),
]


# ------------------------------------------------------------------ lazy training, width, cost

LAZY = _load("lazy_training.json")


def c_lazy():
    from hardtrain import compute

    sweep = LAZY["result"]["sweep"]
    w = sweep["widths"]
    rel = np.asarray([np.mean(x) for x in sweep["metrics"]["relative_change"]])
    loss = np.asarray([np.mean(x) for x in sweep["metrics"]["final_loss"]])
    slope = compute.fit_power_law(w, rel).exponent
    ok = (w[0] == 32 and w[-1] == 8192 and round(rel[0], 2) == 0.28 and round(rel[-1], 2) == 0.02
          and round(slope, 2) == -0.48 and np.all(np.abs(loss - 0.41) < 0.02))
    return ok, f"relative change {rel[0]:.3f} at m = {w[0]}, {rel[-1]:.3f} at m = {w[-1]}; slope {slope:.3f}; loss {np.round(loss, 3)}"


def c_width():
    res = WIDTH["result"]
    hard, memo = res["hard_instance"], res["memorisation"]
    rate_h = dict(zip(hard["widths"], [float(np.mean(np.asarray(a) == 0)) for a in hard["metrics"]["errors"]]))
    rate_m = dict(zip(memo["widths"], [float(np.mean(np.asarray(a) == 0)) for a in memo["metrics"]["train_error"]]))
    ok = (round(100 * rate_h[2]) == 0 and round(100 * rate_h[3]) == 34 and round(100 * rate_h[4]) == 78
          and all(rate_h[w] == 1.0 for w in hard["widths"] if w >= 6)
          and len(hard["metrics"]["errors"][0]) == 32
          and all(rate_m[w] == 0.0 for w in memo["widths"] if w <= 8) and rate_m[16] == 0.75
          and all(rate_m[w] == 1.0 for w in memo["widths"] if w >= 32)
          and memo["settings"]["n_train"] == 500 and len(memo["settings"]["seeds"]) == 8)
    return ok, f"hard instance {rate_h}; random labels {rate_m}"


def c_price_energy():
    from hardtrain import compute

    rungs = LADDER["result"]["rungs"]
    fit = compute.fit_power_law([r["flops"] for r in rungs], [r["test_error"] for r in rungs])
    last = rungs[-1]
    est = compute.halving_cost(fit, last["test_error"], last["flops"] / last["seconds"])
    a = compute.DEFAULT_ASSUMPTIONS
    ok = (round(est.kwh, 1) == 0.3 and abs(est.gco2 - 140) <= 10 and a.watts == 65 and a.grid_gco2_per_kwh == 475
          and abs(rungs[0]["test_error"] - 0.75) < 0.01 and abs(last["test_error"] - 0.43) < 0.01)
    return ok, f"{est.kwh:.3f} kWh, {est.gco2:.0f} g CO2 at {a.watts} W and {a.grid_gco2_per_kwh} g/kWh"


CLAIMS += [
    Claim("L3.lazy", PLAN, "The relative change falls from about 0.28 at m = 32 to about 0.02 at m = 8,192, on the "
          "dashed m^-1/2 line (fitted slope about −0.48), while the final loss stays about the same (≈0.41)", c_lazy,
          "Jacot et al., NeurIPS 2018; Lee et al., NeurIPS 2019"),
    Claim("L3.width", PLAN, "Full scale (32 restarts): 0 % of GD restarts fit the hard instance at width 2, 34 % at "
          "width 3, 78 % at width 4, 100 % from width 6. Random labels (500 MNIST-1D inputs, 8 seeds): 0 % up to "
          "width 8, 75 % at width 16, 100 % from width 32", c_width, "Zhang et al., ICLR 2017"),
    Claim("L3.price-energy", PLAN, "(about 0.3 kWh, 140 g CO2 at the default 65 W and 475 g/kWh)", c_price_energy,
          "Strubell, Ganesh & McCallum, ACL 2019"),
]



# ------------------------------------------------------------------ the rest of the pages' numbers and directions

LAB_NOISES = ("noise_0", "noise_0.15")
JACOT_LEE = "Jacot et al., NeurIPS 2018, arXiv 1806.07572; Lee et al., NeurIPS 2019, arXiv 1902.06720"
ZHANG = "Zhang et al., ICLR 2017, arXiv 1611.03530"
THOMPSON = "Thompson, Greenewald, Lee & Manso, arXiv 2007.05558 (2020); IEEE Spectrum 58(10), 2021"
STRUBELL = "Strubell, Ganesh & McCallum, ACL 2019, arXiv 1906.02243"


def c_chance():
    k = n_classes()
    return k == 10 and round(100 * (1 - 1 / k)) == 90, f"{k} classes (from the MLP's parameter counts): chance {1 - 1 / k:.0%}"


def c_dd_shape():
    """Random features: the test error rises to its peak at N = n (from a minimum at least 10 points
    lower on the left), then falls at every larger N, ending below the peak."""
    out, ok = {}, True
    for noise in LAB_NOISES:
        w, test = rf(noise, "test_error")
        i = w.index(N_TRAIN)
        rise, falls = test[i] - test[:i].min(), bool(np.all(np.diff(test[i:]) < 0))
        ok &= int(np.argmax(test)) == i and rise >= 0.1 and falls
        out[noise] = f"peak at N = {w[int(np.argmax(test))]}, rise {rise:.3f} from the left minimum, falls after: {falls}"
    return ok, str(out)


def c_three_curves():
    out, ok = {}, True
    for noise in LAB_NOISES:
        w, train = rf(noise, "train_error")
        _, test = rf(noise, "test_error")
        _, norm = rf(noise, "norm")
        first0 = w[int(np.argmax(train == 0))]
        i = w.index(N_TRAIN)
        ok &= (first0 == N_TRAIN and bool(np.all(train[i:] == 0)) and int(np.argmax(test)) == i
               and int(np.argmax(norm)) == i and norm[i] / norm[w.index(460)] >= 10)
        out[noise] = (f"train error first 0 at N = {first0}; test peak at N = {w[int(np.argmax(test))]}; norm peak at "
                      f"N = {w[int(np.argmax(norm))]}, {norm[i] / norm[w.index(460)]:.1f}x the norm at N = 460")
    return ok, str(out)


def c_noise_right():
    """At every N from 4n on, the test error is higher with 15% noise than without."""
    w, t0 = rf("noise_0", "test_error")
    _, t15 = rf("noise_0.15", "test_error")
    big = [j for j, n in enumerate(w) if n >= 4 * N_TRAIN]
    ok = len(big) >= 3 and all(t15[j] > t0[j] for j in big)
    return ok, "; ".join(f"N = {w[j]}: {t0[j]:.3f} without, {t15[j]:.3f} with 15% noise" for j in big)


def c_unfittable():
    """Without label noise, the readout's best test error is still above 65% (what it cannot fit
    is far more than the 15% of injected wrong labels), and the peak is as high as with noise."""
    w, t0 = rf("noise_0", "test_error")
    _, t15 = rf("noise_0.15", "test_error")
    i = w.index(N_TRAIN)
    ok = t0.min() >= 0.65 and abs(t0[i] - t15[i]) <= 0.01
    return ok, f"noise-free test error: lowest {t0.min():.3f}; peak {t0[i]:.3f} without noise, {t15[i]:.3f} with 15%"


def c_far_right():
    from hardtrain.experiments.double_descent import default_widths

    w, train = rf("noise_0.15", "train_error")
    _, test = rf("noise_0.15", "test_error")
    live = {n: default_widths(n, 9)[-1] / n for n in (250, 500, 1000)}  # the view's 9 widths per n
    seeds_fit = all(np.asarray(RF["result"]["noise_0.15"]["metrics"]["train_error"][-1]) == 0)
    ok = (w[-1] / N_TRAIN == 16 and all(r == 10 for r in live.values()) and seeds_fit
          and test[-1] < test[w.index(N_TRAIN)])
    return ok, (f"grey: N = {w[-1]} for n = {N_TRAIN}; live: largest N / n {live}; train error at N = {w[-1]} "
                f"{train[-1]:.3f} (every seed 0: {seeds_fit}); test {test[-1]:.3f} vs {test[w.index(N_TRAIN)]:.3f} at the peak")


N_TEST = RF["result"]["noise_0"]["settings"]["n_test"]


def _mlp_rises():
    """Per noise level, the largest rise of the MLP's test error above its running minimum, and two
    standard errors of a test error on the test set there (a rise below that is no clear peak)."""
    out = {}
    for noise in LAB_NOISES:
        _, test = mlp(noise, "test_error")
        rises = test - np.minimum.accumulate(test)
        j = int(np.argmax(rises))
        out[noise] = (float(rises[j]), 2 * float(np.sqrt(test[j] * (1 - test[j]) / N_TEST)))
    return out


def c_mlp_no_peak():
    runs = MLP["result"]
    one_seed = all(isinstance(r["settings"]["seed"], int) and all(len(x) == 1 for x in r["metrics"]["test_error"])
                   for r in runs.values())
    steps = {r["settings"]["steps"] for r in runs.values()}
    rises = _mlp_rises()
    ok = one_seed and steps == {4000} and all(r < se2 for r, se2 in rises.values()) and N_TEST == 1000
    return ok, (f"one seed {one_seed}, steps {steps}; largest rise above the running minimum vs 2 standard errors "
                f"on {N_TEST} test points: {rises}")


def c_mlp_plan_setup():
    settings = [r["settings"] for r in MLP["result"].values()]
    ok = all(s["steps"] == 4000 and s["n_train"] == N_TRAIN and "Adam" in s["model"] for s in settings)
    return ok, str(settings)


def c_mlp_longer():
    """One seed, a bump of about 1 point, no clear peak; and the step count against Nakkiran et
    al.'s ResNet18 runs (4,000 epochs of CIFAR-10's 50,000 images in mini-batches of 128, from the
    paper): the MLP here is trained full batch, so its 4,000 steps are 4,000 epochs too."""
    ok_peak, numbers = c_mlp_no_peak()
    w, test = mlp("noise_0.15", "test_error")
    bump = test[w.index(32)] - test[w.index(8)]
    s = MLP["result"]["noise_0.15"]["settings"]
    epochs = s["steps"] if "full batch" in s["model"] else float("nan")
    ratio = 4000 * int(np.ceil(50_000 / 128)) / s["steps"]
    ok = ok_peak and round(100 * bump) == 1 and epochs == 4000 and 350 <= ratio <= 450
    return ok, f"{numbers}; bump {bump:.3f}; epochs here {epochs}; Nakkiran et al.'s steps / ours {ratio:.0f}"


def c_mlp_noise0_bump():
    w, test = mlp("noise_0", "test_error")
    rises = test - np.minimum.accumulate(test)
    j = int(np.argmax(rises))
    rise, se2 = _mlp_rises()["noise_0"]
    ok = round(100 * rise) == 3 and w[j] == 16 and rise < se2 and N_TEST == 1000
    return ok, f"largest rise {rise:.3f} at width {w[j]}; two standard errors on {N_TEST} test points {se2:.3f}"


def _lazy_arrays():
    sweep = LAZY["result"]["sweep"]
    m = sweep["metrics"]
    return (sweep["widths"], np.asarray(m["relative_change"], float), np.asarray(m["initial_loss"], float),
            np.asarray(m["final_loss"], float))


def c_lazy_small():
    w, rel, _, _ = _lazy_arrays()
    mean = rel.mean(axis=1)
    ok = bool(np.all(np.diff(mean) < 0)) and mean[-1] <= 0.03 and w[-1] >= 4096
    return ok, f"relative weight change {np.round(mean, 3).tolist()} at widths {w}"


def c_lazy_power():
    from hardtrain import compute

    w, rel, _, _ = _lazy_arrays()
    fit = compute.fit_power_law(w, rel.mean(axis=1))
    return fit.exponent < 0 and fit.r2 >= 0.98, f"log-log fit: slope {fit.exponent:.3f}, r2 {fit.r2:.4f}"


def c_lazy_function():
    """The loss falls to less than half its start at every width and seed, while the relative
    weight change shrinks at every doubling of the width to 2% at the widest."""
    w, rel, l0, l1 = _lazy_arrays()
    mean = rel.mean(axis=1)
    ok = bool(np.all(l1 < 0.5 * l0)) and bool(np.all(np.diff(mean) < 0)) and round(mean[-1], 2) == 0.02
    return ok, (f"loss {np.round(l0.mean(1), 2).tolist()} -> {np.round(l1.mean(1), 3).tolist()}; "
                f"relative change {np.round(mean, 3).tolist()}")


def _success_rates():
    res = WIDTH["result"]
    hard, memo = res["hard_instance"], res["memorisation"]
    rh = [float(np.mean(np.asarray(a) == 0)) for a in hard["metrics"]["errors"]]
    rm = [float(np.mean(np.asarray(a) == 0)) for a in memo["metrics"]["train_error"]]
    return hard["widths"], rh, memo["widths"], rm


def c_width_easy():
    """Lab 2's instance: no GD restart fits it at width 2, more at every wider width (never fewer),
    most from width 4, all at the widest; random labels: all seeds fit at the widest."""
    wh, rh, wm, rm = _success_rates()
    ok = (wh[0] == 2 and rh[0] == 0 and bool(np.all(np.diff(rh) >= 0)) and rh[wh.index(4)] > 0.5
          and rh[-1] == 1.0 and rm[-1] == 1.0)
    return ok, f"hard instance {dict(zip(wh, rh))}; random labels {dict(zip(wm, rm))}"


def c_memo_wide():
    _, _, wm, rm = _success_rates()
    ok = all(r == 1.0 for w, r in zip(wm, rm) if w >= 32) and all(r == 0.0 for w, r in zip(wm, rm) if w <= 8)
    return ok, f"fraction of seeds fitting every random label: {dict(zip(wm, rm))}"


def c_sat_fits():
    """Lab 2's SAT solver splits the instance, and the network built from the splitting (and the
    exact solver's network) classifies every point of its Blum-Rivest training set."""
    from hardtrain.experiments.width_makes_easy import hard_instance
    from hardtrain.hardness import blum_rivest as br
    from hardtrain.hardness import setsplitting

    n, subsets = hard_instance()
    X, y = br.blum_rivest_dataset(n, subsets, gadget=True)
    colours = setsplitting.solve_set_splitting(n, subsets)
    fits = colours is not None and bool((br.network_from_splitting(n, subsets, colours).predict(X) == y).all())
    solver_ok, numbers = c_solver_fits()
    return fits and solver_ok, f"splitting found: {colours is not None}; its network fits all {len(y)} points: {fits}; {numbers}"


def _ladder():
    rungs = LADDER["result"]["rungs"]
    return (rungs, np.asarray([r["flops"] for r in rungs]), np.asarray([r["test_error"] for r in rungs]),
            np.asarray([r["seconds"] for r in rungs]))


def c_ladder_rungs():
    """price_of_accuracy.default_ladder (the live ladder, and the one shipped): 5 rungs, width and data double,
    steps grow 1.3-1.5x; on the shipped run the error falls at every rung, slowly (by less than half
    over the whole ladder), while FLOPs and seconds grow."""
    from hardtrain.experiments.price_of_accuracy import default_ladder

    lad = default_ladder()
    rungs, flops, err, secs = _ladder()
    shipped = [(r["rung"]["width"], r["rung"]["n_train"], r["rung"]["steps"]) for r in rungs]
    mine = [(r.width, r.n_train, r.steps) for r in lad]
    ratio = lambda k: [b[k] / a[k] for a, b in zip(mine, mine[1:])]  # noqa: E731
    ok = (len(lad) == 5 and shipped == mine and ratio(0) == [2.0] * 4 and ratio(1) == [2.0] * 4
          and all(1.3 <= r <= 1.5 for r in ratio(2)) and bool(np.all(np.diff(err) < 0))
          and bool(np.all(np.diff(flops) > 0)) and bool(np.all(np.diff(secs) > 0)) and err[-1] / err[0] > 0.5)
    return ok, (f"rungs {mine}; step ratios {np.round(ratio(2), 2).tolist()}; test error {np.round(err, 3).tolist()} "
                f"at FLOPs {[f'{f:.1e}' for f in flops]}")


def c_ladder_range():
    rungs, flops, err, _ = _ladder()
    ok = (len(rungs) == 5 and round(flops[0] / 1e7) == 7 and round(flops[-1] / 1e10) == 7
          and round(err[0], 2) == 0.75 and round(err[-1], 2) == 0.43)
    return ok, f"{len(rungs)} rungs, {flops[0]:.2e} to {flops[-1]:.2e} FLOPs, test error {err[0]:.3f} -> {err[-1]:.3f}"


def c_interval_wide():
    """Five rungs over three decades of FLOPs; the 95% interval of alpha spans more than a factor 2."""
    from hardtrain import compute

    rungs, flops, err, _ = _ladder()
    fit = compute.fit_power_law(flops, err)
    lo, hi = compute.compute_exponent_interval(fit)
    decades = np.log10(flops[-1] / flops[0])
    ok = len(rungs) == 5 and round(decades) == 3 and hi / lo > 2
    return ok, f"{len(rungs)} rungs over {decades:.2f} decades of FLOPs; 95% interval of alpha ({lo:.1f}, {hi:.1f})"


def c_high_power():
    from hardtrain import compute

    _, flops, err, _ = _ladder()
    fit = compute.fit_power_law(flops, err)
    alpha, (lo, _) = compute.compute_exponent(fit), compute.compute_exponent_interval(fit)
    return lo > 4 and alpha > 9, f"alpha {alpha:.1f}, 95% interval from {lo:.1f}: above theory's 4"


def c_proportional():
    """halving_cost on the shipped ladder under doubled watts, then a doubled grid intensity."""
    from hardtrain import compute

    rungs, flops, err, secs = _ladder()
    fit = compute.fit_power_law(flops, err)
    a = compute.DEFAULT_ASSUMPTIONS

    def cost(assumptions):
        return compute.halving_cost(fit, err[-1], flops[-1] / secs[-1], assumptions)

    base, watts, grid = cost(a), cost(a.replace(watts=2 * a.watts)), cost(a.replace(grid_gco2_per_kwh=2 * a.grid_gco2_per_kwh))
    close = lambda x, y: abs(x - y) <= 1e-9 * abs(y)  # noqa: E731
    ok = (close(watts.kwh, 2 * base.kwh) and close(watts.gco2, 2 * base.gco2) and close(grid.kwh, base.kwh)
          and close(grid.gco2, 2 * base.gco2) and base.flops == watts.flops == grid.flops)
    return ok, (f"kWh {base.kwh:.3f} / {watts.kwh:.3f} (2x watts) / {grid.kwh:.3f} (2x grid); g CO2 {base.gco2:.0f} / "
                f"{watts.gco2:.0f} / {grid.gco2:.0f}; FLOPs {base.flops:.3e} / {watts.flops:.3e} / {grid.flops:.3e}")


def c_published():
    """The reference exponents the dashboard draws (compute.PUBLISHED_EXPONENTS) are the page's 4
    (theory, a lower bound) and 9 (ImageNet trend), and 2^9 = 512."""
    from hardtrain import compute

    alphas = {name: v["alpha"] for name, v in compute.PUBLISHED_EXPONENTS.items()}
    theory = [a for n, a in alphas.items() if n.startswith("theory")]
    imagenet = [a for n, a in alphas.items() if "ImageNet" in n]
    ok = theory == [4.0] and imagenet == [9.0] and 2 ** imagenet[0] == 512
    return ok, f"{alphas}; 2^9 = {2 ** 9}"


def c_typical_values():
    """The page's example values against the sources compute.Assumptions cites for its defaults."""
    import re

    from hardtrain import compute

    src = " ".join(compute.DEFAULT_ASSUMPTIONS.sources)
    hydro = re.search(r"hydro[^.]*? below (\d+)", src)
    coal = re.search(r"coal-heavy grid above (\d+)", src)
    gpu = re.search(r"GPU[^.]*?up to (\d+) W", src)
    ok = bool(hydro and coal and gpu) and 25 < int(hydro[1]) and 800 > int(coal[1]) and int(gpu[1]) == 700
    compute.Assumptions(watts=700.0, grid_gco2_per_kwh=25.0), compute.Assumptions(grid_gco2_per_kwh=800.0)
    return ok, (f"sources: hydro below {hydro and hydro[1]}, coal-heavy above {coal and coal[1]}, "
                f"GPU up to {gpu and gpu[1]} W")


def c_two_figures():
    import re

    counts = {}
    for where in (LAB, LAB_B):
        nb = json.loads((ROOT / where).read_text(encoding="utf-8"))
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        counts[where] = len(re.findall(r"\blab3\.[A-Z]\w*\(", code))
    return set(counts.values()) == {2}, f"dashboard views per page: {counts}"


def c_exercise_count():
    from hardtrain import exercises

    ids = [e[0] for e in exercises.list_exercises(lab=3)]
    return len(ids) == 5, f"{len(ids)} exercises: {ids}"


def c_wrapup():
    """Past N = n the minimum-norm fit's norm falls (the largest model's is under a fifth of the
    peak); the widest lazy net's weights move 2%; width 2 fits lab 2's instance on no restart and
    random labels on no seed, the widest nets on all."""
    w, norm = rf("noise_0.15", "norm")
    i = w.index(N_TRAIN)
    lazy_ok, lazy = c_lazy_small()
    _, rh, _, rm = _success_rates()
    ok = (bool(np.all(np.diff(norm[i:]) < 0)) and norm[-1] < norm[i] / 5 and lazy_ok and rh[0] == rm[0] == 0.0
          and rh[-1] == rm[-1] == 1.0)
    return ok, (f"norm {norm[i]:.0f} at N = n, {norm[-1]:.0f} at N = {w[-1]}; {lazy}; success at the narrowest "
                f"{rh[0]}, {rm[0]} and the widest {rh[-1]}, {rm[-1]}")


CLAIMS += [
    # course/lab03.md
    Claim("L3.published", PLAN, "theory says compute grows at least like the 4th power of the improvement, the fitted "
          "ImageNet trend like the 9th (Thompson et al.)", c_published, THOMPSON),
    Claim("L3.obj-threshold", PLAN, "explain why the test error peaks there and falls again beyond it", c_dd_shape,
          BELKIN),
    Claim("L3.obj-lazy", PLAN, "in the NTK parameterisation the relative weight change shrinks like a power of the "
          "width", c_lazy_power, JACOT_LEE),
    Claim("L3.obj-width", PLAN, "a fixed small architecture is hard to train, a wider one fits the same data from most "
          "random starts", c_width_easy),
    Claim("L3.dd-unfittable-plan", PLAN, "here the part of MNIST-1D that random features cannot fit acts like noise "
          "already", c_unfittable, NAKKIRAN),
    Claim("L3.dd-noise-right-plan", PLAN, "Noise raises the error of the largest models instead", c_noise_right),
    Claim("L3.dd-mlp-setup-plan", PLAN, "A real network trained by Adam (full scale: 4,000 steps, n = 1000)",
          c_mlp_plan_setup),
    Claim("L3.dd-mlp-longer", PLAN, "One seed, and a 1-point bump: no clear peak appears at this training length "
          "(Nakkiran et al. also train for 4,000 epochs, but in mini-batches of 128 on CIFAR-10: about 400 times more "
          "steps)", c_mlp_longer, NAKKIRAN),
    Claim("L3.hard-solver-plan", PLAN, "the instance is splittable, so a 2-unit threshold net fits it, and lab 2's "
          "exact solver finds that net at once", c_sat_fits, BLUM_RIVEST),
    Claim("L3.hard-gd-plan", PLAN, "What is hard here is gradient descent at width 2", c_gd_width2),
    Claim("L3.typical-values-plan", PLAN, "Then type the power of a GPU (700 W), a hydro grid (25 gCO2/kWh), a "
          "coal-heavy grid (800)", c_typical_values, "NVIDIA H100 SXM datasheet; IEA, Global Energy & CO2 Status Report 2019"),
    Claim("L3.ladder-rungs", PLAN, "Each rung: more width, data and steps; error falls slowly with FLOPs",
          c_ladder_rungs),
    Claim("L3.ladder-range", PLAN, "The full-scale ladder (5 rungs, 7e7 to 7e10 FLOPs, test error 0.75 → 0.43)",
          c_ladder_range),
    Claim("L3.price-proportional", PLAN, "The energy changes in proportion to the watts, the CO2 to the watts and the "
          "grid; the FLOPs do not change", c_proportional, STRUBELL),
    Claim("L3.wrapup", PLAN, "Past the interpolation threshold, the training rule picks a small-norm fit among many; "
          "wide nets train lazily near a nearly convex regime and find fits that narrow ones miss", c_wrapup),
    Claim("L3.wrapup-price", PLAN, "The price is compute that grows like a high power of the accuracy gained",
          c_high_power, THOMPSON),
    Claim("L3.exercise-count", PLAN, "Five self-checks", c_exercise_count),
    Claim("L3.ladder-factors", PLAN, "by factors chosen by us (experiments.price_of_accuracy.default_ladder: width and data double, steps "
          "grow 1.3 to 1.5 times)", c_ladder_rungs),
    Claim("L3.decades", PLAN, "Three to five points over three decades of FLOPs leave the slope uncertain",
          c_interval_wide),
    Claim("L3.misc-threshold", PLAN, "The test error peaks at the interpolation threshold and falls again beyond it",
          c_dd_shape, BELKIN),
    Claim("L3.misc-lazy", PLAN, "The function changes by O(1) (the loss falls at every width); the weights change by a "
          "vanishing fraction", c_lazy_function, "Chizat, Oyallon & Bach, NeurIPS 2019, arXiv 1812.07956"),
    Claim("L3.misc-512", PLAN, "The 512× for halving the error is a law", c_published, THOMPSON),
    # labs/03_overparameterization.ipynb
    Claim("L3.intro-dd", LAB, "It does rise, exactly there, and then it falls again as the model keeps growing",
          c_dd_shape, BELKIN),
    Claim("L3.intro-lazy", LAB, "Wide networks are also easy to train in a precise sense: their weights barely move",
          c_lazy_small, JACOT_LEE),
    Claim("L3.intro-lazy-list", LAB, "the weights of wide networks barely move during training (lazy training)",
          c_lazy_small, JACOT_LEE),
    Claim("L3.intro-width", LAB, "shows width turning lab 2's Set-Splitting training set, hard for gradient descent on "
          "two hidden units, into an easy one", c_width_easy),
    Claim("L3.chance", LAB, "Chance, with 10 classes, is a test error of 90%", c_chance),
    Claim("L3.dd-three-curves", LAB, r"the train error reaches 0 at N = n, the test error peaks there, and the norm of "
          r"the solution \|B\| explodes there too", c_three_curves, BELKIN),
    Claim("L3.dd-unfittable", LAB, "what a linear readout of random features cannot fit in MNIST-1D (its inputs are "
          "noisy by construction) already acts like label noise at the threshold", c_unfittable, NAKKIRAN),
    Claim("L3.dd-mlp-no-peak", LAB, "The MLP trained by Adam (one seed, 4,000 steps) shows no clear peak at this "
          "training length", c_mlp_no_peak, NAKKIRAN),
    Claim("L3.dd-mlp-noise0", LAB, "Without noise its largest bump, about 3 points at width 16, is still within two "
          "standard errors of a test error measured on 1,000 test points", c_mlp_noise0_bump),
    Claim("L3.dd-far-right", LAB, "Far right of the curve, the model has 16 times more features than training samples "
          "in the grey run (10 times in yours) and fits every noisy label, yet its test error is lower than at the peak",
          c_far_right, BELKIN),
    Claim("L3.lazy-theory", LAB, "it shrinks like m^{-1/2}, while the loss reached stays the same", c_lazy, JACOT_LEE),
    Claim("L3.next-width", LAB, "gradient descent on lab 2's Set-Splitting training set succeeds more often as the "
          "network widens", c_width_easy),
    Claim("L3.two-figures", LAB, "Each page keeps to two live figures", c_two_figures),
    # labs/03b_price_of_accuracy.ipynb
    Claim("L3.sat-fits", LAB_B, "lab 2's SAT solver fits its instances directly", c_sat_fits, BLUM_RIVEST),
    Claim("L3.width-easy-b", LAB_B, "they are wider than they need to be, and width makes the search easy",
          c_width_easy),
    Claim("L3.bill", LAB_B, "accuracy bought with size is paid in compute, energy and CO2", c_ladder_rungs),
    Claim("L3.zhang", LAB_B, "showed that large networks fit them anyway", c_memo_wide, ZHANG),
    Claim("L3.published-b", LAB_B, r"so compute \propto k^{4}. The fitted ImageNet trend is steeper, about k^{9}: "
          "halving the error costs about 2^9 = 512 times the compute", c_published, THOMPSON),
    Claim("L3.ladder-b", LAB_B, "trains a ladder of MNIST-1D MLPs, each wider and trained on more data for longer",
          c_ladder_rungs),
    Claim("L3.five-runs", LAB_B, "how sure can five runs make you", c_interval_wide),
    Claim("L3.typical-values-b", LAB_B, "set the grid intensity to a hydro-powered grid (about 25 gCO2/kWh), then a "
          "coal-heavy one (about 800); set the power to a GPU's 700 W", c_typical_values,
          "NVIDIA H100 SXM datasheet; IEA, Global Energy & CO2 Status Report 2019"),
    Claim("L3.interval-wide", LAB_B, "the summary under the figure gives a 95% interval, and with five rungs it is wide",
          c_interval_wide),
]


(test_the_sentence_is_on_the_page, test_the_data_support_the_sentence,
 test_the_course_ledger_is_generated_from_the_claims) = ledger_tests("lab3", CLAIMS)
