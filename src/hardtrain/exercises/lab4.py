"""Lab 4 self-checks: pruning (hardtrain.pruning, hardtrain.experiments.pruning_study).

Registered into :data:`hardtrain.exercises.REGISTRY` when :mod:`hardtrain.exercises` is imported.
Conventions are those of :mod:`hardtrain.exercises`: ids ``"lab4.<name>"``, answers computed when
the checker runs (import the numerics inside the checker), feedback that never states the answer.
"""

from __future__ import annotations

import math

import numpy as np

from .answers import as_real, close
from .registry import Exercise, Feedback, MalformedAnswer, register  # noqa: F401

#: Numbering of the at-init methods used by ``lab4.inversion`` (as in the lab's text).
INVERSION_CHOICES = {1: "magnitude", 2: "snip", 3: "grasp", 4: "synflow"}

#: The network of ``lab4.compression``: MNIST-1D MLP 40-100-100-10, biases kept.
COMPRESSION_SIZES = (40, 100, 100, 10)
COMPRESSION_SPARSITY = 0.95

#: ``lab4.lottery_rounds``: target sparsity and the fraction pruned per IMP round.
LOTTERY_TARGET = 0.9
LOTTERY_FRACTION = 0.2

#: ``lab4.layer_budget``: the fraction of each weight matrix of the 40-100-100-10 MLP that a
#: mask keeps (layer 1, 2, 3).
LAYER_KEPT = (0.20, 0.02, 0.50)

#: ``lab4.synflow_sum``: a linear net with these widths and every weight equal to this value.
SYNFLOW_WIDTHS = (4, 3, 2)
SYNFLOW_WEIGHT = 0.5


def _whole(answer, lo: int, hi: int | None = None) -> int:

    x = as_real(answer)
    if x != math.floor(x):
        raise MalformedAnswer("Got a number with a fractional part; give a whole number.")
    if x < lo or (hi is not None and x > hi):
        span = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise MalformedAnswer(f"Give a whole number {span}.")
    return int(x)


# ----------------------------------------------------------------------------- inversion

def inversion_drops(path=None) -> dict[str, float]:
    """Mean accuracy lost under inversion (original - inverted) per at-init method, at the
    highest ablation sparsity of the precomputed study (assets/lab4/)."""
    from hardtrain.experiments.pruning_study import load_precomputed

    study = load_precomputed(path)
    abl = study["ablations"]
    key = max(abl, key=float)
    return {m: float(np.mean(abl[key][m]["original"]) - np.mean(abl[key][m]["inverted"]))
            for m in INVERSION_CHOICES.values() if m in abl[key]}


def _check_inversion(answer) -> Feedback:
    k = _whole(answer, 1, len(INVERSION_CHOICES))
    drops = inversion_drops()
    worst = max(drops, key=drops.get)
    best = min(drops, key=drops.get)
    name = INVERSION_CHOICES[k]
    if name == worst:
        return Feedback(True, "That method's ranking carries real information about which weights "
                              "matter: keeping its lowest-scored weights instead costs the most accuracy. "
                              "Compare with what Frankle et al. (ICLR 2021) report for GraSP.")
    if name == best:
        return Feedback(False, "That one barely cares, or even gains, when its scores are inverted: the "
                               "opposite of the question. Look at the 'inverted' bars again.")
    return Feedback(False, "That method loses accuracy under inversion, but another loses more. Compare the "
                           "gap between the 'original' and 'inverted' bars for all four methods.")


# ---------------------------------------------------------------------------- compression

def compression_truth() -> tuple[float, float, float]:
    """(ratio with biases, ratio of the weights alone, 1 / (1 - sparsity)) via pruning's accounting."""
    import jax
    import jax.numpy as jnp

    from hardtrain import pruning

    sizes = COMPRESSION_SIZES
    params = {f"l{i}": {"kernel": jnp.zeros((a, b)), "bias": jnp.zeros(b)}
              for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))}
    scores = pruning.score("random", params, None, key=jax.random.key(0))
    mask = pruning.masks(scores, COMPRESSION_SPARSITY)
    with_bias = pruning.compression_ratio(params, mask)
    weights_only = pruning.flops_speedup(params, mask)
    return with_bias, weights_only, 1.0 / (1.0 - COMPRESSION_SPARSITY)


def _check_compression(answer) -> Feedback:

    x = as_real(answer)
    if x <= 0:
        raise MalformedAnswer("A compression ratio is a positive number.")
    truth, weights_only, naive = compression_truth()
    if close(x, truth, rel=0.005):
        return Feedback(True, "Total parameters over remaining parameters, biases included (ShrinkBench's "
                              "convention): the unpruned biases pull the ratio below what the sparsity alone "
                              "suggests.")
    if close(x, weights_only, rel=0.005) or close(x, naive, rel=0.005):
        return Feedback(False, "That counts only the weight matrices. ShrinkBench's compression ratio divides "
                               "ALL parameters by the remaining ones, and the biases are never pruned.")
    if x < 1:
        return Feedback(False, "A compression ratio is total / remaining, so it is at least 1.")
    return Feedback(False, "Not that. Count all parameters (weights and biases) of the 40-100-100-10 net, then "
                           "the ones that remain, and divide.")


# ---------------------------------------------------------------------------- lottery rounds

def lottery_rounds_truth() -> int:
    """Smallest r with 1 - (1 - p)^r >= target, by counting rounds."""
    r, density = 0, 1.0
    while 1.0 - density < LOTTERY_TARGET - 1e-12:
        density *= 1.0 - LOTTERY_FRACTION
        r += 1
    return r


def _check_lottery_rounds(answer) -> Feedback:
    k = _whole(answer, 1)
    truth = lottery_rounds_truth()
    if k == truth:
        return Feedback(True, "Each round removes 20% of what is LEFT, so the density shrinks geometrically "
                              "(0.8^r): many rounds, each a full training run. That is why lottery tickets "
                              "are expensive.")
    if k == math.ceil(LOTTERY_TARGET / LOTTERY_FRACTION) or k == round(LOTTERY_TARGET / LOTTERY_FRACTION):
        return Feedback(False, "That treats each round as removing 20% of the ORIGINAL weights. Each round "
                               "removes 20% of the weights still alive.")
    if k == truth - 1:
        return Feedback(False, "Close: after that many rounds the sparsity is still just below the target.")
    if k < truth:
        return Feedback(False, "Too few rounds: compute 1 - 0.8^r for your r.")
    return Feedback(False, "More rounds than needed: the question asks for the smallest number of rounds.")


# ---------------------------------------------------------------------------- synflow sum

def synflow_sum_truth() -> tuple[float, list[float]]:
    """(sum of the second layer's SynFlow scores, per-layer sums) via hardtrain.pruning.score."""
    import jax.numpy as jnp

    from hardtrain import pruning

    w = SYNFLOW_WIDTHS
    params = {f"l{i}": {"kernel": jnp.full((a, b), SYNFLOW_WEIGHT, jnp.float32), "bias": jnp.zeros(b)}
              for i, (a, b) in enumerate(zip(w[:-1], w[1:]))}

    def apply_fn(p, x):
        for i in range(len(w) - 1):
            x = x @ p[f"l{i}"]["kernel"] + p[f"l{i}"]["bias"]
        return x

    s = pruning.score("synflow", params, apply_fn, input_shape=(w[0],))
    sums = [float(np.sum(np.asarray(s[f"l{i}"]["kernel"], np.float64))) for i in range(len(w) - 1)]
    return sums[1], sums


def _check_synflow_sum(answer) -> Feedback:

    x = as_real(answer)
    truth, sums = synflow_sum_truth()
    if close(x, truth, rel=1e-4):
        return Feedback(True, "It equals R = 1^T |W1| |W2| 1, and so does the sum of every other layer: "
                              "SynFlow conserves the flow layer by layer (Tanaka et al., 2020, Theorem 1). "
                              "That is why no layer can be wiped out while others keep large scores.")
    if close(x, SYNFLOW_WEIGHT, rel=1e-4) or close(x, SYNFLOW_WEIGHT ** 2, rel=1e-4):
        return Feedback(False, "That is the score of a single weight (or less). The question asks for the sum "
                               "over the whole second layer.")
    return Feedback(False, "Not that. Compute R = 1^T |W1| |W2| 1 for this net, then use the fact that the "
                           "score of a weight is w * dR/dw.")


register(Exercise(
    id="lab4.inversion", lab=4,
    question=("Predict, then check in the ablation figure: at the highest sparsity of the precomputed "
              "ablations, which at-init method loses the MOST test accuracy when its scores are inverted "
              "(the highest-scored weights pruned instead of the lowest)? "
              "1 = magnitude, 2 = SNIP, 3 = GraSP, 4 = SynFlow."),
    answer_form="one whole number from 1 to 4, e.g. exercises.check('lab4.inversion', 2)",
    checker=_check_inversion,
    hints=("Inversion keeps the weights a method considers LEAST important. A method whose ranking is "
           "informative should suffer most.",
           "Read the gap between the 'original' and the 'inverted' bar of each method in the ablation "
           "figure (lab 4, part 2)."),
))

register(Exercise(
    id="lab4.compression", lab=4,
    question=("The 40-100-100-10 MLP of the lab (weight matrices and biases) is pruned to 95% sparsity: "
              "95% of its weight-matrix entries removed, every bias kept. What is its compression ratio "
              "(ShrinkBench: total parameters / remaining parameters)?"),
    answer_form="one positive number, e.g. exercises.check('lab4.compression', 12.5)",
    checker=_check_compression,
    hints=("Count the weights of each matrix (in x out) and the biases (one per output unit).",
           "Remaining = 5% of the matrix entries + all biases; total = all matrix entries + all biases."),
))

register(Exercise(
    id="lab4.lottery_rounds", lab=4,
    question=("Iterative magnitude pruning removes 20% of the remaining weights per round. What is the "
              "smallest number of rounds (each a full training run) that reaches at least 90% sparsity?"),
    answer_form="one whole number, e.g. exercises.check('lab4.lottery_rounds', 3)",
    checker=_check_lottery_rounds,
    hints=("After r rounds the density (fraction left) is 0.8^r.",
           "Solve 1 - 0.8^r >= 0.9 for the smallest whole r (logarithms, or just multiply)."),
))

def layer_budget_truth() -> float:
    """The sparsity (%) of the whole MLP when each matrix keeps LAYER_KEPT of its weights.

    Built as masks on the 40-100-100-10 MLP's kernels and measured with the package's own
    accounting: the weights-only FLOP speedup is total / kept (:func:`hardtrain.pruning.flops_speedup`).
    """
    import jax.numpy as jnp
    import numpy as np

    from hardtrain import pruning

    sizes = COMPRESSION_SIZES
    params, mask = {}, {}
    for i, ((a, b), keep) in enumerate(zip(zip(sizes[:-1], sizes[1:]), LAYER_KEPT)):
        m = np.zeros(a * b, bool)
        m[:int(round(keep * a * b))] = True
        params[f"l{i}"] = {"kernel": jnp.zeros((a, b)), "bias": jnp.zeros(b)}
        mask[f"l{i}"] = {"kernel": jnp.asarray(m.reshape(a, b)), "bias": None}
    return 100.0 * (1.0 - 1.0 / pruning.flops_speedup(params, mask))


def _check_layer_budget(answer) -> Feedback:

    x = as_real(answer)
    if not 0 <= x <= 100:
        raise MalformedAnswer("Give a sparsity in percent, between 0 and 100.")
    truth = layer_budget_truth()
    mean_kept = 100.0 * sum(LAYER_KEPT) / len(LAYER_KEPT)
    if close(x, truth, abs_=0.05):
        return Feedback(True, "The layers' fractions count in proportion to the layers' sizes: the large "
                              "middle matrix decides most of the total. The same overall sparsity can hide "
                              "very different per-layer densities, which is all the layerwise-shuffle "
                              "ablation keeps.")
    if close(x, 100.0 - mean_kept, abs_=0.05):
        return Feedback(False, "You averaged the three fractions as if the layers were the same size. Weigh "
                               "each layer by its number of weights.")
    if close(x, 100.0 - truth, abs_=0.05) or close(x, mean_kept, abs_=0.05):
        return Feedback(False, "That is the fraction KEPT. Sparsity is the fraction removed.")
    return Feedback(False, "Not that. Count the weights each matrix keeps (its size times its fraction), add "
                           "them up, and compare with all the weights.")


register(Exercise(
    id="lab4.layer_budget", lab=4,
    question=("A pruning method keeps 20% of the first weight matrix of the 40-100-100-10 MLP, 2% of the "
              "second and 50% of the third (biases not counted). What is the sparsity of the whole "
              "network's weights, in percent?"),
    answer_form="one number between 0 and 100, e.g. exercises.check('lab4.layer_budget', 75)",
    checker=_check_layer_budget,
    hints=("Each matrix has in x out weights: find how many each one keeps.",
           "Sparsity = 1 - (weights kept, summed over the layers) / (all weights)."),
))

register(Exercise(
    id="lab4.synflow_sum", lab=4,
    question=("A linear network 4-3-2 (no nonlinearity, zero biases) has every weight equal to 0.5. What is "
              "the sum of the SynFlow scores of its second weight matrix (3 x 2)?"),
    answer_form="one number, e.g. exercises.check('lab4.synflow_sum', 1.25)",
    checker=_check_synflow_sum,
    hints=("R = 1^T |W1| |W2| 1 with all-ones input and output; the score of a weight is w * dR/dw.",
           "For a linear net, R is linear in each single layer's weights: what is the sum over that layer "
           "of w * dR/dw?"),
))
