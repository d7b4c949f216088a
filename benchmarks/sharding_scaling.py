"""Benchmark: a width/seed sweep sharded over 1, 2 and 4 JAX devices.

Each device count runs in its own process with ``XLA_FLAGS=--xla_force_host_platform_device_count=D``
(host "devices" on the CPU; on a machine with GPUs pass ``--real`` to use the GPUs present) and
times :func:`hardtrain.overparam.sweep_over_devices` through the lab's sweeps
(:mod:`hardtrain.experiments`): lazy training (NTK MLP, widths 512 and 2048, 8 seeds, 100 GD
steps; warm: the second run) and random features (N = 1000, n = 1000, 8 seeds; ONE call,
compile included). Prints seconds, the speed-up over one device, and whether the results equal
the one-device run.

Known limitation (measured here with jax 0.10.2): with forced host devices, the sharded
random-features program (a batched LAPACK SVD inside ``jnp.linalg.lstsq``) deadlocks XLA's CPU
thread pool now and then (on the 4th to 6th call in a row here, on the first in one CI run), so
``RandomFeaturesSweep`` passes ``shard_cpu=False`` and runs on one device when all devices are
CPUs: its column shows the same work on 1 device each time (it shards with ``--real`` on GPUs).
Matmul-only programs (lazy training) run any number of times.

    .venv/bin/python benchmarks/sharding_scaling.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, time, jax, numpy as np
from hardtrain import data
from hardtrain.experiments.double_descent import RandomFeaturesSweep
from hardtrain.experiments.lazy_training import LazyTrainingSweep
ds = data.load("mnist1d")
out = {"devices": [str(d) for d in jax.devices()]}
def run(make):
    t0 = time.perf_counter(); r = make().run(); return time.perf_counter() - t0, r.metrics
seeds = tuple(range(8))
lazy = lambda: LazyTrainingSweep(ds, (512, 2048), n_train=256, steps=100, seeds=seeds)
run(lazy)  # compile
out["lazy_s"], out["lazy"] = run(lazy)
out["rf_s"], out["rf"] = run(lambda: RandomFeaturesSweep(ds, (1000,), n_train=1000, seeds=seeds))  # CPUs: 1 device
print("RESULT" + json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, nargs="*", default=[1, 2, 4])
    ap.add_argument("--real", action="store_true", help="use the accelerators present instead of host devices")
    args = ap.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    results = {}
    for d in args.devices:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(ROOT / "src")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        if not args.real:
            env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={d}"
            env["JAX_PLATFORMS"] = "cpu"
        with tempfile.TemporaryFile("w+") as out:  # a file, not a pipe, for the child's output
            proc = subprocess.run([sys.executable, "-c", CHILD], env=env, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, text=True, timeout=600)
            out.seek(0)
            text = out.read()
        if proc.returncode != 0:
            print(text[-2000:])
            raise SystemExit(f"child with {d} devices failed")
        results[d] = json.loads(text.split("RESULT", 1)[1])
    base = results[args.devices[0]]
    print("\n| devices | lazy sweep, warm (s) | speed-up | random features, cold (s) | speed-up | equal to 1 device |")
    print("| ---: | ---: | ---: | ---: | ---: | --- |")
    import numpy as np

    for d, r in results.items():
        same = all(np.allclose(np.array(r[k][m]), np.array(base[k][m]), rtol=1e-4, atol=1e-6)
                   for k in ("lazy", "rf") for m in base[k])
        print(f"| {len(r['devices'])} | {r['lazy_s']:.2f} | {base['lazy_s'] / r['lazy_s']:.2f}x | {r['rf_s']:.2f} | "
              f"{base['rf_s'] / r['rf_s']:.2f}x | {'yes' if same else 'NO'} |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
