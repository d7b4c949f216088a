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
    return "n = 1000" in RF["description"] and "n = 1000" in MLP["description"], RF["description"]


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
          and train[i] <= 1e-3)
    return ok, (f"test error {t15[0]:.3f} at N = {w[0]}, {t15[i]:.3f} at N = n, {t15[-1]:.3f} at N = {w[-1]}; "
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
    from hardtrain import overparam
    from hardtrain.hardness import blum_rivest as br

    n, subsets = overparam.hard_instance()
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


(test_the_sentence_is_on_the_page, test_the_data_support_the_sentence,
 test_the_course_ledger_is_generated_from_the_claims) = ledger_tests("lab3", CLAIMS)
