"""Lab 1's claims ledger: the lesson plan's numbers for the bowl and the product loss, checked by
small deterministic runs of the same computations the dashboards make (lab 1 ships no
precomputed data).

See tests/claims/ledger.py for how an entry works; course/claims.md lists the entries.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .ledger import Claim, ledger_tests

PLAN = "course/lab01.md"
NOVIKOFF = "Novikoff, 1962"


def _bowl():
    from hardtrain import data, landscape, models
    from hardtrain import train as training

    ds = data.load("breast_cancer")
    apply_fn, p0 = models.build(models.LogisticRegression, ds.n_features, 1)
    p0 = jax.tree.map(np.zeros_like, p0)
    loss_fn = models.loss_function(apply_fn, ds.x_train, ds.y_train)
    run = training.train(loss_fn, p0, training.make_optimizer("gd", 1.0), 400, record_trajectory=True)
    wnorm = np.linalg.norm(np.asarray(run.trajectory["linear"]["kernel"]).reshape(401, -1), axis=1)
    sep = landscape.separating_hyperplane(ds.x_train, ds.y_train)
    percep = landscape.perceptron(ds.x_train, ds.y_train, max_epochs=2000)
    eig = landscape.hessian_eigenvalues(loss_fn, run.params)
    losses = np.asarray(run.losses)
    return sep, wnorm, percep, eig, losses


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


def c_saddle():
    stuck = _gd((1.0, -1.0), 0.1, 100)
    escape = _gd((0.001, 0.001), 0.1, 100)
    losses = np.asarray(escape.losses)
    first = int(np.argmax(losses < 0.5)) if np.any(losses < 0.5) else -1
    ok = abs(float(stuck.losses[-1]) - 1.0) < 1e-6 and losses[24] > 0.5 and 30 <= first <= 40
    return ok, f"from (1, -1): loss {float(stuck.losses[-1]):.6f}; from (0.001, 0.001): loss < 0.5 at step {first}"


CLAIMS = [
    Claim("L1.bowl", PLAN, "Loss still falling while ‖w‖ grows (about 1.4 → 4.6). All Hessian eigenvalues ≥ 0. "
          "Perceptron: about 1,800 updates, against a bound (R/γ)² of about 250,000", c_bowl, NOVIKOFF),
    Claim("L1.saddle", PLAN, "From (1, −1) the first start slides into the saddle at the origin and stays there (loss 1)",
          c_saddle),
    Claim("L1.escape", PLAN, "From (0.001, 0.001), 25 steps look stuck; with 100 steps GD escapes (at learning rate 0.1 "
          "it took about 35 steps to get the loss below 0.5)", c_saddle),
]

(test_the_sentence_is_on_the_page, test_the_data_support_the_sentence,
 test_the_course_ledger_is_generated_from_the_claims) = ledger_tests("lab1", CLAIMS)
