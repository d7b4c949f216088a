"""Predict, then reveal: the questions a learner answers before a key figure of a lab appears.

Each :class:`Prediction` asks what the next figure will show, as a choice or a number. The
dashboard (:class:`hardtrain.views.progress.PredictThenReveal`) hides the figure until the learner
commits, then shows it with :func:`judge`'s comparison. Unlike an exercise, the answer is no
secret once committed: the figure shows it.

Every answer here is a fact of the data the figure draws, and ``tests/unit/test_predictions.py``
checks each against that data (the claims ledger's checks, or a closed form), so a recomputed
result that changes the story fails the tests.

This is a core module: it imports neither ipywidgets nor plotly.
"""

from __future__ import annotations

import dataclasses
import math

__all__ = ["Prediction", "PREDICTIONS", "judge", "for_lab"]


@dataclasses.dataclass(frozen=True)
class Prediction:
    """One question asked before a figure.

    Attributes:
      id: ``"lab<N>.<name>"``.
      lab: 1-4.
      question: what the learner predicts (plain text).
      choices: the options, or ``()`` for a number.
      answer: the index of the right choice, or the right number.
      tolerance: for a number, the largest accepted absolute error.
      shows: one sentence saying what the figure shows (given after the learner commits).
    """

    id: str
    lab: int
    question: str
    choices: tuple[str, ...]
    answer: float
    shows: str
    tolerance: float = 0.0


PREDICTIONS: dict[str, Prediction] = {p.id: p for p in (
    Prediction(
        "lab1.bowl-curvature", 1,
        "Logistic regression on real data: can the loss curve downwards in some direction "
        "through the solution?",
        ("yes, in some direction", "no, it curves upwards or stays flat in every direction"), 1,
        "The smallest Hessian eigenvalue is >= 0 and every slice is a bowl: the logistic loss is "
        "convex, on any dataset."),
    Prediction(
        "lab1.minimisers", 1,
        "The loss (a*w - 1)^2 of a two-layer 'network' with one weight per layer: how many "
        "minimisers (points of zero loss) does it have?",
        ("one point", "two points", "a whole curve of points"), 2,
        "Every point with a*w = 1 has zero loss: the minimisers form a hyperbola, and runs from "
        "different starts end at different points of it."),
    Prediction(
        "lab1.barrier", 1,
        "A tanh network trained on XOR, and a copy of it with its hidden units swapped and signs "
        "flipped: both compute the same function, so both have the same loss. On the straight "
        "line between their weights, the loss...",
        ("stays the same all the way", "rises above the ends in between", "falls below the ends in between"), 1,
        "It rises: the segment to every copy has a barrier above its ends. A convex loss cannot do "
        "that: between two points of equal loss it stays at or below that loss."),
    Prediction(
        "lab2.paper-network", 2,
        "The paper's example has a set splitting. Can a network of three threshold units "
        "classify all 12 points that Blum & Rivest's reduction builds from it?",
        ("yes", "no"), 0,
        "Yes: the exact solver finds such a network, and its two hidden units read back a set "
        "splitting (a splitting gives a network and a network gives a splitting)."),
    Prediction(
        "lab2.xor", 2,
        "XOR's four points: at most how many can one perceptron (one line) classify correctly?",
        (), 3,
        "At most 3 of 4: no line separates XOR, but every three of its points can be separated "
        "(Judd's loading problem asks exactly this for a whole network)."),
    Prediction(
        "lab2.irrational", 2,
        "The network a*relu(w.x) is fitted to two points whose inputs and targets are all whole "
        "numbers. Its best weights have w = (1, t*). Can t* be written as a fraction of whole "
        "numbers?",
        ("yes, it is a fraction", "no, it is irrational"), 1,
        "No: t* = (sqrt(5) - 1)/2 = 0.618..., the golden ratio's inverse. Every fraction misses "
        "the minimum loss, by less as its denominator grows."),
    Prediction(
        "lab3.dd-peak", 3,
        "Random-features regression on n training points: as the number of features N grows "
        "past n, what does the test error do?",
        ("keeps falling", "rises to a peak near N = n, then falls again",
         "falls, then rises and stays high"), 1,
        "It peaks at N = n, where the model can just interpolate the training set, and falls "
        "again beyond: double descent."),
    Prediction(
        "lab3.lazy", 3,
        "Train networks of growing width the same way. Relative to their starting size, do the "
        "weights of a wider network move more, about the same, or less?",
        ("more", "about the same", "less"), 2,
        "Less: the relative change falls about as width^-1/2 while the final loss stays the "
        "same (lazy training)."),
    Prediction(
        "lab3.width-easy", 3,
        "Gradient descent on lab 2's Set-Splitting training set: at 2 hidden units (the size of "
        "the network that fits it) almost no run fits every label. As the hidden layer widens, "
        "the share of runs that fit every label...",
        ("stays low: the problem is NP-hard", "rises: most runs fit from a few units on",
         "falls"), 1,
        "It rises: no run fits at width 2, most do from 4 hidden units on, and all do at the "
        "widest. NP-hardness is about training one fixed architecture, not about fitting the data "
        "with a wider one."),
    Prediction(
        "lab4.snip-vs-random", 4,
        "Pruning at initialisation to 95.6% sparsity: which keeps more test accuracy after "
        "training, SNIP's saliency scores or random pruning?",
        ("SNIP", "about equal (within 2 points)", "random pruning"), 0,
        "SNIP, on both networks (MLP and CNN): at high sparsity every data-driven method at "
        "initialisation beats random pruning."),
    Prediction(
        "lab4.shuffle", 4,
        "Take SynFlow's mask at 95.6% sparsity and shuffle it within each layer (same number "
        "of weights kept per layer, random positions). After training, the accuracy...",
        ("barely changes (within 2 points)", "drops by more than 2 points"), 1,
        "It drops, by about 11 points on the MLP and 28 on the CNN: here, unlike in Frankle et "
        "al. (2021), which weights a layer keeps matters, not only how many."),
)}


def for_lab(lab: int) -> list[Prediction]:
    """The predictions of lab ``lab`` (1-4), in page order. Raises ValueError for another lab."""
    if lab not in (1, 2, 3, 4):
        raise ValueError(f"lab must be 1, 2, 3 or 4, got {lab!r}")
    return [p for p in PREDICTIONS.values() if p.lab == lab]


def judge(prediction_id: str, response) -> tuple[bool, str]:
    """Compare a committed prediction with what the figure shows.

    Args:
      prediction_id: a key of :data:`PREDICTIONS`.
      response: the index of the chosen option, or a number.
    Returns:
      ``(correct, message)``: the message repeats the prediction and says what the figure shows.
    Raises:
      KeyError: unknown id.
      ValueError: a choice index out of range, or a number that is not finite.

    >>> judge("lab2.xor", 3)[0], judge("lab2.xor", 4)[0]
    (True, False)
    >>> judge("lab1.minimisers", 2)[1].startswith("As you predicted")
    True
    """
    p = PREDICTIONS[prediction_id]
    if p.choices:
        i = int(response)
        if i != response or not 0 <= i < len(p.choices):
            raise ValueError(f"choose one of the {len(p.choices)} options (0-{len(p.choices) - 1}), got {response!r}")
        correct, said = i == int(p.answer), f"“{p.choices[i]}”"
    else:
        x = float(response)
        if not math.isfinite(x):
            raise ValueError(f"type a finite number, got {response!r}")
        correct, said = abs(x - p.answer) <= p.tolerance, f"{x:g}"
    lead = "As you predicted" if correct else "Not what you predicted"
    return correct, f"{lead} ({said}). {p.shows}"
