"""One vmapped program over a batch of seeds, the batch sharded over every accelerator.

Lab 3's sweeps run all seeds of one width as one ``jit(vmap(f))`` program; with several GPUs or
TPUs the seed axis is split over them with ``jax.sharding`` (a one-axis ``Mesh`` and a
``NamedSharding``), the data replicated: the data-parallel pattern of the JAX documentation's
"Distributed arrays and automatic parallelization" (Bradbury et al., JAX, 2018; XLA's GSPMD:
Xu et al., "GSPMD: General and Scalable Parallelization for ML Computation Graphs",
arXiv 2105.04663, 2021). On one device it is a plain ``jit(vmap(f))``.

Examples:
    >>> import jax.numpy as jnp
    >>> sweep_over_devices(lambda s, x: x * s, jnp.arange(3.0), jnp.ones(2)).tolist()
    [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
"""

from __future__ import annotations

import functools
from typing import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = ["sweep_over_devices"]


@functools.lru_cache(maxsize=64)
def _sharded_vmap(fn: Callable, n_shared: int):
    return jax.jit(jax.vmap(fn, in_axes=(0,) + (None,) * n_shared))


def sweep_over_devices(fn: Callable, batch, *shared, devices: Sequence | None = None,
                       shard_cpu: bool = True):
    """``vmap(fn)`` over the leading axis of ``batch``, that axis sharded over several devices.

    The batch (e.g. seeds) is padded to a multiple of the device count by repeating its last
    entry, placed with ``NamedSharding(Mesh(devices, ("sweep",)), PartitionSpec("sweep"))``, and
    one jitted, vmapped program runs each device's share; ``shared`` arguments (the data) are
    replicated. The padding is dropped from the output. With one device this is
    ``jit(vmap(fn))(batch, *shared)``. Each example is computed by the same program, so the
    results equal the unsharded run (up to floating-point reassociation inside XLA).

    Known limitation, handled by ``shard_cpu``: with several *host* CPU devices
    (``XLA_FLAGS=--xla_force_host_platform_device_count``, an emulation for testing), a sharded
    program that runs a batched LAPACK SVD (the random-features fit) deadlocks XLA's CPU thread
    pool now and then with jax 0.10.2. Matmul-only programs, one CPU device and GPUs are
    unaffected. Such a program passes ``shard_cpu=False``: when every device is a CPU it runs on
    the first one only, which costs nothing, since emulated host devices share the same cores.

    Args:
      fn: ``fn(example, *shared)``, traceable; ``example`` is one slice of ``batch``. Reuse the
        same function object: the compiled program is cached on it.
      batch: pytree of arrays with a common leading axis S >= 1.
      *shared: arrays passed unchanged to every call.
      devices: the devices to use; default ``jax.devices()`` (all GPUs when present).
      shard_cpu: False to run on ``devices[0]`` alone when every device is a CPU (see above).

    Returns:
      ``fn``'s outputs stacked along a leading axis of size S.

    Raises:
      ValueError: the leaves of ``batch`` disagree on the leading axis, or it is empty.

    References:
      Xu et al., "GSPMD: General and Scalable Parallelization for ML Computation Graphs", 2021,
      arXiv 2105.04663.

    Examples:
      Three "seeds" s = 1, 2, 3, each a matrix s I applied to the shared vector (1, 1):

      >>> import jax.numpy as jnp
      >>> batch = jnp.arange(1.0, 4.0)[:, None, None] * jnp.eye(2)
      >>> sweep_over_devices(lambda m, v: m @ v, batch, jnp.ones(2)).tolist()
      [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]
    """
    leaves = jax.tree.leaves(batch)
    sizes = {np.shape(x)[0] if np.ndim(x) else None for x in leaves}
    if len(sizes) != 1 or None in sizes or 0 in sizes:
        raise ValueError("every leaf of batch needs the same non-empty leading axis, got "
                         f"{sorted(map(str, sizes))}")
    (size,) = sizes
    devices = list(jax.devices() if devices is None else devices)
    if not shard_cpu and all(d.platform == "cpu" for d in devices):
        devices = devices[:1]
    nd = len(devices)
    padded = size + (-size) % nd
    if padded != size:
        batch = jax.tree.map(lambda x: jnp.concatenate([x, jnp.repeat(x[-1:], padded - size, 0)]), batch)
    if nd > 1:
        mesh = Mesh(np.array(devices), ("sweep",))
        batch = jax.device_put(batch, NamedSharding(mesh, PartitionSpec("sweep")))
        shared = jax.device_put(shared, NamedSharding(mesh, PartitionSpec()))
    else:
        batch = jax.device_put(batch, devices[0])
        shared = jax.device_put(shared, devices[0])
    out = _sharded_vmap(fn, len(shared))(batch, *shared)
    return jax.tree.map(lambda a: a[:size], out)
