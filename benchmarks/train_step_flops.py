"""Benchmark: achieved GFLOP/s of the MNIST-1D MLP train step vs a large matmul, in one run.

FLOPs come from XLA's cost analysis (:func:`hardtrain.compute.flops`); time is the best of
repeated calls of the jitted function (``block_until_ready``; the median is printed too). The
large matmul (2048^3 float32 by default), measured before and after the train steps (the better
of the two is used: the machine is shared), is this machine's practical roof; the ratio says how much of it a small training step
uses. The train step: MLP 40 -> m -> m -> 10 (ReLU), softmax cross-entropy, Adam (optax),
full batch of the 4000 MNIST-1D training examples.

    .venv/bin/python benchmarks/train_step_flops.py
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import jax
import jax.numpy as jnp
import optax

from hardtrain import compute, data, models


def best_seconds(fn, *args, repeats: int) -> tuple[float, float]:
    """(best, median) wall time of ``fn(*args)`` over ``repeats`` calls after a warm-up call.

    The best time is the rate the hardware reaches when the (shared) machine lets it run; the
    median shows how much the other load took away.
    """
    jax.block_until_ready(fn(*args))  # compile + warm
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--matmul", type=int, default=2048)
    ap.add_argument("--widths", type=int, nargs="*", default=[64, 256, 1024])
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, backend {jax.default_backend()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    k = args.matmul
    a = jax.random.normal(jax.random.key(0), (k, k), jnp.float32)
    b = jax.random.normal(jax.random.key(1), (k, k), jnp.float32)
    mm = jax.jit(jnp.matmul)
    mm_flops = compute.flops(jnp.matmul, a, b)
    mm_s, mm_med = best_seconds(mm, a, b, repeats=args.repeats)
    print(f"\nmatmul {k}x{k}x{k} (before): {mm_flops:.3e} FLOPs (2k^3 = {2 * k ** 3:.3e}), best {mm_s * 1e3:.1f} ms "
          f"({mm_flops / mm_s / 1e9:.1f} GFLOP/s), median {mm_med * 1e3:.1f} ms")
    ds = data.load("mnist1d")
    tx = optax.adam(1e-3)
    rows = []
    for m in args.widths:
        apply_fn, params = models.build(models.MLP, ds.n_features, (m, m), ds.n_classes, activation="relu")
        opt_state = tx.init(params)

        def step(params, opt_state, x, y):
            def loss(p):
                return optax.softmax_cross_entropy_with_integer_labels(apply_fn(p, x), y).mean()

            grads = jax.grad(loss)(params)
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state

        f = compute.flops(step, params, opt_state, ds.x_train, ds.y_train)
        s, med = best_seconds(jax.jit(step), params, opt_state, ds.x_train, ds.y_train, repeats=args.repeats)
        rows.append((m, models.count_params(params), f, s, med))
    mm_s2, mm_med2 = best_seconds(mm, a, b, repeats=args.repeats)
    print(f"matmul {k}x{k}x{k} (after): best {mm_s2 * 1e3:.1f} ms ({mm_flops / mm_s2 / 1e9:.1f} GFLOP/s), "
          f"median {mm_med2 * 1e3:.1f} ms")
    mm_rate = mm_flops / min(mm_s, mm_s2) / 1e9
    print(f"roof used: {mm_rate:.1f} GFLOP/s")
    print("\n| MLP 40-m-m-10 train step (batch 4000) | params | FLOPs/step | best ms/step | median ms/step "
          "| GFLOP/s (best) | fraction of matmul |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m, n_params, f, s, med in rows:
        rate = f / s / 1e9
        print(f"| m = {m} | {n_params:,} | {f:.3e} | {s * 1e3:.2f} | {med * 1e3:.2f} | {rate:.1f} | "
              f"{rate / mm_rate:.2f} |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
