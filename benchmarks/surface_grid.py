"""Benchmark: a 201 x 201 loss surface of the digits MLP, JAX vs a plain NumPy loop.

Prints points per second for `hardtrain.landscape.surface` (one jitted call, vmapped over a row,
mapped over rows) and for a straightforward NumPy loop that evaluates the same loss point by
point, measured side by side in one run, plus their ratio and the largest difference between
the two on the points both computed.

    python3 tasks.py bench surface_grid        # or: .venv/bin/python benchmarks/surface_grid.py
"""

from __future__ import annotations

import argparse
import platform
import time

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from hardtrain import data, landscape, models


def numpy_loss(params, x, y):
    """Mean softmax cross-entropy of a one-hidden-layer tanh MLP, in NumPy (float32)."""
    h = np.tanh(x @ params["layers"][0]["kernel"] + params["layers"][0]["bias"])
    z = h @ params["layers"][1]["kernel"] + params["layers"][1]["bias"]
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", type=int, default=201)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--numpy-points", type=int, default=2000,
                    help="grid points evaluated by the NumPy loop (a subsample: the full grid takes minutes)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    ds = data.load("digits")
    apply_fn, params = models.pure(models.MLP(ds.n_features, (args.width,), ds.n_classes, rngs=nnx.Rngs(0)))
    loss_fn = models.loss_function(apply_fn, ds.x_train, ds.y_train)
    dirs = landscape.random_directions(jax.random.key(0), params, "filter")
    grid = jnp.linspace(-1.0, 1.0, args.grid)
    n_points = args.grid ** 2

    t = time.perf_counter()
    z = landscape.surface(loss_fn, params, dirs, grid, grid).block_until_ready()
    first = time.perf_counter() - t
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        z = landscape.surface(loss_fn, params, dirs, grid, grid).block_until_ready()
        times.append(time.perf_counter() - t)
    jax_s = min(times)

    npp, npd, npe = (jax.tree.map(np.asarray, t) for t in (params, *dirs))
    x, y = np.asarray(ds.x_train), np.asarray(ds.y_train)
    g = np.asarray(grid)
    rng = np.random.default_rng(0)
    flat = rng.choice(n_points, size=min(args.numpy_points, n_points), replace=False)
    t = time.perf_counter()
    ref = []
    for k in flat:
        j, i = divmod(int(k), args.grid)
        p = jax.tree.map(lambda a, d, e: a + g[i] * d + g[j] * e, npp, npd, npe)
        ref.append(numpy_loss(p, x, y))
    np_s = time.perf_counter() - t
    got = np.asarray(z).ravel()[flat]
    err = float(np.max(np.abs(got - np.array(ref)) / np.maximum(1.0, np.abs(ref))))

    jax_rate, np_rate = n_points / jax_s, len(flat) / np_s
    print(f"machine: {platform.machine()}, {jax.device_count()} x {jax.devices()[0].platform}, "
          f"jax {jax.__version__}")
    print(f"model: digits MLP 64-{args.width}-10 ({models.count_params(params)} params), "
          f"{ds.x_train.shape[0]} training rows")
    print(f"grid: {args.grid} x {args.grid} = {n_points} points")
    print(f"jax surface: first call (compile + run) {first:.2f} s; best of {args.repeats}: {jax_s:.3f} s "
          f"-> {jax_rate:,.0f} points/s")
    print(f"numpy loop: {len(flat)} points in {np_s:.2f} s -> {np_rate:,.0f} points/s "
          f"(full grid would take {n_points / np_rate:.0f} s)")
    print(f"ratio jax/numpy: {jax_rate / np_rate:.1f}x")
    print(f"max relative difference on the shared points: {err:.2e}")


if __name__ == "__main__":
    main()
