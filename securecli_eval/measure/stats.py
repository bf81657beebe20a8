"""Uncertainty for gates: Wilson intervals, a seeded bootstrap and the exact McNemar test.

A threshold compared with a single-run point estimate flips with noise; every number a gate
reads therefore carries an interval. Rates use the Wilson score interval (good coverage at
small n and near 0 or 1); anything else (a delta of paired outcomes, a largest drop) uses a
percentile bootstrap over examples with a fixed seed, so two runs print the same interval.
Paired binary outcomes (base vs adapter on the same prompt) are tested with the exact
McNemar test on the discordant pairs. numpy only (scipy is a test-time reference).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054
BOOTSTRAP_RESAMPLES = 2000


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within [0, n], got {successes} of {n}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # clamp: rounding can put a bound a hair past the estimate at p = 0 or 1
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def bootstrap_interval(
    n: int,
    statistic: Callable[[np.ndarray], np.ndarray],
    seed: int = 0,
    resamples: int = BOOTSTRAP_RESAMPLES,
    confidence: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of a statistic over ``n`` examples resampled with replacement.

    ``statistic`` is vectorised: it receives an integer array of shape ``(k, n)`` whose rows
    are resampled example indices and returns ``k`` values (NaN where undefined, e.g. a rate
    over a resample with no decided example; those resamples are ignored). The generator is
    seeded, so the interval is a pure function of the inputs; it is widened to contain the
    statistic of the full sample, which a percentile interval of a skewed statistic can miss.
    """
    if n < 1:
        raise ValueError("bootstrap over an empty sample")
    if resamples < 1 or not 0 < confidence < 1:
        raise ValueError("resamples must be >= 1 and confidence within (0, 1)")
    point = float(np.asarray(statistic(np.arange(n)[None, :]), dtype=float)[0])
    rng = np.random.Generator(np.random.PCG64(seed))
    values = np.asarray(statistic(rng.integers(0, n, size=(resamples, n))), dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0 or np.isnan(point):
        return (point, point) if not np.isnan(point) else (0.0, 0.0)
    tail = (1 - confidence) / 2
    low, high = np.quantile(values, [tail, 1 - tail], method="inverted_cdf")
    return min(float(low), point), max(float(high), point)


def mean_of_decided(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Per row of ``idx``: the mean of ``values[idx]`` ignoring NaN (undecided); NaN if none decided."""
    picked = values[idx]
    decided = (~np.isnan(picked)).sum(axis=1)
    total = np.nansum(picked, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(decided > 0, total / np.maximum(decided, 1), np.nan)


def newcombe_difference(
    first: tuple[float, float, float], second: tuple[float, float, float]
) -> tuple[float, float]:
    """95% interval of ``p1 - p2`` for independent rates from their Wilson intervals (Newcombe, method 10).

    Each argument is ``(estimate, low, high)``. Used for drift, where the previous release is
    known only through its metrics.json.
    """
    (p1, l1, u1), (p2, l2, u2) = first, second
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def _binomial_cdf_half(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so large n does not overflow."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    log_half_n = -n * math.log(2)
    terms = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + log_half_n for i in range(k + 1)
    ]
    top = max(terms)
    return math.exp(top) * sum(math.exp(t - top) for t in terms)


@dataclass(frozen=True)
class McNemar:
    """Exact McNemar test of paired binary outcomes.

    ``only_first`` counts pairs where only the first system succeeded (e.g. adapter right,
    base wrong), ``only_second`` the opposite; ``p_value`` is the two-sided exact binomial
    p-value of the discordant pairs under "both systems are equally good".
    """

    only_first: int
    only_second: int
    p_value: float

    @property
    def discordant(self) -> int:
        return self.only_first + self.only_second


def mcnemar_exact(only_first: int, only_second: int) -> McNemar:
    """Two-sided exact McNemar test on the two discordant counts (1.0 when there are none)."""
    if only_first < 0 or only_second < 0:
        raise ValueError("discordant counts must be non-negative")
    n = only_first + only_second
    if n == 0:
        return McNemar(only_first, only_second, 1.0)
    p = min(1.0, 2 * _binomial_cdf_half(min(only_first, only_second), n))
    return McNemar(only_first, only_second, p)


def paired_counts(first: Sequence[bool | None], second: Sequence[bool | None]) -> tuple[int, int, int]:
    """(pairs decided for both, only first succeeded, only second succeeded)."""
    if len(first) != len(second):
        raise ValueError("paired outcomes must have the same length")
    both = [(a, b) for a, b in zip(first, second, strict=True) if a is not None and b is not None]
    return len(both), sum(1 for a, b in both if a and not b), sum(1 for a, b in both if b and not a)
