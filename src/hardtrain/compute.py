"""The price of accuracy: FLOPs, power-law fits, and energy/CO2 with explicit assumptions (lab 3).

What this module measures and fits, on the learner's own machine:

- :func:`flops`: floating-point operations of one call of a jitted function, from XLA's cost
  analysis (a dense (m, k) x (k, n) matmul counts 2mkn).
- :func:`fit_power_law`: y = c * x^k by least squares in log-log space.
- :func:`compute_exponent`, :func:`compute_exponent_interval` and :func:`halving_cost`: the
  fitted "compute per improvement" exponent beside the published ones
  (:data:`PUBLISHED_EXPONENTS`), and what halving the error would cost in FLOPs, time, energy,
  CO2 and money under visible :class:`Assumptions`.

The measured ladder of training runs these numbers are fitted to is an experiment:
:mod:`hardtrain.experiments.price_of_accuracy` (``CostLadder``).

References:
  N. C. Thompson, K. Greenewald, K. Lee, G. F. Manso, "The Computational Limits of Deep
  Learning", arXiv 2007.05558 (2020); and "Deep Learning's Diminishing Returns", IEEE Spectrum,
  2021.
  E. Strubell, A. Ganesh, A. McCallum, "Energy and Policy Considerations for Deep Learning in
  NLP", ACL 2019, arXiv 1906.02243.

This is a core module: it imports neither ipywidgets nor plotly.

Examples:
    >>> fit = fit_power_law([1e6, 1e8], [0.4, 0.2])  # error halves over two decades of compute
    >>> round(fit.exponent, 3), round(compute_exponent(fit), 1)
    (-0.151, 6.6)
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Callable

import jax
import numpy as np

__all__ = ["flops", "PowerLawFit", "fit_power_law", "Assumptions", "DEFAULT_ASSUMPTIONS",
           "energy_kwh", "co2_grams", "PUBLISHED_EXPONENTS", "compute_exponent",
           "compute_exponent_interval", "CostEstimate", "halving_cost"]


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

    Why so: on a GPU, XLA hands matmuls to cuBLAS, and the cost analysis of the compiled program
    then under-reports them (or reports -1), while the GPU's ``Lowered.cost_analysis()`` may
    return None (see ``benchmarks/train_step_flops.py``). On the CPU, the compiled program's
    count rewrites degenerate products (k = 1 counted as mn).

    Args:
      fn: a JAX-traceable function.
      *args: example positional arguments (arrays or ``jax.ShapeDtypeStruct``); only their
        shapes and dtypes matter.
      **kwargs: example keyword arguments, likewise.

    Returns:
      The FLOP count, a float >= 0.

    Raises:
      ValueError: ``fn`` is not callable, or XLA reports no non-negative FLOP count.

    Examples:
      A (2, 3) x (3, 4) matmul is 2 * 2 * 3 * 4 = 48 FLOPs; ``2 a + 1`` on 10 numbers is 20:

      >>> import jax, jax.numpy as jnp
      >>> flops(lambda a, b: a @ b, jnp.ones((2, 3)), jnp.ones((3, 4)))
      48.0
      >>> flops(lambda a: 2 * a + 1, jax.ShapeDtypeStruct((10,), jnp.float32))
      20.0
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
      x: positive finite numbers, an array of shape (n,), n >= 2, with at least two distinct
        values.
      y: positive finite numbers, an array of the same shape.

    Returns:
      A :class:`PowerLawFit`. The fit minimises squared errors of *log* y, so it weighs relative
      (not absolute) errors, as one reads a log-log plot.

    Raises:
      ValueError: shapes differ, fewer than 2 points, a value <= 0, NaN or inf, or all x equal.

    Examples:
      Points on y = 2 x^1 are fitted exactly:

      >>> f = fit_power_law([1, 10, 100], [2.0, 20.0, 200.0])
      >>> round(f.exponent, 6), round(f.coefficient, 6), round(f.r2, 6), f.n
      (1.0, 2.0, 1.0, 3)
      >>> round(float(f(1000)), 3), round(float(f.inverse(20.0)), 3)
      (2000.0, 10.0)
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
    from scipy import stats  # lazy: scipy.stats is a heavy import that only the fits need

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

    References:
      Thompson, Greenewald, Lee, Manso, "The Computational Limits of Deep Learning", 2020,
      arXiv 2007.05558.

    Examples:
      Error falling 10x over 100x the compute is k = -1/2, so alpha = 2; a flat error gives inf:

      >>> round(compute_exponent(fit_power_law([1e6, 1e8], [0.2, 0.02])), 6)
      2.0
      >>> compute_exponent(fit_power_law([1, 10], [0.5, 0.5]))
      inf
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
    from scipy import stats  # lazy: scipy.stats is a heavy import that only the fits need

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

    Args:
      seconds: wall time of the run, in s, finite and >= 0.
      assumptions: the power (W) and PUE to use.

    Returns:
      The energy in kWh.

    Raises:
      ValueError: negative or non-finite ``seconds``.

    Examples:
      An hour at 1000 W is 1 kWh; at the default 65 W, 0.065 kWh:

      >>> energy_kwh(3600.0, Assumptions(watts=1000.0)), energy_kwh(3600.0)
      (1.0, 0.065)
    """
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    return seconds * assumptions.watts * assumptions.pue / 3.6e6


def co2_grams(kwh: float, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> float:
    """CO2(eq) of an energy use: kWh x grid intensity, in grams.

    Args:
      kwh: energy in kWh, finite and >= 0.
      assumptions: the grid's carbon intensity (gCO2 per kWh) to use.

    Returns:
      The emissions in grams of CO2 equivalent.

    Raises:
      ValueError: negative or non-finite ``kwh``.

    References:
      Strubell, Ganesh, McCallum, "Energy and Policy Considerations for Deep Learning in NLP",
      ACL 2019, arXiv 1906.02243.

    Examples:
      >>> co2_grams(1.0), co2_grams(2.0, Assumptions(grid_gco2_per_kwh=50.0))
      (475.0, 100.0)
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

    References:
      Thompson, Greenewald, Lee, Manso, "The Computational Limits of Deep Learning", 2020,
      arXiv 2007.05558.

    Examples:
      With alpha = 2, halving an error of 0.02 (reached at 1e8 FLOPs) needs 2^2 = 4x the
      compute: 4e8 FLOPs, 4 s at 1e8 FLOP/s:

      >>> e = halving_cost(fit_power_law([1e6, 1e8], [0.2, 0.02]), 0.02, 1e8)
      >>> e.target_error, round(e.factor, 6), round(e.flops / 1e8, 6), round(e.seconds, 6)
      (0.01, 4.0, 4.0, 4.0)
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
