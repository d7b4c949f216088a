"""Lab 4 with the 1-D CNN: wall time of the live study and of one training chunk, MLP vs CNN.

For each architecture (``--architecture mlp cnn``), in a fresh process each (cold: compiles
included, as a learner's first press of *Run live study* in a new kernel):

1. one chunk of the live study: a masked training run of ``StudyConfig.live(arch)`` (all seeds
   vmapped), first call (compile) and best of 3 after it;
2. the whole live curve study with the curves the dashboard ticks when it opens
   (``Study.curve_steps(methods)``: random, the at-init methods, one-shot magnitude after
   training fine-tuned and with learning-rate rewinding, the lottery ticket), the number the
   dashboard's one-minute budget is about;
3. the live ablations (``Study.ablation_steps``) in the same process (warm compiled code);
4. the process's peak resident memory.

With ``--conv-step`` it instead times one seed-vmapped gradient of the training loss (3 seeds,
2000 MNIST-1D examples, best of 10 after a compile) of the CNN with its convolutions computed by
``models.conv1d_as_matmul`` (the banded matmul the lab uses) and by
``jax.lax.conv_general_dilated`` (XLA's convolution), for 16 and 25 channels, and of the MLP:
the measurement behind the choice of the banded matmul.

    .venv/bin/python benchmarks/pruning_cnn.py [--architecture mlp cnn] [--no-ablations]
    .venv/bin/python benchmarks/pruning_cnn.py --conv-step

Prints figures only; RESULTS.md is edited by hand.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import resource, sys, time
    t_start = time.perf_counter()
    import jax
    import numpy as np
    from hardtrain import models
    from hardtrain.experiments import pruning_study
    from hardtrain.views.lab4 import HIDDEN_AT_START
    arch, ablations = sys.argv[1], sys.argv[2] == "1"
    methods = tuple(m for m in pruning_study.CURVES if m not in HIDDEN_AT_START)
    cfg = pruning_study.StudyConfig.live(arch)
    study = pruning_study.Study(cfg)
    mk = study.at_init_masks("random", 0.9)
    t0 = time.perf_counter(); study.train(study.params0, mk); first = time.perf_counter() - t0
    best = min((lambda t: (study.train(study.params0, mk), time.perf_counter() - t)[1])(time.perf_counter())
               for _ in range(3))
    print(f"{arch}: {cfg.describe()}, {models.count_params(jax.tree.map(lambda a: a[0], study.params0))} "
          f"params; one training chunk ({len(cfg.seeds)} seeds; {cfg.recipe()}): "
          f"first {first:.2f} s, best {best:.3f} s", flush=True)
    study = pruning_study.Study(cfg)
    t0 = time.perf_counter(); n = sum(1 for _ in study.curve_steps(methods)); dt = time.perf_counter() - t0
    print(f"{arch}: live curve study, {n} chunks: {dt:.1f} s (process start to end {time.perf_counter() - t_start:.1f} s)",
          flush=True)
    means = {m: [round(float(np.mean(a)), 3) for a in c["accuracy"]] for m, c in study.results["curves"].items()}
    print(f"{arch}: dense {np.mean(study.results['dense']):.3f}; curves {means}", flush=True)
    if ablations:
        t0 = time.perf_counter(); n = sum(1 for _ in study.ablation_steps(cfg.ablation_rounds[0]))
        print(f"{arch}: live ablations, {n} chunks: {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"{arch}: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
""")


CONV_CHILD = textwrap.dedent("""
    import sys, time
    import jax
    from hardtrain import data, models
    variant, channels = sys.argv[1], int(sys.argv[2])
    if variant == "xla":  # CNN1D passes models.conv1d_as_matmul to nnx.Conv when it is built
        models.conv1d_as_matmul = jax.lax.conv_general_dilated
    ds = data.load("mnist1d", seed=0, max_train=2000)
    if variant == "mlp":
        cls, args = models.MLP, (ds.n_features, (100, 100), ds.n_classes)
    else:
        cls, args = models.CNN1D, (ds.n_features, (channels,) * 3, ds.n_classes)
    apply_fn, _ = models.build(cls, *args, activation="relu")
    params = jax.tree.map(lambda *a: jax.numpy.stack(a), *[models.build(cls, *args, activation="relu", seed=s)[1]
                                                           for s in range(3)])
    grad = jax.jit(jax.vmap(jax.grad(models.loss_function(apply_fn, ds.x_train, ds.y_train))))
    jax.block_until_ready(grad(params))
    best = float("inf")
    for _ in range(10):
        t = time.perf_counter(); jax.block_until_ready(grad(params)); best = min(best, time.perf_counter() - t)
    name = "MLP 40-100-100-10" if variant == "mlp" else f"CNN {channels} channels, {variant} convolution"
    print(f"vmapped gradient, 3 seeds x 2000 examples, {name}: best {1000 * best:.1f} ms", flush=True)
""")


def main(argv=None) -> int:
    """Run the child once per architecture and print what it measured."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architecture", nargs="+", default=["mlp", "cnn"], choices=["mlp", "cnn"])
    parser.add_argument("--no-ablations", action="store_true")
    parser.add_argument("--conv-step", action="store_true",
                        help="time one vmapped gradient: banded-matmul vs XLA convolution, and the MLP")
    args = parser.parse_args(argv)
    if args.conv_step:
        for variant, channels in (("banded", 16), ("xla", 16), ("banded", 25), ("xla", 25), ("mlp", 0)):
            subprocess.run([sys.executable, "-c", CONV_CHILD, variant, str(channels)], check=True)
        return 0
    for arch in args.architecture:
        subprocess.run([sys.executable, "-c", CHILD, arch, "0" if args.no_ablations else "1"], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
