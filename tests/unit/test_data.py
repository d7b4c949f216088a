"""Tests of hardtrain.data: real datasets, standardised and split.

Ground truth comes from outside the loader: scikit-learn's own arrays, NumPy statistics, the
XOR labelling rule, and mnist1d's own generator (spied on while the loader calls it).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import numpy as np
import pytest

from hardtrain import data

SKLEARN_FIXED = {  # name -> (scikit-learn loader, n_samples, n_features, n_classes)
    "breast_cancer": ("load_breast_cancer", 569, 30, 2),
    "digits": ("load_digits", 1797, 64, 10),
    "iris": ("load_iris", 150, 4, 3),
}
GENERATED = ("moons", "circles", "xor")
NOT_MNIST = tuple(n for n in data.DATASETS if n != "mnist1d")


def test_registry_lists_the_documented_datasets():
    assert set(data.DATASETS) == {"breast_cancer", "digits", "iris", "moons", "circles", "xor",
                                  "mnist1d"}


@pytest.fixture(scope="module")
def loaded():
    return {name: data.load(name) for name in NOT_MNIST}


@pytest.fixture(scope="module", autouse=True)
def data_cache_dir(tmp_path_factory, hardtrain_cache_dir):
    """A cache folder of this module's own, empty when the module starts.

    Other unit modules (lab 3's, for instance) load MNIST-1D into the package's shared cache
    before this module runs; the cache tests below need a folder nobody has written to.
    """
    old = os.environ["HARDTRAIN_CACHE_DIR"]
    path = tmp_path_factory.mktemp("hardtrain-data-cache")
    os.environ["HARDTRAIN_CACHE_DIR"] = str(path)
    yield path
    os.environ["HARDTRAIN_CACHE_DIR"] = old


@pytest.fixture(scope="module")
def mnist1d_first_load(data_cache_dir):
    """The session's first MNIST-1D load, with mnist1d's generator spied on (not replaced)."""
    import mnist1d.data

    folder = Path(data_cache_dir) / "mnist1d"
    before = sorted(folder.glob("*.npz")) if folder.exists() else []
    calls = []
    real = mnist1d.data.make_dataset

    def spy(args):
        out = real(args)
        calls.append((dict(vars(args)), {k: np.array(out[k]) for k in ("x", "y", "x_test", "y_test")}))
        return out

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(mnist1d.data, "make_dataset", spy)
        t0 = time.perf_counter()
        ds = data.load("mnist1d", seed=0)
        seconds = time.perf_counter() - t0
    return ds, before, calls, seconds, folder


def _check_types_and_shapes(ds, n_features=None):
    assert ds.x_train.dtype == np.float32 and ds.x_test.dtype == np.float32
    assert ds.y_train.dtype == np.int32 and ds.y_test.dtype == np.int32
    assert ds.x_train.ndim == 2 and ds.x_test.ndim == 2
    assert ds.y_train.shape == (ds.x_train.shape[0],)
    assert ds.y_test.shape == (ds.x_test.shape[0],)
    assert ds.x_test.shape[1] == ds.x_train.shape[1] == ds.n_features
    if n_features is not None:
        assert ds.n_features == n_features
    assert np.all(np.isfinite(np.asarray(ds.x_train))) and np.all(np.isfinite(np.asarray(ds.x_test)))
    y = np.concatenate([np.asarray(ds.y_train), np.asarray(ds.y_test)])
    # labels are exactly 0..K-1, every class present
    assert set(np.unique(y).tolist()) == set(range(ds.n_classes))
    assert isinstance(ds.source, str) and ds.source


@pytest.mark.parametrize("name", NOT_MNIST)
def test_every_dataset_loads_with_documented_types(loaded, name):
    ds = loaded[name]
    assert ds.name == name
    _check_types_and_shapes(ds)
    assert ds.n_classes >= 2
    if name in GENERATED:
        assert ds.n_features == 2 and ds.n_classes == 2
        assert ds.x_train.shape[0] + ds.x_test.shape[0] == 400  # documented default n_samples


@pytest.mark.parametrize("name", sorted(SKLEARN_FIXED))
def test_sklearn_datasets_keep_every_row_and_label(name):
    """Train + test (unstandardised) is exactly scikit-learn's dataset, as a multiset of rows."""
    from sklearn import datasets

    loader, n, d, k = SKLEARN_FIXED[name]
    x, y = getattr(datasets, loader)(return_X_y=True)
    ds = data.load(name, standardize=False)
    assert ds.n_classes == k and ds.n_features == d
    n_test = math.ceil(0.25 * n)  # scikit-learn rounds the test size up
    assert ds.x_test.shape[0] == n_test and ds.x_train.shape[0] == n - n_test
    got = np.column_stack([np.concatenate([ds.x_train, ds.x_test]),
                           np.concatenate([ds.y_train, ds.y_test])]).astype(np.float64)
    want = np.column_stack([x.astype(np.float32).astype(np.float64), y])  # labels already 0..K-1
    assert np.array_equal(got[np.lexsort(got.T[::-1])], want[np.lexsort(want.T[::-1])])


@pytest.mark.parametrize("name", NOT_MNIST)
def test_standardisation_uses_training_statistics(loaded, name):
    ds = loaded[name]
    raw = data.load(name, standardize=False)
    x_tr = np.asarray(raw.x_train, np.float64)
    x_te = np.asarray(raw.x_test, np.float64)
    mean, std = x_tr.mean(0), x_tr.std(0)
    varying = std > 1e-6 * (1 + np.abs(mean))
    scale = np.where(varying, std, 1.0)
    # float32 raw values -> float64 statistics: agreement to float32 precision
    np.testing.assert_allclose(ds.x_train, (x_tr - mean) / scale, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ds.x_test, (x_te - mean) / scale, rtol=1e-5, atol=1e-5)
    z = np.asarray(ds.x_train, np.float64)
    np.testing.assert_allclose(z.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(z.std(0)[varying], 1.0, rtol=1e-4)
    # constant features are only centred: they read exactly 0 on the training set
    assert np.all(z[:, ~varying] == 0.0)
    # the test part is NOT re-standardised with its own statistics (mean not forced to 0)
    if name in ("digits", "breast_cancer"):
        assert np.max(np.abs(np.asarray(ds.x_test).mean(0))) > 1e-3


def test_digits_has_constant_training_features(loaded):
    # makes the 'only centred' branch above a real check: digits has all-zero pixels
    raw = np.asarray(data.load("digits", standardize=False).x_train)
    assert np.sum(raw.std(0) == 0) >= 1


@pytest.mark.parametrize("name", ["iris", "moons", "xor"])
def test_same_seed_same_arrays_different_seed_different_split(name):
    a, b, c = data.load(name, seed=3), data.load(name, seed=3), data.load(name, seed=4)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(np.asarray(getattr(a, field)), np.asarray(getattr(b, field)))
    assert a.x_train.shape == c.x_train.shape
    assert not np.array_equal(np.asarray(a.x_train), np.asarray(c.x_train))


def test_xor_labels_follow_the_xor_of_the_signs():
    ds = data.load("xor", noise=0.0, n_samples=60, standardize=False, seed=1)
    x = np.concatenate([ds.x_train, ds.x_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    assert x.shape == (60, 2)
    assert np.all(np.abs(x) == 1.0)  # noise 0: exactly the corners of the square
    np.testing.assert_array_equal(y, np.logical_xor(x[:, 0] > 0, x[:, 1] > 0).astype(np.int32))
    noisy = data.load("xor", n_samples=400, standardize=False, seed=1)
    xn = np.concatenate([noisy.x_train, noisy.x_test])
    yn = np.concatenate([noisy.y_train, noisy.y_test])
    np.testing.assert_array_equal(yn, np.logical_xor(xn[:, 0] > 0, xn[:, 1] > 0).astype(np.int32))
    assert not np.all(np.abs(xn) == 1.0)


@pytest.mark.parametrize("name", GENERATED)
def test_n_samples_and_test_fraction_are_respected(name):
    ds = data.load(name, n_samples=100, test_fraction=0.2)
    assert ds.x_train.shape[0] + ds.x_test.shape[0] == 100
    assert ds.x_test.shape[0] == 20


def test_max_train_keeps_the_first_rows():
    full = data.load("iris", standardize=False)
    few = data.load("iris", standardize=False, max_train=10)
    assert few.x_train.shape == (10, 4) and few.y_train.shape == (10,)
    np.testing.assert_array_equal(few.x_train, full.x_train[:10])
    np.testing.assert_array_equal(few.y_train, full.y_train[:10])
    np.testing.assert_array_equal(few.x_test, full.x_test)


@pytest.mark.parametrize("kwargs, match", [
    ({"name": "mnist"}, r"unknown dataset 'mnist'.*mnist1d"),
    ({"name": "iris", "test_fraction": 0.0}, r"test_fraction.*\(0, 1\)"),
    ({"name": "iris", "test_fraction": 1.0}, r"test_fraction.*\(0, 1\)"),
    ({"name": "iris", "test_fraction": -0.2}, r"test_fraction"),
    ({"name": "iris", "test_fraction": 1.5}, r"test_fraction"),
    ({"name": "moons", "n_samples": 0}, r"n_samples must be a positive integer"),
    ({"name": "moons", "n_samples": -5}, r"n_samples"),
    ({"name": "moons", "n_samples": 2.5}, r"n_samples"),
    ({"name": "iris", "max_train": 0}, r"max_train must be a positive integer"),
])
def test_bad_arguments_raise_helpful_value_errors(kwargs, match):
    kwargs = dict(kwargs)
    name = kwargs.pop("name")
    with pytest.raises(ValueError, match=match):
        data.load(name, **kwargs)


# --------------------------------------------------------------------------------------------
# MNIST-1D: generated locally, cached on disk


def test_mnist1d_shapes_and_classes(mnist1d_first_load):
    ds = mnist1d_first_load[0]
    _check_types_and_shapes(ds, n_features=40)
    assert ds.x_train.shape == (4000, 40) and ds.x_test.shape == (1000, 40)
    assert ds.n_classes == 10


def test_mnist1d_is_mnist1d_own_generator_output(mnist1d_first_load):
    ds, before, calls, _, _ = mnist1d_first_load
    assert before == []  # the session cache started empty, so the generator had to run
    assert len(calls) == 1
    args, raw = calls[0]
    assert args["seed"] == 0  # the loader's seed reaches the generator
    np.testing.assert_array_equal(ds.y_train, raw["y"].astype(np.int32))
    np.testing.assert_array_equal(ds.y_test, raw["y_test"].astype(np.int32))
    x = raw["x"].astype(np.float64)
    mean, std = x.mean(0), x.std(0)
    np.testing.assert_allclose(ds.x_train, (x - mean) / std, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ds.x_test, (raw["x_test"] - mean) / std, rtol=1e-5, atol=1e-5)


def test_mnist1d_second_load_comes_from_the_disk_cache(mnist1d_first_load, monkeypatch,
                                                       data_cache_dir):
    import mnist1d.data

    first, _, _, first_seconds, folder = mnist1d_first_load
    assert Path(os.environ["HARDTRAIN_CACHE_DIR"]) == Path(data_cache_dir)
    files = sorted(folder.glob("*.npz"))
    assert len(files) == 1 and files[0].parent == Path(data_cache_dir) / "mnist1d"
    assert not list(folder.glob("*.tmp*"))  # the temporary file was renamed, not left behind

    def boom(*args, **kwargs):
        raise AssertionError("make_dataset called although the arrays are cached")

    monkeypatch.setattr(mnist1d.data, "make_dataset", boom)
    t0 = time.perf_counter()
    second = data.load("mnist1d", seed=0)
    seconds = time.perf_counter() - t0
    assert seconds < 0.5 * first_seconds and seconds < 2.0
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(np.asarray(getattr(first, field)), np.asarray(getattr(second, field)))
    # a different seed is a different dataset: not served from this cache file
    with pytest.raises(AssertionError, match="make_dataset called"):
        data.load("mnist1d", seed=1)


def test_mnist1d_damaged_cache_file_is_regenerated(mnist1d_first_load, monkeypatch):
    import mnist1d.data

    first, _, calls, _, folder = mnist1d_first_load
    (path,) = sorted(folder.glob("*.npz"))
    good = path.read_bytes()
    raw = calls[0][1]
    regenerated = []

    def fake(args):  # stands in for the 3-s generator: hands back the real arrays
        regenerated.append(args.seed)
        return raw

    monkeypatch.setattr(mnist1d.data, "make_dataset", fake)
    try:
        path.write_bytes(b"not an npz file")
        ds = data.load("mnist1d", seed=0)
        assert regenerated == [0]
        np.testing.assert_array_equal(ds.x_train, first.x_train)
        with np.load(path) as f:  # rewritten with the arrays again
            np.testing.assert_array_equal(f["y"], raw["y"])
    finally:
        path.write_bytes(good)


# --------------------------------------------------------------------------------------------
# scikit-learn datasets: split once, then read from the disk cache (no scikit-learn in kernels)
# --------------------------------------------------------------------------------------------

def test_sklearn_split_is_cached_and_served_without_scikit_learn(monkeypatch, data_cache_dir):
    import sklearn.datasets
    from sklearn.model_selection import train_test_split

    first = data.load("iris", seed=3, test_fraction=0.3)
    files = sorted((Path(data_cache_dir) / "datasets").glob("iris-*.npz"))
    assert files and not list(files[0].parent.glob("*.tmp*"))

    def boom(*args, **kwargs):
        raise AssertionError("scikit-learn called although the split is cached")

    monkeypatch.setattr(sklearn.datasets, "load_iris", boom)
    second = data.load("iris", seed=3, test_fraction=0.3)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert np.array_equal(np.asarray(getattr(first, field)), np.asarray(getattr(second, field)))
    # the cached split is scikit-learn's own stratified split (labels compared: order and values)
    monkeypatch.undo()
    x, y = sklearn.datasets.load_iris(return_X_y=True)
    _, _, y_tr, y_te = train_test_split(x, y, test_size=0.3, random_state=3, stratify=y)
    assert np.array_equal(np.asarray(second.y_train), y_tr) and np.array_equal(np.asarray(second.y_test), y_te)
    # another split is another recipe: computed, not served from the file above
    monkeypatch.setattr(sklearn.datasets, "load_iris", boom)
    with pytest.raises(AssertionError, match="scikit-learn called"):
        data.load("iris", seed=3, test_fraction=0.2)


def test_release_memory_returns_freed_heap_pages_to_the_system():
    import ctypes.util

    import psutil

    from hardtrain.config import release_memory

    libc = ctypes.util.find_library("c")
    if not (libc and hasattr(ctypes.CDLL(libc), "malloc_trim")):
        assert release_memory() is False  # no glibc: a no-op that says so
        return
    proc = psutil.Process()
    # ~200 MB of 4 kB blocks on the C heap; keeping every 64th alive pins the heap's top, so the
    # allocator cannot shrink it by itself: only malloc_trim hands the free pages back.
    blocks = [bytearray(4000) for _ in range(50_000)]
    keep = blocks[::64]
    del blocks
    before = proc.memory_info().rss
    assert release_memory() is True
    after = proc.memory_info().rss
    assert before - after > 100 * 2**20, (before >> 20, after >> 20)
    del keep


def test_cached_loads_import_neither_mnist1d_nor_scikit_learn(mnist1d_first_load, data_cache_dir):
    """A kernel that loads cached data keeps ~100 MB (mnist1d pulls in matplotlib) + ~40 MB
    (scikit-learn) less: a fresh process must not import them once the files exist."""
    import subprocess
    import sys

    data.load("digits")  # make sure the split is cached
    code = ("import sys; from hardtrain import data; data.load('mnist1d', seed=0); data.load('digits'); "
            "print(sorted(m for m in ('mnist1d', 'sklearn', 'matplotlib') if m in sys.modules))")
    env = dict(os.environ, HARDTRAIN_CACHE_DIR=str(data_cache_dir))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120, check=True).stdout.strip().splitlines()[-1]
    assert out == "[]", out
