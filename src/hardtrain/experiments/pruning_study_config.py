"""Lab 4's pruning study, its configuration: sizes, training recipe, presets, what it measures.

The study reproduces at laptop scale Frankle, Dziugaite, Roy & Carbin, "Pruning Neural Networks
at Initialization: Why are We Missing the Mark?", ICLR 2021, arXiv 2009.08576, on MNIST-1D
(Greydanus & Kobak, "Scaling down deep learning with MNIST-1D", ICML 2024, arXiv 2011.14439),
for a fully connected net (:class:`hardtrain.models.MLP`) or a small 1-D CNN
(:class:`hardtrain.models.CNN1D`): ``StudyConfig(architecture="mlp" | "cnn")``. The study itself
(:class:`~hardtrain.experiments.pruning_study.Study`), its precomputation and its files are in
:mod:`hardtrain.experiments.pruning_study`, which re-exports every name of this module.

Examples:
    >>> StudyConfig.tiny().describe(), StudyConfig.full("cnn").steps
    ('MLP 40-32-32-10', 2000)
    >>> StudyConfig.session("cnn", fast=True) == StudyConfig.tiny("cnn")
    True
    >>> [round(s, 3) for s in StudyConfig.live().sparsities]
    [0.488, 0.79, 0.893, 0.956]
"""

from __future__ import annotations

import dataclasses
import math

from .. import models
from ..pruning import SYNFLOW_ROUNDS, imp_sparsities
from ..pruning.trees import _check_choice  # one message for every unknown name
from .base import Presets, session_preset

__all__ = ["StudyConfig", "ARCHITECTURES", "ASSET_FILE", "ASSET_FILES", "CURVES", "AFTER_TRAINING",
           "ONE_SHOT_AFTER", "ABLATION_METHODS", "VARIANTS", "EARLY_METHODS", "LAYER_SPARSITIES"]

#: File name of the precomputed MLP study inside the output folder.
ASSET_FILE = "pruning_study.json"
#: Architectures of the study (:class:`StudyConfig`): a fully connected net or a small 1-D CNN.
ARCHITECTURES = ("mlp", "cnn")
#: File name of each architecture's precomputed study (the MLP's is :data:`ASSET_FILE`).
ASSET_FILES = {"mlp": ASSET_FILE, "cnn": "pruning_study_cnn.json"}

#: Curves of the study: at-init methods, then the three baselines that prune a trained network.
CURVES = ("random", "magnitude", "snip", "grasp", "grasp_abs", "synflow",
          "after_finetune", "after_lr_rewind", "after_weight_rewind", "imp_lr_rewind", "lottery")
#: The curves that prune after training, by magnitude of the trained weights: one shot, then
#: fine-tuning, learning-rate rewinding, or weight rewinding (the survivors reset to theta_k);
#: iteratively (20% of the remaining weights per round), with learning-rate rewinding or with
#: weight rewinding (the lottery ticket).
AFTER_TRAINING = ("after_finetune", "after_lr_rewind", "after_weight_rewind", "imp_lr_rewind", "lottery")
#: The one-shot after-training curves (one mask per sparsity from theta_T).
ONE_SHOT_AFTER = ("after_finetune", "after_lr_rewind", "after_weight_rewind")
#: Methods with ablations, and the ablation variants.
ABLATION_METHODS = ("magnitude", "snip", "grasp", "grasp_abs", "synflow", "lottery")
VARIANTS = ("original", "shuffled", "reinit", "inverted")
#: Methods of the prune-early curve (scores taken at theta_k instead of theta_0).
EARLY_METHODS = ("magnitude", "snip", "grasp", "synflow")
#: Extreme sparsities at which :func:`~hardtrain.experiments.pruning_study.precompute` also
#: records every method's per-layer fractions (besides the curves' sparsities): where
#: single-shot methods collapse layers.
LAYER_SPARSITIES = (0.99, 0.995, 0.999)


@dataclasses.dataclass(frozen=True)
class StudyConfig(Presets):
    """Sizes and training recipe of a pruning study on MNIST-1D (an MLP or a small 1-D CNN).

    Training recipe (every run of the study, dense or pruned): minibatch Adam, batch 100,
    learning rate 1e-2 at step 0, as in the reference training code of MNIST-1D (Greydanus &
    Kobak, "Scaling down deep learning with MNIST-1D", ICML 2024, arXiv 2011.14439, whose MLP
    and CNN baselines are trained with Adam at 1e-2 and batch 100), decayed along a cosine to 1%
    of its peak over T = ``steps`` updates (Loshchilov & Hutter, ICLR 2017, arXiv 1608.03983), on
    all 4,000 training examples. A pruned network is trained with the same recipe from step 0
    (at-init methods) or from step k (rewinding, pruning early).

    Presets (:class:`~hardtrain.experiments.base.Presets`), each for an architecture:
    :meth:`full` (the precomputed study), :meth:`live` (a dashboard's run), :meth:`tiny` (tests,
    fast mode); :meth:`session` picks the one this session runs.

    Attributes:
      widths: hidden widths of the ReLU MLP (40 inputs, 10 classes); ``architecture="mlp"``.
      n_train: training examples used (None: all 4,000 of MNIST-1D's default split).
      steps: T, minibatch Adam updates of a full training run.
      batch_size: examples per minibatch (each epoch a fresh permutation, remainder dropped).
      learning_rate: the peak (step-0) learning rate of the cosine schedule.
      final_lr_fraction: the schedule ends near ``final_lr_fraction * learning_rate``; this
        final rate is also the constant rate of fine-tuning.
      seeds: seeds of the initial weights and of the batch order (error bars over them).
      sparsities: sparsities of every curve (by default the sparsities of IMP rounds, see
        :func:`imp_sparsities`, so the lottery ticket lands on the same points).
      per_class: examples per class in the scoring batch of SNIP and GraSP.
      rewind_fraction: the lottery ticket rewinds to step k = round(rewind_fraction * steps);
        after-training methods retrain for the same T - k steps.
      prune_fraction: fraction of the remaining weights removed per IMP round.
      ablation_rounds: IMP rounds r whose sparsity 1 - (1 - prune_fraction)^r the ablations
        use; the first is also the sparsity of the prune-early curve.
      early_fractions: the prune-early curve scores at theta_k for k = round(f * steps) for
        each f here (the rewind step is always added); empty for no prune-early curve.
      synflow_rounds: rounds of iterative SynFlow.
      data_seed: seed of the MNIST-1D generator.
      architecture: ``"mlp"`` (:class:`hardtrain.models.MLP` with ``widths``) or ``"cnn"``
        (:class:`hardtrain.models.CNN1D` with ``channels``), one of :data:`ARCHITECTURES`.
      channels: output channels of the CNN's conv layers (kernel ``kernel_size``, stride 2,
        ReLU), then a linear layer to 10 classes; ``architecture="cnn"``.
      kernel_size: width of the CNN's conv kernels.

    Raises:
      ValueError: an unknown architecture, a CNN without conv layers, a batch larger than the
        training set, or an early fraction outside [0, 1).
    """

    widths: tuple = (100, 100)
    n_train: int | None = None
    steps: int = 4000
    batch_size: int = 100
    learning_rate: float = 1e-2
    final_lr_fraction: float = 0.01
    seeds: tuple = (0, 1, 2)
    sparsities: tuple = imp_sparsities((3, 7, 10, 14, 18))
    per_class: int = 10
    rewind_fraction: float = 0.05
    prune_fraction: float = 0.2
    ablation_rounds: tuple = (14,)
    early_fractions: tuple = (0.0, 0.0025, 0.01, 0.025, 0.05, 0.1)
    synflow_rounds: int = SYNFLOW_ROUNDS
    data_seed: int = 0
    architecture: str = "mlp"
    channels: tuple = (32, 32, 32)
    kernel_size: int = 5

    def __post_init__(self):
        _check_architecture(self.architecture)
        if self.architecture == "cnn" and not tuple(self.channels):
            raise ValueError("a CNN study needs at least one conv layer: channels=() given")
        n = 4000 if self.n_train is None else int(self.n_train)
        if int(self.batch_size) != self.batch_size or not 1 <= self.batch_size <= n:
            raise ValueError(f"batch_size must be an integer in [1, n_train] = [1, {n}], got {self.batch_size!r}")
        if any(not 0.0 <= f < 1.0 for f in self.early_fractions):
            raise ValueError(f"early_fractions must lie in [0, 1), got {self.early_fractions!r}")

    @classmethod
    def full(cls, architecture: str = "mlp") -> "StudyConfig":
        """The precomputed, full-scale study (its cost: benchmarks/RESULTS.md).

        Both networks: all 4,000 training examples, seeds 0-2, curves at the sparsities of IMP
        rounds 3, 7, 10, 14, 18 (48.8% to 98.2%), ablations and the prune-early curve at round 14
        (95.6%). The MLP is 40-100-100-10 (the MNIST-1D reference MLP), trained 4,000 minibatch
        steps (100 epochs); the CNN has three conv layers of 32 channels (kernel 5, stride 2), a
        little wider than the reference's 25 so that it comes near the reference accuracy here,
        trained 2,000 steps (50 epochs: it fits its training set well before, and each of its
        steps costs about 10 times the MLP's).

        Args:
          architecture: ``"mlp"`` or ``"cnn"``, one of :data:`ARCHITECTURES`.

        Returns:
          The configuration.

        Raises:
          ValueError: an unknown architecture.
        """
        _check_architecture(architecture)
        if architecture == "cnn":
            return cls(architecture="cnn", steps=2000)
        return cls()

    @classmethod
    def live(cls, architecture: str = "mlp") -> "StudyConfig":
        """What a learner runs live in the dashboard, while waiting.

        Smaller than :meth:`full`: 2 seeds, 4 sparsities (IMP rounds 3, 7, 10, 14), 1,000
        training steps (25 epochs), no prune-early curve; the CNN has 16 channels and 500
        steps. Its networks are therefore less trained than the precomputed ones, which the
        dashboard says on screen.

        Args:
          architecture: ``"mlp"`` or ``"cnn"``.

        Returns:
          The configuration.

        Raises:
          ValueError: an unknown architecture.
        """
        _check_architecture(architecture)
        common = dict(seeds=(0, 1), sparsities=imp_sparsities((3, 7, 10, 14)), ablation_rounds=(14,),
                      early_fractions=())
        if architecture == "cnn":
            return cls(architecture="cnn", channels=(16, 16, 16), steps=500, **common)
        return cls(steps=1000, **common)

    @classmethod
    def tiny(cls, architecture: str = "mlp") -> "StudyConfig":
        """The smallest study that runs every code path: the tests and fast mode (HARDTRAIN_FAST=1).

        MLP 40-32-32-10 or a CNN of two 8-channel conv layers, 300 training examples, 60 steps of
        batch 50, 2 seeds, half the weights pruned per IMP round, 20 SynFlow rounds.

        Args:
          architecture: ``"mlp"`` or ``"cnn"``.

        Returns:
          The configuration.

        Raises:
          ValueError: an unknown architecture.
        """
        _check_architecture(architecture)
        extra = {"architecture": "cnn", "channels": (8, 8)} if architecture == "cnn" else {}
        return cls(widths=(32, 32), n_train=300, steps=60, batch_size=50, seeds=(0, 1),
                   sparsities=imp_sparsities((2, 3), 0.5), prune_fraction=0.5, rewind_fraction=0.1,
                   ablation_rounds=(3,), early_fractions=(0.0, 0.25), synflow_rounds=20, **extra)

    @classmethod
    def session(cls, architecture: str = "mlp", *, scale: str = "live", fast: bool | None = None,
                **overrides) -> "StudyConfig":
        """The study this session runs: :meth:`live` (or :meth:`full`), or :meth:`tiny` in fast mode.

        :func:`hardtrain.experiments.base.session_preset` for presets that take an
        architecture: the same rule for overrides (in fast mode a field that ``tiny`` sets
        differently keeps its tiny value).

        Args:
          architecture: ``"mlp"`` or ``"cnn"``.
          scale: the preset outside fast mode: ``"live"`` (a dashboard's training run) or
            ``"full"`` (the precomputed study's network, e.g. to score its masks live).
          fast: fast mode; default :func:`hardtrain.runtime.fast_mode` (``HARDTRAIN_FAST``).
          **overrides: fields to replace, as in :func:`~hardtrain.experiments.base.session_preset`.

        Returns:
          A :class:`StudyConfig`.

        Raises:
          ValueError: an unknown architecture or scale.
          TypeError: an override that is not a field.
        """
        _check_architecture(architecture)
        _check_choice("scale", scale, ("live", "full"))
        presets = _ArchitecturePresets(cls, architecture, scale)
        return session_preset(presets, fast=fast, **overrides)

    def model_spec(self, n_features: int = 40, n_classes: int = 10) -> tuple[type, tuple, dict]:
        """``(cls, args, kwargs)`` of the network, for :func:`hardtrain.models.build`.

        Args:
          n_features: input size (40 for MNIST-1D). n_classes: number of logits.

        Returns:
          ``(models.MLP, (d, widths, K), {"activation": "relu"})`` or
          ``(models.CNN1D, (d, channels, K), {"kernel_size": k, "stride": 2, "activation": "relu"})``.
        """
        if self.architecture == "cnn":
            return (models.CNN1D, (int(n_features), tuple(int(c) for c in self.channels), int(n_classes)),
                    {"kernel_size": int(self.kernel_size), "stride": 2, "activation": "relu"})
        return (models.MLP, (int(n_features), tuple(int(w) for w in self.widths), int(n_classes)),
                {"activation": "relu"})

    def describe(self, n_features: int = 40, n_classes: int = 10) -> str:
        """The network in words, e.g. ``"MLP 40-100-100-10"`` or ``"CNN 40 -> conv 32, 32, 32
        channels (kernel 5, stride 2, ReLU) -> linear 160-10"``."""
        if self.architecture == "cnn":
            cls, args, kw = self.model_spec(n_features, n_classes)
            length = models.weight_uses(cls, *args, **kw)[f"convs/{len(self.channels) - 1}/kernel"]
            convs = ", ".join(str(int(c)) for c in self.channels)
            return (f"CNN {n_features} -> conv {convs} channels (kernel {self.kernel_size}, stride 2, ReLU) "
                    f"-> linear {length * int(self.channels[-1])}-{n_classes}")
        return f"MLP {'-'.join(str(int(x)) for x in (n_features, *self.widths, n_classes))}"

    def recipe(self) -> str:
        """The training recipe in words, for the dashboards and the provenance."""
        n = self.n_train or 4000
        epochs = self.steps * self.batch_size / n
        return (f"{n} training examples, {self.steps} minibatch Adam steps ({epochs:g} epochs of batch "
                f"{self.batch_size}), learning rate {self.learning_rate:g} with cosine decay to "
                f"{self.learning_rate * self.final_lr_fraction:g}")

    def lottery_sparsity(self, r: int) -> float:
        """Sparsity after r IMP rounds."""
        return 1.0 - (1.0 - self.prune_fraction) ** r

    @property
    def lottery_rounds(self) -> int:
        """IMP rounds needed to reach the largest curve sparsity."""
        top = max(self.sparsities)
        return max(int(math.ceil(math.log(1.0 - top) / math.log(1.0 - self.prune_fraction) - 1e-9)),
                   max(self.ablation_rounds or (0,)))

    @property
    def rewind_step(self) -> int:
        """k, the step lottery tickets rewind to: ``round(rewind_fraction * steps)``."""
        return int(round(self.rewind_fraction * self.steps))

    @property
    def early_steps(self) -> tuple:
        """The steps k of the prune-early curve (sorted; the rewind step included), or ()."""
        if not self.early_fractions:
            return ()
        return tuple(sorted({int(round(f * self.steps)) for f in self.early_fractions} | {self.rewind_step}))

    @property
    def early_sparsity(self) -> float:
        """The sparsity of the prune-early curve: that of the first ablation round."""
        return self.lottery_sparsity(self.ablation_rounds[0])


def _check_architecture(architecture) -> None:
    if architecture not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {architecture!r}; expected one of "
                         f"{', '.join(map(repr, ARCHITECTURES))} (a fully connected net or a 1-D CNN)")


class _ArchitecturePresets:
    """The presets of one architecture, as :func:`~.base.session_preset` calls them (no argument)."""

    def __init__(self, config_cls, architecture: str, scale: str):
        self.__name__ = config_cls.__name__
        self._cls, self._arch, self._scale = config_cls, architecture, scale

    def live(self):
        return getattr(self._cls, self._scale)(self._arch)

    def tiny(self):
        return self._cls.tiny(self._arch)
