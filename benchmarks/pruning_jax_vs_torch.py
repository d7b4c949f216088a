"""SynFlow (100 rounds) and one masked training run: hardtrain (JAX) vs straightforward PyTorch.

Both sides compute the same thing on the same weights (copied from JAX to torch):

1. SynFlow with 100 rounds and the exponential schedule (Tanaka et al., NeurIPS 2020,
   arXiv 2006.05467) on the MNIST-1D MLP 40-100-100-10 (ReLU), float64, global ranking, to 99%
   sparsity. JAX: ``hardtrain.pruning.prune("synflow", ...)``, one compiled ``lax.scan``.
   PyTorch: the loop of the reference implementation (model.double(), |params|, all-ones
   input, R.sum().backward(), scores |grad * param|, pruned weights at -inf, a global
   ``torch.topk`` per round).
2. Training with a mask at 90% sparsity, full-batch Adam (lr 1e-2), float32: one run of 200
   steps on 4000 MNIST-1D examples, and one chunk of the lab's live study (1000 examples, 150
   steps, 2 seeds). JAX: ``hardtrain.pruning.train_masked`` (one compiled ``lax.scan``, masks
   re-applied by an optax transformation, seeds vmapped). PyTorch: the usual eager loop
   (zero_grad, forward, backward, step, ``p.mul_(mask)`` under no_grad), once per seed.
3. Optionally (``--curves``) the wall time of the lab's live study (``StudyConfig.live()``:
   every method at 4 sparsities, 2 seeds, magnitude after training and lottery tickets), cold
   in a fresh process, i.e. compiles included.

The script prints each side's time (best of ``--repeats`` after one warm-up; JAX's first call,
which compiles, is printed separately), the ratio, and agreement checks (identical SynFlow
masks, final training losses within float32 noise).

torch is a benchmark-only dependency, not in pyproject.toml or the lock. Install the CPU wheel
into the project's environment with
    .venv/bin/python -m pip install torch==2.13.0
(never through uv, which would fetch a multi-GB CUDA build). Run:
    .venv/bin/python benchmarks/pruning_jax_vs_torch.py [--repeats 3] [--curves]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("This benchmark needs PyTorch (a benchmark-only dependency). Install the CPU wheel with\n"
             "    .venv/bin/python -m pip install torch==2.13.0\n"
             "(or: python3 -m pip --python .venv/bin/python install torch==2.13.0), then run it again.")

import jax
import jax.numpy as jnp
import numpy as np

from hardtrain import data, models, pruning
from hardtrain import train as training
from hardtrain.experiments import pruning_study

WIDTHS = (100, 100)
SYNFLOW_SPARSITY = 0.99
TRAIN_SPARSITY = 0.9
STEPS = 200
LR = 1e-2


def best_of(fn, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


# ----------------------------------------------------------------------------- torch side

def torch_mlp(params, dtype):
    """nn.Sequential with the JAX weights (Flax kernels are (in, out); torch weights (out, in))."""
    layers = []
    keys = sorted(params["layers"])
    for i, k in enumerate(keys):
        w = np.asarray(params["layers"][k]["kernel"])
        lin = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T.copy()))
            lin.bias.copy_(torch.from_numpy(np.asarray(params["layers"][k]["bias"])))
        layers.append(lin)
        if i < len(keys) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).to(dtype)


def torch_synflow(params, n_features, sparsity, rounds):
    """Iterative SynFlow, written the straightforward way (reference-implementation style)."""
    model = torch_mlp(params, torch.float64)
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
    masks = [torch.ones_like(w, dtype=torch.bool) for w in weights]
    total = sum(w.numel() for w in weights)
    signs = {n: torch.sign(p.data) for n, p in model.named_parameters()}
    with torch.no_grad():
        for p in model.parameters():
            p.abs_()
    ones = torch.ones((1, n_features), dtype=torch.float64)
    for k in range(1, rounds + 1):
        density = (1.0 - sparsity) ** (k / rounds)
        keep = total - int(round((1.0 - density) * total))
        with torch.no_grad():
            for w, m in zip(weights, masks):
                w.mul_(m)
        model.zero_grad()
        r = model(ones).sum()
        r.backward()
        scores = [torch.where(m, (w.grad * w.data).abs(), torch.tensor(-float("inf"), dtype=torch.float64))
                  for w, m in zip(weights, masks)]
        flat = torch.cat([s.flatten() for s in scores])
        idx = torch.topk(flat, keep, sorted=False).indices
        new = torch.zeros_like(flat, dtype=torch.bool)
        new[idx] = True
        start = 0
        for j, w in enumerate(weights):
            masks[j] = new[start:start + w.numel()].view_as(w)
            start += w.numel()
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.mul_(signs[n])
    return [m.T.numpy() for m in masks]  # back to Flax's (in, out) layout


def torch_train(params, masks, x, y, steps, lr):
    model = torch_mlp(params, torch.float32)
    weights = [m.weight for m in model if isinstance(m, torch.nn.Linear)]
    tmasks = [torch.from_numpy(np.asarray(m).T.copy()).to(torch.float32) for m in masks]
    with torch.no_grad():
        for w, m in zip(weights, tmasks):
            w.mul_(m)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.from_numpy(np.asarray(x)), torch.from_numpy(np.asarray(y).astype(np.int64))
    loss_fn = torch.nn.CrossEntropyLoss()
    loss = None
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        with torch.no_grad():
            for w, m in zip(weights, tmasks):
                w.mul_(m)
    with torch.no_grad():
        final = float(loss_fn(model(xt), yt))
    return final, [w.detach().numpy().T for w in weights]


# -------------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--curves", action="store_true", help="also time the lab's live study (about a minute)")
    args = ap.parse_args(argv)

    ds = data.load("mnist1d")
    apply_fn, params = models.build(models.MLP, ds.n_features, WIDTHS, ds.n_classes, activation="relu", seed=0)
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, jax {jax.__version__} on "
          f"{jax.devices()[0].platform}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    print(f"model: MLP 40-{'-'.join(map(str, WIDTHS))}-10 (ReLU), {pruning.prunable_paths(params)}")

    # 1. SynFlow, 100 rounds
    batch = (ds.x_train[:1], ds.y_train[:1])

    def jax_syn():
        m = pruning.prune("synflow", params, apply_fn, batch, SYNFLOW_SPARSITY, rounds=100)
        jax.block_until_ready(m)
        return m

    t0 = time.perf_counter()
    jax_syn()
    jax_first = time.perf_counter() - t0
    j_best, j_med, jm = best_of(jax_syn, args.repeats)
    t_best, t_med, tm = best_of(lambda: torch_synflow(params, ds.n_features, SYNFLOW_SPARSITY, 100), args.repeats)
    jmask = [np.asarray(jm["layers"][k]["kernel"]) for k in sorted(jm["layers"])]
    agree = np.mean(np.concatenate([(a == b).ravel() for a, b in zip(jmask, tm)]))
    print("\n1. SynFlow, 100 rounds, 99% sparsity, float64")
    print(f"   JAX (hardtrain.pruning.prune): best {j_best * 1e3:8.1f} ms, median {j_med * 1e3:8.1f} ms "
          f"(first call with compile {jax_first:.2f} s)")
    print(f"   PyTorch eager loop           : best {t_best * 1e3:8.1f} ms, median {t_med * 1e3:8.1f} ms")
    print(f"   ratio torch / JAX: best {t_best / j_best:.1f}x, median {t_med / j_med:.1f}x; masks agree on {agree:.4%} of weights; "
          f"kept per layer JAX {[int(m.sum()) for m in jmask]}, torch {[int(m.sum()) for m in tm]}")

    # 2. Masked training: one full-size run, and one chunk of the lab's live study
    mask = pruning.prune("random", params, apply_fn, None, TRAIN_SPARSITY, key=jax.random.key(1))
    masks_np = [np.asarray(mask["layers"][k]["kernel"]) for k in sorted(mask["layers"])]
    opt = training.make_optimizer("adam", LR)
    cases = [("one run, 4000 examples", 4000, STEPS, 1),
             ("a live-study chunk: 1000 examples, 2 seeds", 1000, 150, 2)]
    for title, n, steps, seeds in cases:
        x, y = ds.x_train[:n], ds.y_train[:n]
        loss_fn = models.loss_function(apply_fn, x, y)
        if seeds == 1:
            p_in, m_in = params, mask
        else:
            p_in = jax.tree.map(lambda a: jnp.stack([a] * seeds), params)
            m_in = jax.tree.map(lambda a: None if a is None else jnp.stack([a] * seeds), mask,
                                is_leaf=lambda v: v is None)

        def jax_train():
            res = pruning.train_masked(loss_fn, p_in, m_in, opt, steps, batched=seeds > 1)
            jax.block_until_ready(res.params)
            return res

        t0 = time.perf_counter()
        jax_train()
        jax_first = time.perf_counter() - t0
        j_best, j_med, jr = best_of(jax_train, args.repeats)

        def torch_runs():
            return [torch_train(params, masks_np, x, y, steps, LR) for _ in range(seeds)]

        t_best, t_med, touts = best_of(torch_runs, args.repeats)
        jp = jr.params if seeds == 1 else jax.tree.map(lambda a: a[0], jr.params)
        j_loss = float(loss_fn(jp))
        zeros_ok = all(np.all(np.asarray(jp["layers"][k]["kernel"])[~m] == 0)
                       for k, m in zip(sorted(mask["layers"]), masks_np))
        print(f"\n2. Masked training, {title}: {steps} full-batch Adam steps, "
              f"{TRAIN_SPARSITY:.0%} sparsity, float32" + (" (JAX: one vmapped run; torch: a loop)" if seeds > 1 else ""))
        print(f"   JAX (hardtrain.pruning.train_masked): best {j_best * 1e3:8.1f} ms, median {j_med * 1e3:8.1f} ms "
              f"(first call with compile {jax_first:.2f} s)")
        print(f"   PyTorch eager loop                  : best {t_best * 1e3:8.1f} ms, median {t_med * 1e3:8.1f} ms")
        print(f"   ratio torch / JAX: best {t_best / j_best:.1f}x, median {t_med / j_med:.1f}x; final loss JAX "
              f"{j_loss:.4f}, torch {touts[0][0]:.4f}; JAX pruned weights all zero: {zeros_ok}")

    if args.curves:
        t0 = time.perf_counter()
        study = pruning_study.Study(pruning_study.StudyConfig.live())
        n = 0
        for _ in study.curve_steps():
            n += 1
        dt = time.perf_counter() - t0
        print(f"\n3. Live study of the lab (StudyConfig.live(), {n} chunks, compiles included): {dt:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
