"""Lab 4's training recipe: dense accuracy vs steps and width, and why one-shot pruning after
training falls behind on the MLP.

1. ``--dense`` (default): for each architecture, steps and CNN width asked for, train the dense
   network of ``pruning_study.StudyConfig.full(arch)`` (:mod:`hardtrain.experiments`) with that
   change (minibatch Adam, batch 100, cosine schedule, all 4,000 MNIST-1D training examples,
   3 seeds vmapped) and print the test and training accuracy per seed, the wall time and the
   time per step: the measurements behind the recipe (MLP 4,000 steps; CNN 32 channels, 2,000
   steps; published baselines MLP 68%, CNN 94%).
2. ``--after-training``: on the full MLP study's dense network, one-shot magnitude pruning at
   89.3% and 95.6% sparsity, global vs layerwise, scored before any retraining, fine-tuned,
   with learning-rate rewinding, and retrained with the whole schedule; then learning-rate
   rewinding when the whole recipe uses AdamW's decoupled weight decay (0.1, 1.0).

    .venv/bin/python benchmarks/pruning_recipe.py [--architecture mlp cnn] [--steps 1000 2000 4000]
                                                  [--channels 16 25 32] [--after-training]

Prints figures only; RESULTS.md is edited by hand.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import time

import numpy as np


def dense(arch: str, steps: int, channels: int | None) -> None:
    from hardtrain.experiments import pruning_study

    cfg = pruning_study.StudyConfig.full(arch)
    cfg = dataclasses.replace(cfg, steps=steps, **({"channels": (channels,) * 3} if arch == "cnn" else {}))
    study = pruning_study.Study(cfg)
    t0 = time.perf_counter()
    study.dense()
    dt = time.perf_counter() - t0
    test, train = study.results["dense"], study.results["dense_train"]
    print(f"{cfg.describe()}: {steps} steps: test {np.round(test, 3).tolist()} (mean {np.mean(test):.3f}), "
          f"train {np.round(train, 3).tolist()}; {dt:.1f} s with compiles ({1000 * dt / steps:.2f} ms/step, "
          f"{len(cfg.seeds)} seeds)", flush=True)


def after_training() -> None:
    import optax

    from hardtrain import pruning
    from hardtrain.experiments import pruning_study

    def report(study, label):
        _, trained = study.dense()
        k = study.config.rewind_step
        print(f"{label}: dense test {np.mean(study.results['dense']):.3f}", flush=True)
        for s in (pruning.imp_sparsities((10,))[0], pruning.imp_sparsities((14,))[0]):
            for scope in ("global", "layerwise"):
                mk = pruning.map_seeds(functools.partial(pruning.magnitude_mask, sparsity=s, scope=scope), True,
                                       trained, None)
                none = np.mean(study.accuracy(pruning.apply_masks(trained, mk)))
                ft = np.mean(study.train(trained, mk, k, constant_lr=float(study.learning_rates[-1]))[0])
                lr = np.mean(study.train(trained, mk, k)[0])
                full = np.mean(study.train(trained, mk, 0)[0])
                print(f"  {s:.3f} {scope:9s}: before retraining {none:.3f}, fine-tuned {ft:.3f}, "
                      f"LR rewinding {lr:.3f}, whole schedule {full:.3f}", flush=True)

    report(pruning_study.Study(pruning_study.StudyConfig.full()), "MLP, Adam (the lab's recipe)")
    for wd in (0.1, 1.0):
        opt = pruning.masked_optimizer(optax.inject_hyperparams(optax.adamw)(learning_rate=1e-2, weight_decay=wd))
        study = pruning_study.Study(pruning_study.StudyConfig.full())
        study.optimizer = opt  # the whole recipe, dense run included, with decoupled weight decay
        _, trained = study.dense()
        s = pruning.imp_sparsities((14,))[0]
        mk = study._magnitude_masks(trained, None, s)
        lr = np.mean(study.train(trained, mk, study.config.rewind_step)[0])
        rnd = np.mean(study.train(study.params0, study.at_init_masks("random", s))[0])
        print(f"MLP, AdamW weight decay {wd}: dense {np.mean(study.results['dense']):.3f}; at {s:.3f}: "
              f"LR rewinding {lr:.3f}, random at init {rnd:.3f}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architecture", nargs="+", default=["mlp", "cnn"], choices=["mlp", "cnn"])
    parser.add_argument("--steps", nargs="+", type=int, default=None)
    parser.add_argument("--channels", nargs="+", type=int, default=[32])
    parser.add_argument("--after-training", action="store_true")
    args = parser.parse_args(argv)
    if args.after_training:
        after_training()
        return 0
    for arch in args.architecture:
        steps = args.steps or ([4000] if arch == "mlp" else [2000])
        for n in steps:
            for ch in (args.channels if arch == "cnn" else [None]):
                dense(arch, n, ch)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
