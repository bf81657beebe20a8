"""Interval and test functions against published values, scipy, and hypothesis properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securecli_eval.measure.stats import (
    bootstrap_interval,
    mcnemar_exact,
    mean_of_decided,
    newcombe_difference,
    paired_counts,
    wilson_interval,
)


def test_mcnemar_published_example():
    # 1 vs 9 discordant pairs: p = 2 * P(X <= 1 | n=10, 1/2) = 2 * 11 / 1024
    assert mcnemar_exact(1, 9).p_value == pytest.approx(22 / 1024, rel=1e-12)
    assert mcnemar_exact(0, 0).p_value == 1.0 and mcnemar_exact(5, 5).p_value == 1.0


@pytest.mark.parametrize(("b", "c"), [(0, 6), (3, 14), (40, 62), (250, 310), (7, 7)])
def test_mcnemar_matches_scipy(b, c):
    stats = pytest.importorskip("scipy.stats")
    assert mcnemar_exact(b, c).p_value == pytest.approx(stats.binomtest(b, b + c, 0.5).pvalue, rel=1e-9)


@given(st.integers(0, 400), st.integers(0, 400))
def test_mcnemar_is_a_symmetric_probability(b, c):
    p = mcnemar_exact(b, c).p_value
    assert 0.0 <= p <= 1.0 and p == pytest.approx(mcnemar_exact(c, b).p_value)
    assert mcnemar_exact(b, c).discordant == b + c


def test_newcombe_published_example():
    # Newcombe (1998) Statistics in Medicine 17:873, example (a): 56/70 - 48/80, method 10 -> 0.0524 to 0.3339
    first = (56 / 70, *wilson_interval(56, 70))
    second = (48 / 80, *wilson_interval(48, 80))
    low, high = newcombe_difference(first, second)
    assert low == pytest.approx(0.0524, abs=1e-4) and high == pytest.approx(0.3339, abs=1e-4)


def test_bootstrap_is_seeded_and_reproducible():
    values = np.array([1.0, 0, 1, 1, 0, np.nan, 1, 0, 1, 1] * 5)

    def stat(idx):
        return mean_of_decided(values, idx)

    assert bootstrap_interval(len(values), stat, seed=3) == bootstrap_interval(len(values), stat, seed=3)
    assert bootstrap_interval(len(values), stat, seed=3) != bootstrap_interval(len(values), stat, seed=4)


def test_bootstrap_of_a_rate_is_close_to_wilson():
    values = np.array([1.0] * 300 + [0.0] * 700)
    low, high = bootstrap_interval(len(values), lambda idx: mean_of_decided(values, idx), seed=0)
    wilson = wilson_interval(300, 1000)
    assert low == pytest.approx(wilson[0], abs=0.01) and high == pytest.approx(wilson[1], abs=0.01)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, math.nan]), min_size=1, max_size=60), st.integers(0, 2**31))
def test_bootstrap_contains_the_point_and_stays_in_unit_interval(raw, seed):
    values = np.array(raw)
    point = mean_of_decided(values, np.arange(len(values))[None, :])[0]
    low, high = bootstrap_interval(
        len(values), lambda idx: mean_of_decided(values, idx), seed=seed, resamples=200
    )
    if np.isnan(point):
        return
    assert 0.0 <= low <= point <= high <= 1.0


@settings(max_examples=25, deadline=None)
@given(st.floats(0.1, 0.9), st.integers(20, 200))
def test_bootstrap_narrows_with_n(p, n):
    def interval(size):
        values = np.array([1.0] * round(p * size) + [0.0] * (size - round(p * size)))
        return bootstrap_interval(size, lambda idx: mean_of_decided(values, idx), seed=1, resamples=400)

    small, large = interval(n), interval(n * 16)
    assert large[1] - large[0] < small[1] - small[0]


def test_paired_counts_ignore_undecided():
    assert paired_counts([True, True, False, None, False], [False, True, True, True, None]) == (3, 1, 1)
    with pytest.raises(ValueError):
        paired_counts([True], [])


def test_wilson_matches_published_values():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 -> 0.2553 to 0.3662
    low, high = wilson_interval(81, 263)
    assert math.isclose(low, 0.2553, abs_tol=1e-4) and math.isclose(high, 0.3662, abs_tol=1e-4)
    # 15/148 -> 0.0624 to 0.1605
    low, high = wilson_interval(15, 148)
    assert math.isclose(low, 0.0624, abs_tol=1e-4) and math.isclose(high, 0.1605, abs_tol=1e-4)


def test_wilson_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    result = stats.binomtest(37, 120).proportion_ci(confidence_level=0.95, method="wilson")
    low, high = wilson_interval(37, 120)
    assert math.isclose(low, result.low, rel_tol=1e-9) and math.isclose(high, result.high, rel_tol=1e-9)


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_point_estimate_and_is_bounded(pair):
    successes, n = pair
    low, high = wilson_interval(successes, n)
    assert 0.0 <= low <= successes / n <= high <= 1.0


@given(st.floats(0.05, 0.95), st.integers(10, 2000))
def test_wilson_narrows_with_n(p, n):
    narrow = wilson_interval(round(p * n * 4), n * 4)
    wide = wilson_interval(round(p * n), n)
    assert narrow[1] - narrow[0] < wide[1] - wide[0]
