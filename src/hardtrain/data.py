"""Real datasets, shipped with packages or generated locally; never downloaded at run time.

Every loader returns a :class:`Dataset` of standardised float32 features and int32 class labels,
split into train and test parts with a fixed seed.

Sources:
  - breast_cancer, digits, iris, moons, circles: scikit-learn (Pedregosa et al., JMLR 2011).
  - xor: four Gaussian blobs at the corners of a square, labelled by the XOR of the signs.
  - mnist1d: Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024,
    arXiv 2011.14439; generated locally by ``mnist1d.data.make_dataset`` and cached
    on disk. ``mnist1d.data.get_dataset`` is never called: it downloads by default.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Callable

import jax.numpy as jnp
import numpy as np

from .config import cache_dir

__all__ = ["Dataset", "DATASETS", "load"]


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A standardised classification dataset.

    Attributes:
      name: the loader's name, e.g. ``"digits"``.
      x_train: float32 array of shape (n_train, n_features), standardised with the training
        mean and standard deviation (features with zero variance are only centred).
      y_train: int32 array of shape (n_train,), class ids in 0..n_classes-1.
      x_test: float32 array of shape (n_test, n_features), standardised with the training
        statistics.
      y_test: int32 array of shape (n_test,).
      n_classes: number of classes.
      source: one line naming where the data come from.
    """

    name: str
    x_train: jnp.ndarray
    y_train: jnp.ndarray
    x_test: jnp.ndarray
    y_test: jnp.ndarray
    n_classes: int
    source: str

    @property
    def n_features(self) -> int:
        """Number of input features."""
        return int(self.x_train.shape[1])

    def __repr__(self) -> str:  # short: arrays are large
        return (f"Dataset({self.name!r}, train={tuple(self.x_train.shape)}, "
                f"test={tuple(self.x_test.shape)}, n_classes={self.n_classes})")


def _sklearn(loader_name: str) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    def load(n_samples: int | None, noise: float | None, seed: int):
        from sklearn import datasets

        x, y = getattr(datasets, loader_name)(return_X_y=True)
        return x, y

    return load


def _moons(n_samples, noise, seed):
    from sklearn.datasets import make_moons

    return make_moons(n_samples=n_samples or 400, noise=0.2 if noise is None else noise,
                      random_state=seed)


def _circles(n_samples, noise, seed):
    from sklearn.datasets import make_circles

    return make_circles(n_samples=n_samples or 400, noise=0.1 if noise is None else noise,
                        factor=0.5, random_state=seed)


def _xor(n_samples, noise, seed):
    rng = np.random.default_rng(seed)
    n = n_samples or 400
    corners = rng.integers(0, 2, size=(n, 2))
    x = (2.0 * corners - 1.0) + (0.25 if noise is None else noise) * rng.standard_normal((n, 2))
    y = np.logical_xor(x[:, 0] > 0, x[:, 1] > 0).astype(np.int64)
    return x, y


def _cached_arrays(folder: str, recipe: dict, make: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Arrays made by ``make()`` once per ``recipe`` and kept in the per-user cache (npz).

    A lab kernel then reads a small file instead of importing the generator's library (importing
    scikit-learn costs a kernel ~40-70 MB that it never gives back). A damaged file is remade;
    files are written atomically, so two kernels loading at once never see half a file.
    """
    key = hashlib.sha256(json.dumps(recipe, sort_keys=True, default=str).encode()).hexdigest()
    path = cache_dir(folder) / f"{recipe.get('name', folder)}-{key[:16]}.npz"
    if path.exists():
        try:
            with np.load(path) as f:
                return {k: f[k] for k in f.files}
        except (OSError, ValueError, KeyError, EOFError):
            path.unlink(missing_ok=True)
    arrays = {k: np.asarray(v) for k, v in make().items()}
    tmp = path.with_suffix(f".{np.random.default_rng().integers(1 << 30)}.tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(path)
    return arrays


def _mnist1d_arrays(seed: int) -> dict[str, np.ndarray]:
    """MNIST-1D arrays, generated locally once per seed and kept in the per-user cache.

    The cache key is the mnist1d version and the seed (``get_dataset_args()``'s defaults are
    fixed per version), so a cached load never imports mnist1d, which pulls in matplotlib and
    costs a kernel ~100 MB.
    """
    from importlib.metadata import version

    def make():
        from mnist1d.data import get_dataset_args, make_dataset

        args = get_dataset_args()
        args.seed = seed
        data = make_dataset(args)
        return {k: data[k] for k in ("x", "y", "x_test", "y_test")}

    return _cached_arrays("mnist1d", {"name": "mnist1d", "seed": seed, "mnist1d": version("mnist1d"),
                                      "args": "get_dataset_args() defaults"}, make)


def _split_arrays(name: str, seed: int, test_fraction: float, n_samples, noise) -> dict[str, np.ndarray]:
    """The stratified train/test split of a scikit-learn or generated dataset, cached on disk."""
    from importlib.metadata import version

    def make():
        from sklearn.model_selection import train_test_split

        x, y = _LOADERS[name][0](n_samples, noise, seed)
        x_tr, x_te, y_tr, y_te = train_test_split(
            np.asarray(x, np.float64), np.asarray(y), test_size=test_fraction,
            random_state=seed, stratify=y)
        return {"x": x_tr, "y": y_tr, "x_test": x_te, "y_test": y_te}

    recipe = {"name": name, "seed": seed, "test_fraction": test_fraction, "n_samples": n_samples,
              "noise": noise, "scikit-learn": version("scikit-learn"), "format": 1}
    return _cached_arrays("datasets", recipe, make)


_LOADERS = {
    "breast_cancer": (_sklearn("load_breast_cancer"),
                      "scikit-learn load_breast_cancer (Wisconsin diagnostic, 569 x 30, 2 classes)"),
    "digits": (_sklearn("load_digits"), "scikit-learn load_digits (8x8 images, 1797 x 64, 10 classes)"),
    "iris": (_sklearn("load_iris"), "scikit-learn load_iris (150 x 4, 3 classes)"),
    "moons": (_moons, "scikit-learn make_moons (2-D, 2 classes)"),
    "circles": (_circles, "scikit-learn make_circles (2-D, 2 classes)"),
    "xor": (_xor, "four Gaussian blobs labelled by XOR of the coordinate signs (2-D, 2 classes)"),
    "mnist1d": (None, "MNIST-1D generated locally by mnist1d.data.make_dataset (40 features, 10 classes)"),
}

#: Names accepted by :func:`load`.
DATASETS: tuple[str, ...] = tuple(_LOADERS)


def load(name: str, *, seed: int = 0, test_fraction: float = 0.25, n_samples: int | None = None,
         noise: float | None = None, max_train: int | None = None,
         standardize: bool = True) -> Dataset:
    """Load a real dataset, standardised and split.

    Args:
      name: one of :data:`DATASETS`.
      seed: seed of the split (and of the generator for moons, circles, xor, mnist1d).
      test_fraction: fraction of the examples held out, in (0, 1). Ignored for ``mnist1d``,
        which comes with its own split (4000 train, 1000 test).
      n_samples: number of generated examples (moons, circles, xor; default 400).
      noise: generator noise (moons 0.2, circles 0.1, xor 0.25 by default).
      max_train: keep only the first ``max_train`` training examples (for fast runs).
      standardize: subtract the training mean and divide by the training standard deviation.

    Returns:
      A :class:`Dataset`; x arrays of shape (n, n_features) float32, y arrays (n,) int32.

    Raises:
      ValueError: unknown name, ``test_fraction`` outside (0, 1), or a non-positive
        ``n_samples`` / ``max_train``.

    References:
      Pedregosa et al., "Scikit-learn: Machine Learning in Python", JMLR 12, 2011.
      Greydanus, Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024, arXiv 2011.14439.

    Examples:
      Iris's 150 flowers split 112 / 38; the training features have mean 0 and standard
      deviation 1:

      >>> import numpy as np
      >>> ds = load("iris")
      >>> ds, ds.n_features
      (Dataset('iris', train=(112, 4), test=(38, 4), n_classes=3), 4)
      >>> x = np.asarray(ds.x_train, np.float64)
      >>> bool(np.allclose(x.mean(0), 0, atol=1e-5)), bool(np.allclose(x.std(0), 1, atol=1e-5))
      (True, True)
    """
    if name not in _LOADERS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction!r}")
    for arg, value in (("n_samples", n_samples), ("max_train", max_train)):
        if value is not None and (int(value) != value or value < 1):
            raise ValueError(f"{arg} must be a positive integer or None, got {value!r}")
    source = _LOADERS[name][1]
    if name == "mnist1d":
        arrays = _mnist1d_arrays(seed)
    else:
        arrays = _split_arrays(name, seed, float(test_fraction), n_samples, noise)
    x_tr, y_tr, x_te, y_te = arrays["x"], arrays["y"], arrays["x_test"], arrays["y_test"]
    if max_train is not None:
        x_tr, y_tr = x_tr[:max_train], y_tr[:max_train]
    x_tr = np.asarray(x_tr, np.float64)
    x_te = np.asarray(x_te, np.float64)
    if standardize:
        mean = x_tr.mean(axis=0)
        std = x_tr.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        x_tr, x_te = (x_tr - mean) / std, (x_te - mean) / std
    classes, codes = np.unique(np.concatenate([y_tr, y_te]), return_inverse=True)
    y_tr, y_te = codes[:len(y_tr)].astype(np.int32), codes[len(y_tr):].astype(np.int32)
    return Dataset(name=name, x_train=jnp.asarray(x_tr, jnp.float32), y_train=jnp.asarray(y_tr),
                   x_test=jnp.asarray(x_te, jnp.float32), y_test=jnp.asarray(y_te),
                   n_classes=len(classes), source=source)
