"""Lab 3 self-checks: overparameterisation and the price of accuracy (hardtrain.overparam, hardtrain.compute).

Registered into :data:`hardtrain.exercises.REGISTRY` when :mod:`hardtrain.exercises` is imported.
Conventions are those of :mod:`hardtrain.exercises`: ids ``"lab3.<name>"``, answers computed when
the checker runs (import the numerics inside the checker), feedback that never states the answer.

Exercises:
  - ``lab3.interpolation_threshold``: where the random-features test error peaks when some
    training samples are exact copies (N = the number of distinct samples; Belkin et al., PNAS
    2019, arXiv 1812.11118).
  - ``lab3.lazy_exponent``: by what factor the relative weight change shrinks from one width to
    another in the NTK parameterisation (it scales like m^-1/2; Jacot et al., arXiv 1806.07572).
  - ``lab3.matmul_flops``: XLA's FLOP count of a matmul (from :func:`hardtrain.compute.flops`).
  - ``lab3.halving_cost``: compute factor to cut the error by a stated ratio (not a halving) on a
    9th-power trend (Thompson et al., arXiv 2007.05558 and IEEE Spectrum 2021).
  - ``lab3.training_co2``: kg of CO2 of a stated training run (Strubell et al., ACL 2019),
    computed with :func:`hardtrain.compute.energy_kwh` and :func:`hardtrain.compute.co2_grams`.
"""

from __future__ import annotations


from .answers import as_real, close
from .registry import Exercise, Feedback, MalformedAnswer, register  # noqa: F401

# The numbers the questions state (the answers are computed from them when a check runs).
_N_TRAIN = 500          # training samples in the interpolation question
_N_COPIES = 20          # of which this many are exact copies of other samples (same input and label)
_N_CLASSES = 10         # MNIST-1D classes
_N_INPUTS = 40          # MNIST-1D input size
_MATMUL = (64, 128, 32)  # (m, k, n) of the FLOP question
_ALPHA = 9              # compute ~ (1/error)^alpha in the error-cutting question
_ERRORS = (0.10, 0.07)   # the error-cutting question: from this error to that one
_WIDTHS = (256, 4096)    # the lazy-training question: from this width to that one
_RUN = {"hours": 3.0, "watts": 300.0, "pue": 1.5, "grid": 400.0}  # the CO2 question


def _positive(answer, what: str) -> float:
    x = as_real(answer)
    if x <= 0:
        raise MalformedAnswer(f"Got a number <= 0; {what} is positive.")
    return x


# --------------------------------------------------------------------- interpolation threshold

def _threshold_truth() -> int:
    """The smallest N at which N random features interpolate the question's training set.

    The min-norm least-squares fit solves K separate systems Phi b_k = y_k with n equations and
    N unknowns each. A sample that copies another (same input, same label) repeats an equation,
    so only the n - copies distinct samples constrain the fit: the systems are solvable for
    every labelling of them once Phi has that rank, which for generic features first happens at
    N = n - copies.
    """
    return _N_TRAIN - _N_COPIES


def _check_threshold(answer) -> Feedback:
    n_feat = _positive(answer, "a number of features")
    truth = _threshold_truth()
    if close(n_feat, truth, rel=0.005):
        return Feedback(True, "A copied sample repeats an equation that is already there, so the threshold "
                              "counts distinct samples: there the features can first fit every training "
                              "label exactly, and only just, with a huge-norm solution that generalises worst.")
    if close(n_feat, _N_TRAIN, rel=0.005):
        return Feedback(False, "That counts every sample, copies included. Does a sample that repeats another "
                               "(same input, same label) add a new equation to the least-squares system?")
    if close(n_feat, _N_TRAIN + _N_COPIES, rel=0.005) or close(n_feat, _N_TRAIN - 2 * _N_COPIES, rel=0.005):
        return Feedback(False, "Count the distinct samples again: each copy is one extra row of an equation "
                               "that already exists.")
    if close(n_feat, truth / _N_CLASSES, rel=0.02):
        return Feedback(False, "You divided by the number of classes. Each class's output is a separate "
                               "least-squares problem with N unknowns and one equation per sample.")
    if close(n_feat, truth * _N_CLASSES, rel=0.02):
        return Feedback(False, "You multiplied by the number of classes. Each of the 10 outputs gets its own "
                               "N coefficients and has its own n equations: count per output.")
    if close(n_feat, _N_INPUTS, rel=0.02):
        return Feedback(False, "That is the input dimension of MNIST-1D. The fit is linear in the random "
                               "features, not in the raw inputs.")
    return Feedback(False, "Not there. Think of the fit as a linear system: how many unknowns must it have "
                           "before it can match any labelling of the training samples?")


# ------------------------------------------------------------------------------ lazy exponent

def _lazy_truth() -> float:
    """Exponent k of ||theta_T - theta_0|| / ||theta_0|| ~ m^k in the NTK parameterisation.

    With weights N(0, 1) and 1/sqrt(m) in the forward pass, a training run moves the weights by
    a total amount that stays O(1) as m grows (the function moves by O(1), each of the O(m)
    weights by O(1/sqrt(m))), while ||theta_0|| grows like sqrt(m) (O(m) entries of size 1).
    """
    numerator, denominator = 0.0, 0.5  # ||delta|| ~ m^0, ||theta_0|| ~ m^(1/2)
    return numerator - denominator


def _lazy_factor_truth() -> float:
    """How many times smaller the relative weight change is at _WIDTHS[1] than at _WIDTHS[0]."""
    m0, m1 = _WIDTHS
    return (m1 / m0) ** (-_lazy_truth())


def _check_lazy(answer) -> Feedback:
    f = _positive(answer, "a factor")
    truth = _lazy_factor_truth()
    m0, m1 = _WIDTHS
    if close(f, truth, rel=0.01):
        return Feedback(True, "The relative change scales like the width to the power -1/2, so a width ratio "
                              "r shrinks it by sqrt(r): the weights move by a fixed total amount while their "
                              "norm grows like the square root of the width (lazy training).")
    if close(f, 1.0 / truth, rel=0.01):
        return Feedback(False, "Upside down: the relative change gets smaller as the width grows, so it is "
                               "divided by a factor larger than 1.")
    if close(f, m1 / m0, rel=0.01):
        return Feedback(False, "That is the ratio of the widths itself: it assumes the change falls like 1/m. "
                               "Read the slope of the lazy-training plot again.")
    if close(f, (m1 / m0) ** 0.25, rel=0.01) or close(f, (m1 / m0) ** 2, rel=0.01):
        return Feedback(False, "Wrong power of the width ratio. Which exponent did the dashboard's log-log "
                               "plot show?")
    if close(f, 1.0, rel=0.01):
        return Feedback(False, "Then the relative change would not depend on the width. Compare how the "
                               "size of the change and the size of the initial weights grow with m.")
    return Feedback(False, "Not that factor. Take the scaling law the dashboard shows and apply it to the "
                           "ratio of the two widths.")


# ------------------------------------------------------------------------------- matmul FLOPs

def _flops_truth() -> float:
    """XLA's count for the (m, k) x (k, n) matmul of the question, from the package."""
    import jax
    import jax.numpy as jnp

    from hardtrain import compute

    m, k, n = _MATMUL
    return compute.flops(jnp.matmul, jax.ShapeDtypeStruct((m, k), jnp.float32),
                         jax.ShapeDtypeStruct((k, n), jnp.float32))


def _check_flops(answer) -> Feedback:
    f = _positive(answer, "a FLOP count")
    truth = _flops_truth()
    m, k, n = _MATMUL
    if close(f, truth, rel=0.001):
        return Feedback(True, "One multiply and one add for every term of every output entry: that is "
                              "what XLA's cost analysis reports, and what compute.flops returns.")
    if close(f, truth / 2, rel=0.001):
        return Feedback(False, "You counted each multiply-add once. FLOP counts count the multiply and the "
                               "add separately.")
    if close(f, m * n, rel=0.001) or close(f, m * k + k * n, rel=0.001):
        return Feedback(False, "That counts entries of the matrices, not operations. Each output entry is a "
                               "sum of k products.")
    return Feedback(False, "Not that count. How many output entries are there, and how many multiplications "
                           "and additions does each one need?")


# ------------------------------------------------------------------------------- halving cost

def _halving_truth() -> float:
    """Compute factor to go from _ERRORS[0] to _ERRORS[1] when compute ~ (1/error)^alpha.

    ``compute.halving_cost`` with ``factor = e0 / e1`` along an exact 9th-power trend:
    (e0 / e1)^alpha.
    """
    from hardtrain import compute

    e0, e1 = _ERRORS
    f = [1e10, 1e12, 1e14]
    fit = compute.fit_power_law(f, [e0 * (x / f[0]) ** (-1.0 / _ALPHA) for x in f])
    return float(compute.halving_cost(fit, e0, 1e9, factor=e0 / e1).factor)


def _check_halving(answer) -> Feedback:
    f = _positive(answer, "a compute factor")
    truth = _halving_truth()
    e0, e1 = _ERRORS
    ratio = e0 / e1
    if close(f, truth, rel=0.01):
        return Feedback(True, "The improvement factor e_old / e_new, raised to the exponent: even a modest "
                              "cut in the error costs tens of times the compute on a 9th-power trend.")
    if close(f, 2 ** _ALPHA, rel=0.01):
        return Feedback(False, "That is the cost of halving the error. Here the error falls by a smaller "
                               "factor: which one?")
    if close(f, ratio * _ALPHA, rel=0.01):
        return Feedback(False, "You multiplied the improvement factor by the exponent. In a power law the "
                               "exponent applies to the factor: raise, do not multiply.")
    if close(f, _ALPHA ** ratio, rel=0.01):
        return Feedback(False, "You raised the exponent to the power of the improvement. It is the "
                               "improvement factor that is raised to the exponent.")
    if close(f, (1.0 / (1.0 - e1 / e0)) ** _ALPHA, rel=0.01) or close(f, (e0 / (e0 - e1)) ** _ALPHA, rel=0.01):
        return Feedback(False, "You used the size of the cut (30%) as the factor. The power law relates "
                               "1/error before and after: use the ratio of the two errors.")
    if close(f, ratio ** 4, rel=0.01):
        return Feedback(False, "That uses the theory's lower bound (4th power). The question uses the fitted "
                               "ImageNet trend.")
    if f < 1.0:
        return Feedback(False, "A smaller error costs more compute, not less: the factor is above 1.")
    return Feedback(False, "Not that factor. If compute ~ (1/error)^9, by what factor does 1/error grow, "
                           "and what does the power law do to that factor?")


# ------------------------------------------------------------------------------------ CO2

def _co2_truth() -> tuple[float, float]:
    """(kg CO2 with PUE, kg CO2 without PUE) of the question's run, from the package."""
    from hardtrain import compute

    a = compute.Assumptions(watts=_RUN["watts"], pue=_RUN["pue"], grid_gco2_per_kwh=_RUN["grid"])
    kwh = compute.energy_kwh(_RUN["hours"] * 3600.0, a)
    no_pue = compute.energy_kwh(_RUN["hours"] * 3600.0, a.replace(pue=1.0))
    return compute.co2_grams(kwh, a) / 1000.0, compute.co2_grams(no_pue, a) / 1000.0


def _check_co2(answer) -> Feedback:
    kg = _positive(answer, "a mass of CO2")
    truth, no_pue = _co2_truth()
    if close(kg, truth, rel=0.01):
        return Feedback(True, "Energy = time x power x PUE; CO2 = energy x grid intensity. Every factor is an "
                              "assumption: change the grid or the PUE and the answer moves as much.")
    if close(kg, truth * 1000, rel=0.01):
        return Feedback(False, "Right number, wrong unit: the question asks for kilograms.")
    if close(kg, no_pue, rel=0.01):
        return Feedback(False, "You left out the data centre's overhead (PUE): the building uses that factor "
                               "more energy than the GPU alone.")
    if close(kg, truth / 1000, rel=0.01):
        return Feedback(False, "Off by a factor of 1000: convert watts to kilowatts once, and grams to "
                               "kilograms once.")
    return Feedback(False, "Not that amount. Compute the energy in kWh first (hours x kW x PUE), then "
                           "multiply by the grid's intensity.")


register(Exercise(
    id="lab3.interpolation_threshold", lab=3,
    question=(f"Random ReLU features are fitted by minimum-norm least squares to n = {_N_TRAIN} MNIST-1D "
              f"training samples ({_N_CLASSES} classes, 15% noisy labels), but {_N_COPIES} of the {_N_TRAIN} are "
              "exact copies of other samples in the set (same input, same label). At which number of "
              "features N does the test error peak?"),
    answer_form="one positive number, e.g. exercises.check('lab3.interpolation_threshold', 1234)",
    checker=_check_threshold,
    hints=("The peak sits where the model can first fit every training label exactly (zero training "
           "error), and only just. What do the copies change in that?",
           "Each class's output is a linear system with one equation per training sample and one unknown "
           "per feature. When does such a system first have a solution for any right-hand side?"),
))

register(Exercise(
    id="lab3.lazy_exponent", lab=3,
    question=(f"In the NTK parameterisation, a network of width m = {_WIDTHS[0]} is trained and its relative "
              "weight change ||theta_T - theta_0|| / ||theta_0|| measured. By what factor is the relative "
              f"change smaller for the same training at width m = {_WIDTHS[1]}?"),
    answer_form="one positive number, e.g. exercises.check('lab3.lazy_exponent', 2.5)",
    checker=_check_lazy,
    hints=("Read the scaling law off the log-log plot of the lazy-training section: the slope is the "
           "exponent of m.",
           "||theta_0|| has O(m) entries of size about 1. The function must move by O(1) to fit the data, "
           "and each weight's influence on it is scaled by 1/sqrt(m)."),
))

register(Exercise(
    id="lab3.matmul_flops", lab=3,
    question=(f"How many floating-point operations does XLA count for multiplying a ({_MATMUL[0]}, "
              f"{_MATMUL[1]}) matrix by a ({_MATMUL[1]}, {_MATMUL[2]}) matrix?"),
    answer_form="one whole number, e.g. exercises.check('lab3.matmul_flops', 1000)",
    checker=_check_flops,
    hints=("Count the output entries first; each is a sum of products.",
           "Multiplications and additions each count as one FLOP. You can check with "
           "hardtrain.compute.flops on two arrays of those shapes."),
))

register(Exercise(
    id="lab3.halving_cost", lab=3,
    question=(f"Suppose compute grows like (1/error)^{_ALPHA}, the fitted ImageNet trend of Thompson et al. "
              f"By what factor must the compute grow to bring the error from {_ERRORS[0]:g} down to "
              f"{_ERRORS[1]:g}? (Give 3 significant digits.)"),
    answer_form="one positive number, e.g. exercises.check('lab3.halving_cost', 10)",
    checker=_check_halving,
    hints=("Write the compute before and after as (1/error)^9 and divide.",
           "If y = x^a and x is multiplied by r, y is multiplied by r^a. What is r here?"),
))

register(Exercise(
    id="lab3.training_co2", lab=3,
    question=(f"A training run takes {_RUN['hours']:g} hours on a {_RUN['watts']:g} W GPU in a data centre with "
              f"PUE {_RUN['pue']:g}, on a grid of {_RUN['grid']:g} gCO2/kWh. How many kilograms of CO2 does it "
              "emit?"),
    answer_form="one positive number in kg, e.g. exercises.check('lab3.training_co2', 2.5)",
    checker=_check_co2,
    hints=("Energy in kWh = hours x kilowatts x PUE.",
           "CO2 in grams = kWh x gCO2/kWh; divide by 1000 for kilograms."),
))
