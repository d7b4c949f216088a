"""The price of accuracy: FLOPs, power-law fits, and energy/CO2 with explicit assumptions (lab 3).

What this module measures and fits, on the learner's own machine:

- :func:`flops`: floating-point operations of one call of a jitted function, from XLA's cost
  analysis (a dense (m, k) x (k, n) matmul counts 2mkn).
- :func:`fit_power_law`: y = c * x^k by least squares in log-log space.
- :class:`CostLadder`: a ladder of MNIST-1D MLPs, each bigger and trained on more data for more
  steps; FLOPs and wall time to reach a target test error, and the final test error per rung.
- :func:`compute_exponent` and :func:`halving_cost`: the fitted "compute per improvement"
  exponent beside the published ones (:data:`PUBLISHED_EXPONENTS`), and what halving the error
  would cost in FLOPs, time, energy, CO2 and money under visible :class:`Assumptions`.

References:
  N. C. Thompson, K. Greenewald, K. Lee, G. F. Manso, "The Computational Limits of Deep
  Learning", arXiv 2007.05558 (2020); and "Deep Learning's Diminishing Returns", IEEE Spectrum,
  2021.
  E. Strubell, A. Ganesh, A. McCallum, "Energy and Policy Considerations for Deep Learning in
  NLP", ACL 2019, arXiv 1906.02243.

This is a core module: it imports neither ipywidgets nor plotly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from typing import Callable, Iterator, Sequence

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["flops", "PowerLawFit", "fit_power_law", "Assumptions", "DEFAULT_ASSUMPTIONS",
           "energy_kwh", "co2_grams", "PUBLISHED_EXPONENTS", "compute_exponent", "CostEstimate",
           "halving_cost", "Rung", "RungResult", "CostLadder", "default_ladder"]


# --------------------------------------------------------------------------------------------
# FLOPs from XLA
# --------------------------------------------------------------------------------------------

def flops(fn: Callable, *args, **kwargs) -> float:
    """Floating-point operations of one call ``fn(*args, **kwargs)``, from XLA's cost analysis.

    The function is jitted and lowered for the host CPU for the given arguments (only their
    shapes and dtypes), and nothing is run; the count is the ``"flops"`` entry of
    ``Lowered.cost_analysis()``, i.e. of the program as written, before a backend's own rewrites
    (summed over the per-device entries when XLA returns a list). A matmul of shapes (m, k) x
    (k, n) counts 2mkn (one multiply and one add per term, also for k = 1 or m = n = 1);
    element-wise ops count one per element. The count is the same whichever device JAX computes
    on.

    Why so: on a GPU, XLA hands matmuls to cuBLAS; the cost analysis of the compiled program then
    reported -1 for a 2048^3 matmul and 6.4e8 instead of about 2.6e10 for a train step of a
    40-1024-1024-10 MLP on 4000 rows, and the GPU's ``Lowered.cost_analysis()`` returned None
    (H200, jax 0.11.2, benchmarks/train_step_flops.py). On the CPU, the compiled program's count
    rewrites degenerate products (k = 1 counted as mn).

    Args:
      fn: a JAX-traceable function.
      *args, **kwargs: example arguments (arrays or ``jax.ShapeDtypeStruct``); only their shapes
        and dtypes matter.
    Returns:
      The FLOP count, a float >= 0.
    Raises:
      ValueError: ``fn`` is not callable, or XLA reports no non-negative FLOP count.
    """
    if not callable(fn):
        raise ValueError(f"fn must be a callable, got {type(fn).__name__}")

    def shape_of(x):  # arrays on any device -> their shapes, so the program lowers for the CPU
        return jax.ShapeDtypeStruct(x.shape, x.dtype) if isinstance(x, jax.Array) else x

    args, kwargs = jax.tree.map(shape_of, (args, kwargs))
    try:
        host = jax.devices("cpu")[0]
    except RuntimeError:  # JAX_PLATFORMS excludes the CPU: count on the default backend
        host = None
    with jax.default_device(host) if host is not None else contextlib.nullcontext():
        cost = jax.jit(fn).lower(*args, **kwargs).cost_analysis()
    entries = cost if isinstance(cost, (list, tuple)) else [cost]
    values = [float(e["flops"]) for e in entries if e and "flops" in e]
    if not values or any(v < 0 for v in values):
        raise ValueError("XLA's cost analysis reported no FLOP count on this backend "
                         f"({jax.default_backend()}): got {entries!r:.200}")
    return float(sum(values))


# --------------------------------------------------------------------------------------------
# Power laws
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PowerLawFit:
    """A fitted power law y = coefficient * x ** exponent.

    Attributes:
      exponent: k, the slope in log-log space.
      coefficient: c > 0.
      r2: coefficient of determination of the straight-line fit of log y on log x (1 = perfect).
      n: number of points fitted.
      stderr: standard error of the exponent (NaN with 2 points).
    """

    exponent: float
    coefficient: float
    r2: float
    n: int
    stderr: float

    def __call__(self, x):
        """Evaluate c * x^k (x > 0; array or scalar)."""
        return self.coefficient * np.asarray(x, np.float64) ** self.exponent

    def inverse(self, y):
        """The x with c * x^k = y (y > 0)."""
        return (np.asarray(y, np.float64) / self.coefficient) ** (1.0 / self.exponent)


def fit_power_law(x, y) -> PowerLawFit:
    """Fit y = c * x^k by ordinary least squares of log y on log x.

    Args:
      x, y: positive finite numbers, arrays of the same shape (n,), n >= 2, with at least two
        distinct x.
    Returns:
      A :class:`PowerLawFit`. The fit minimises squared errors of *log* y, so it weighs relative
      (not absolute) errors, as one reads a log-log plot.
    Raises:
      ValueError: shapes differ, fewer than 2 points, a value <= 0, NaN or inf, or all x equal.
    """
    x = np.asarray(x, np.float64).ravel() if np.ndim(x) else np.asarray([x], np.float64)
    y = np.asarray(y, np.float64).ravel() if np.ndim(y) else np.asarray([y], np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError(f"a power-law fit needs at least 2 points, got {x.size}")
    for name, v in (("x", x), ("y", y)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be finite; got NaN or inf")
        if np.any(v <= 0):
            raise ValueError(f"{name} must be positive for a fit in log-log space; got "
                             f"min {v.min():g}")
    if np.ptp(np.log(x)) == 0:
        raise ValueError("all x are equal: the exponent is undefined")
    from scipy import stats

    res = stats.linregress(np.log(x), np.log(y))
    r2 = float(res.rvalue ** 2) if np.isfinite(res.rvalue) else 1.0
    return PowerLawFit(exponent=float(res.slope), coefficient=float(np.exp(res.intercept)),
                       r2=r2, n=int(x.size), stderr=float(res.stderr) if x.size > 2 else float("nan"))


#: Exponents alpha in "compute ~ (1/error)^alpha" (halving the error costs 2^alpha x compute).
PUBLISHED_EXPONENTS: dict[str, dict] = {
    "theory (overparameterised, lower bound)": {
        "alpha": 4.0,
        "source": ("Thompson, Greenewald, Lee, Manso, 'The Computational Limits of Deep Learning', "
                   "arXiv 2007.05558 (2020): data ~ k^2 and parameters ~ k^2 for an improvement k, so "
                   "compute >= k^4."),
    },
    "ImageNet, fitted trend": {
        "alpha": 9.0,
        "source": ("Thompson, Greenewald, Lee, Manso, 'Deep Learning's Diminishing Returns', IEEE "
                   "Spectrum (2021): halving the error needs about 2^9 = 512x the compute."),
    },
}


def compute_exponent(fit: PowerLawFit) -> float:
    """alpha with compute ~ (1/error)^alpha, from a fit of error = c * compute^k (alpha = -1/k).

    Args:
      fit: a :func:`fit_power_law` of test error (y) on compute (x).
    Returns:
      alpha; ``inf`` when the error does not fall with compute (k >= 0): no amount of compute
      along this trend halves the error.
    """
    k = fit.exponent
    return float("inf") if k >= 0 else -1.0 / k


def compute_exponent_interval(fit: PowerLawFit, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of alpha = -1/k, from the t interval of the fitted slope k.

    The slope's interval is ``k +- t * stderr`` with Student's t on n - 2 degrees of freedom
    (the ordinary least-squares interval of log error on log compute); alpha = -1/k maps it
    monotonically. Where the slope's interval reaches 0 or above (the error might not fall with
    compute), the upper end is ``inf``.

    Args:
      fit: a :func:`fit_power_law` with n >= 3 points (two points give no standard error).
      level: confidence level in (0, 1).
    Returns:
      ``(low, high)`` with low <= alpha <= high; ``(nan, nan)`` with fewer than 3 points.
    Raises:
      ValueError: level outside (0, 1).

    Examples:
      >>> f = fit_power_law([1e6, 1e7, 1e8, 1e9], [0.8, 0.7, 0.62, 0.55])
      >>> lo, hi = compute_exponent_interval(f)
      >>> lo < compute_exponent(f) < hi
      True
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    if fit.n < 3 or not np.isfinite(fit.stderr):
        return float("nan"), float("nan")
    from scipy import stats

    t = float(stats.t.ppf(0.5 + level / 2.0, fit.n - 2))
    k_lo, k_hi = fit.exponent - t * fit.stderr, fit.exponent + t * fit.stderr  # k_lo <= k_hi
    low = -1.0 / k_lo if k_lo < 0 else float("inf")
    high = -1.0 / k_hi if k_hi < 0 else float("inf")
    return min(low, high), max(low, high)


# --------------------------------------------------------------------------------------------
# Energy, CO2 and money, with their assumptions in plain view
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Assumptions:
    """The numbers that turn seconds into energy, CO2 and money. Change them: they are guesses.

    Attributes:
      watts: average electrical power of the machine while training, in W.
      pue: power usage effectiveness of the building (1.0 for a laptop at home; data centres
        report 1.1-1.6).
      grid_gco2_per_kwh: carbon intensity of the electricity, in gCO2(eq) per kWh.
      price_per_kwh: electricity price, in ``currency`` per kWh.
      currency: the currency's code.
      sources: one line per number saying where the default comes from.
    """

    watts: float = 65.0
    pue: float = 1.0
    grid_gco2_per_kwh: float = 475.0
    price_per_kwh: float = 0.17
    currency: str = "USD"
    sources: tuple[str, ...] = (
        "watts = 65: the thermal design power (TDP) of a typical desktop CPU (e.g. Intel Core i5 / "
        "AMD Ryzen 5 datasheets); a 2-core share of a server draws less, a GPU far more (NVIDIA H100 "
        "SXM: up to 700 W, NVIDIA datasheet). Measure it (RAPL, nvidia-smi, a plug meter) if you can.",
        "pue = 1.0: your own machine, no data-centre overhead; Strubell et al. (ACL 2019) used 1.58.",
        "grid = 475 gCO2/kWh: world average carbon intensity of electricity in 2018, IEA Global Energy "
        "& CO2 Status Report 2019; Strubell et al. used the US average, 0.954 lbs/kWh = 433 g/kWh "
        "(EPA 2018). A hydro or nuclear grid is below 50, a coal-heavy grid above 700.",
        "price = 0.17 USD/kWh: about the 2024 US average residential electricity price (US EIA, "
        "Electric Power Monthly).",
    )

    def __post_init__(self):
        for name, lo in (("watts", 0.0), ("pue", 1.0), ("grid_gco2_per_kwh", 0.0), ("price_per_kwh", 0.0)):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= lo):
                raise ValueError(f"{name} must be a finite number >= {lo:g}, got {v!r}")

    def replace(self, **changes) -> "Assumptions":
        """A copy with some numbers changed (validated)."""
        return dataclasses.replace(self, **changes)


#: The defaults, with their sources in ``DEFAULT_ASSUMPTIONS.sources``.
DEFAULT_ASSUMPTIONS = Assumptions()


def energy_kwh(seconds: float, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> float:
    """Energy of a run: seconds x watts x PUE, in kWh (1 kWh = 3.6e6 J).

    Raises:
      ValueError: negative or non-finite ``seconds``.
    """
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    return seconds * assumptions.watts * assumptions.pue / 3.6e6


def co2_grams(kwh: float, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> float:
    """CO2(eq) of an energy use: kWh x grid intensity, in grams (Strubell et al., ACL 2019).

    Raises:
      ValueError: negative or non-finite ``kwh``.
    """
    if not (math.isfinite(kwh) and kwh >= 0):
        raise ValueError(f"kwh must be a finite number >= 0, got {kwh!r}")
    return kwh * assumptions.grid_gco2_per_kwh


@dataclasses.dataclass(frozen=True)
class CostEstimate:
    """What reaching a target error would cost, extrapolated along a fitted power law.

    Attributes:
      target_error: the error asked for.
      flops: FLOPs needed (from the fit). factor: ratio to the FLOPs of the reference point.
      seconds: flops / the measured FLOP rate. kwh, gco2, money: from :class:`Assumptions`.
      assumptions: the assumptions used.
    """

    target_error: float
    flops: float
    factor: float
    seconds: float
    kwh: float
    gco2: float
    money: float
    assumptions: Assumptions


def halving_cost(fit: PowerLawFit, current_error: float, flops_per_second: float,
                 assumptions: Assumptions = DEFAULT_ASSUMPTIONS, *, factor: float = 2.0) -> CostEstimate:
    """"What would dividing my error by ``factor`` cost?", extrapolated along a fitted power law.

    With error = c * compute^k (k < 0), reaching error e needs compute (e / c)^(1/k); dividing
    the error by f multiplies compute by f^(-1/k) = f^alpha (:func:`compute_exponent`). Time is
    compute / ``flops_per_second`` (a rate measured on this machine); energy, CO2 and money
    follow from ``assumptions``. An extrapolation, not a promise: real curves flatten at the
    data's irreducible error (label noise, Bayes error).

    Args:
      fit: :func:`fit_power_law` of test error on FLOPs.
      current_error: the error now, in (0, 1].
      flops_per_second: achieved rate, > 0.
      assumptions: watts, PUE, grid intensity, price.
      factor: divide the error by this, > 1 (2 = halving).
    Returns:
      A :class:`CostEstimate` (``inf`` everywhere when the error does not fall with compute).
    Raises:
      ValueError: an argument outside its range.
    """
    if not (0 < current_error <= 1):
        raise ValueError(f"current_error must lie in (0, 1], got {current_error!r}")
    if not (flops_per_second > 0 and math.isfinite(flops_per_second)):
        raise ValueError(f"flops_per_second must be a finite number > 0, got {flops_per_second!r}")
    if not (factor > 1 and math.isfinite(factor)):
        raise ValueError(f"factor must be a finite number > 1, got {factor!r}")
    target = current_error / factor
    alpha = compute_exponent(fit)
    if not math.isfinite(alpha):
        inf = float("inf")
        return CostEstimate(target, inf, inf, inf, inf, inf, inf, assumptions)
    now = float(fit.inverse(current_error))
    mult = factor ** alpha
    need = now * mult
    seconds = need / flops_per_second
    kwh = energy_kwh(seconds, assumptions) if math.isfinite(seconds) else float("inf")
    return CostEstimate(target, need, mult, seconds, kwh, co2_grams(kwh, assumptions) if math.isfinite(kwh)
                        else float("inf"), kwh * assumptions.price_per_kwh, assumptions)


# --------------------------------------------------------------------------------------------
# A measured ladder of training runs
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Rung:
    """One rung of the ladder: an MLP with one hidden layer of ``width`` ReLU units, trained
    full-batch with Adam for ``steps`` steps on the first ``n_train`` MNIST-1D examples."""

    width: int
    n_train: int
    steps: int


@dataclasses.dataclass(frozen=True)
class RungResult:
    """Measured cost of one rung.

    Attributes:
      rung: the :class:`Rung`. params: number of parameters.
      flops_per_step: FLOPs of one training step (from :func:`flops`).
      flops: total FLOPs of the run. seconds: wall time of the training (compile excluded).
      test_error: final test error (fraction misclassified). train_error: final train error.
      errors: test error after each chunk; chunk_steps: steps per chunk.
      flops_to_target, seconds_to_target: first chunk at or below the target error (NaN when
        never reached).
    """

    rung: Rung
    params: int
    flops_per_step: float
    flops: float
    seconds: float
    test_error: float
    train_error: float
    errors: tuple[float, ...]
    chunk_steps: int
    flops_to_target: float
    seconds_to_target: float


def default_ladder(fast: bool = False) -> tuple[Rung, ...]:
    """The ladder used by lab 3: width, data and steps grow together at every rung.

    Width (hidden units) and training examples double per rung; steps grow 1.33 to 1.5 times
    (150, 200, 300, 450, 600).

    Args:
      fast: a short ladder for tests and the fast (CI) mode.
    Returns:
      A tuple of :class:`Rung`.
    """
    if fast:
        return (Rung(8, 250, 100), Rung(16, 500, 150), Rung(32, 1000, 200))
    return (Rung(8, 250, 150), Rung(16, 500, 200), Rung(32, 1000, 300), Rung(64, 2000, 450),
            Rung(128, 4000, 600))


class CostLadder:
    """Train a ladder of MNIST-1D MLPs and measure FLOPs and wall time to each error level.

    Each rung trains an MLP (40 -> width ReLU -> 10) full-batch with Adam (learning rate 1e-2,
    Kingma & Ba, arXiv 1412.6980) in chunks of ``chunk`` steps compiled once per shape; the test
    error is read after every chunk. FLOPs come from XLA's cost analysis of one step
    (:func:`flops`), the time from the wall clock around the chunks (the first chunk's compile is
    excluded: it is run once before timing). Data: Greydanus & Kobak, "Scaling Down Deep Learning
    with MNIST-1D", ICML 2024, arXiv 2011.14439.

    Use ``for fraction, message in ladder.steps(): ...`` (one rung per item; a progress bar can
    follow and a Stop button can break the loop), or ``ladder.run()``; the results accumulate in
    ``ladder.results``.

    Args:
      dataset: a :class:`hardtrain.data.Dataset` (MNIST-1D in the lab).
      rungs: the :class:`Rung` sequence (default :func:`default_ladder`).
      target_error: test error whose first crossing is timed, in (0, 1).
      seed: seed of the initial weights.
      chunks: number of evaluation points per rung, >= 1.
    Raises:
      ValueError: an empty ladder, a rung with more examples than the dataset has, a
        non-positive size, a target outside (0, 1).
    """

    def __init__(self, dataset, rungs: Sequence[Rung] | None = None, *, target_error: float = 0.6,
                 seed: int = 0, chunks: int = 5):
        rungs = tuple(default_ladder() if rungs is None else rungs)
        if not rungs:
            raise ValueError("the ladder needs at least one rung")
        n_max = int(dataset.x_train.shape[0])
        for r in rungs:
            if min(r.width, r.n_train, r.steps) < 1:
                raise ValueError(f"rung sizes must be >= 1, got {r}")
            if r.n_train > n_max:
                raise ValueError(f"rung {r} asks for {r.n_train} training examples; the dataset has {n_max}")
        if not 0 < target_error < 1:
            raise ValueError(f"target_error must lie in (0, 1), got {target_error!r}")
        if int(chunks) != chunks or chunks < 1:
            raise ValueError(f"chunks must be a positive integer, got {chunks!r}")
        self.dataset, self.rungs, self.target_error = dataset, rungs, float(target_error)
        self.seed, self.chunks = int(seed), int(chunks)
        self.results: list[RungResult] = []

    def steps(self) -> Iterator[tuple[float, str]]:
        """Run the rungs one by one; yield (fraction done, message) after each."""
        self.results = []
        total = sum(r.width * r.n_train * r.steps for r in self.rungs)
        done = 0
        for i, rung in enumerate(self.rungs):
            self.results.append(self._run_rung(rung))
            done += rung.width * rung.n_train * rung.steps
            r = self.results[-1]
            yield done / total, (f"rung {i + 1}/{len(self.rungs)}: width {rung.width}, {rung.n_train} examples, "
                                 f"{rung.steps} steps: test error {r.test_error:.3f} in {r.seconds:.1f} s")

    def run(self) -> list[RungResult]:
        """Run every rung; return :attr:`results`."""
        for _ in self.steps():
            pass
        return self.results

    def _run_rung(self, rung: Rung) -> RungResult:
        from . import models

        ds = self.dataset
        x, y = ds.x_train[:rung.n_train], ds.y_train[:rung.n_train]
        apply_fn, params = models.build(models.MLP, ds.n_features, (rung.width,), ds.n_classes,
                                        activation="relu", seed=self.seed)
        chunk = max(1, rung.steps // self.chunks)
        n_chunks = math.ceil(rung.steps / chunk)
        step, run_chunk, error, tx = _ladder_programs(apply_fn, chunk)
        opt_state = jax.jit(tx.init)(params)
        fps = flops(step, params, opt_state, x, y)
        # Warm-up: compile the chunk on a copy, outside the timed region.
        jax.block_until_ready(run_chunk(params, opt_state, x, y))
        errors, elapsed, hit = [], 0.0, None
        for c in range(n_chunks):
            t0 = time.perf_counter()
            params, opt_state = jax.block_until_ready(run_chunk(params, opt_state, x, y))
            elapsed += time.perf_counter() - t0
            err = float(error(params, ds.x_test, ds.y_test))
            errors.append(err)
            if hit is None and err <= self.target_error:
                hit = ((c + 1) * chunk * fps, elapsed)
        total_steps = n_chunks * chunk
        return RungResult(
            rung=rung, params=int(sum(np.size(p) for p in jax.tree.leaves(params))),
            flops_per_step=fps, flops=total_steps * fps, seconds=elapsed, test_error=errors[-1],
            train_error=float(error(params, x, y)), errors=tuple(errors), chunk_steps=chunk,
            flops_to_target=hit[0] if hit else float("nan"),
            seconds_to_target=hit[1] if hit else float("nan"))


_LADDER_CACHE: dict = {}


def _ladder_programs(apply_fn, chunk: int):
    """(step, jitted chunk of steps, jitted error, optimiser) for one architecture, built once."""
    key = (apply_fn, chunk)
    if key in _LADDER_CACHE:
        return _LADDER_CACHE[key]
    import optax

    tx = optax.adam(1e-2)

    def loss(params, x, y):
        return optax.softmax_cross_entropy_with_integer_labels(apply_fn(params, x), y).mean()

    def step(params, opt_state, x, y):
        grads = jax.grad(loss)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    @jax.jit
    def run_chunk(params, opt_state, x, y):
        def body(carry, _):
            return step(*carry, x, y), None

        return jax.lax.scan(body, (params, opt_state), None, length=chunk)[0]

    @jax.jit
    def error(params, x, y):
        return jnp.mean(jnp.argmax(apply_fn(params, x), -1) != y)

    _LADDER_CACHE[key] = (step, run_chunk, error, tx)
    return _LADDER_CACHE[key]
