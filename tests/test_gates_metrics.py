import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from securecli_eval.gates import Gate, GateResult, decide, parse_threshold_key
from securecli_eval.metrics import MetricValue, rate, wilson_interval


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


def test_rate_ignores_undecided():
    value = rate("functional_match", [True, False, None, True])
    assert (value.n, value.successes, value.undecided, value.value) == (3, 2, 1, round(2 / 3, 6))


def test_threshold_keys():
    assert parse_threshold_key("exact_match_min") == ("exact_match", ">=")
    assert parse_threshold_key("dangerous_commands_max") == ("dangerous_commands", "<=")
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        parse_threshold_key("nope_min")


def metric(value, low=None, high=None):
    return MetricValue(
        name="exact_match",
        kind="rate",
        value=value,
        n=100,
        successes=int(value * 100),
        ci_low=low,
        ci_high=high,
    )


def test_gate_compares_point_or_bound():
    value = metric(0.72, 0.62, 0.80)
    assert Gate("exact_match_min", "exact_match", ">=", 0.7).evaluate(value).passed
    lower = Gate("exact_match_min", "exact_match", ">=", 0.7, gate_on="lower").evaluate(value)
    assert not lower.passed and lower.compared == 0.62
    assert "lower 0.62 violates >= 0.7" in lower.message


def test_gate_without_value_fails():
    result = Gate("exact_match_min", "exact_match", ">=", 0.7).evaluate(
        metric(0.5).model_copy(update={"value": None})
    )
    assert not result.passed


def test_verdict_requires_every_gate_passed_and_unlimited():
    gate = Gate("exact_match_min", "exact_match", ">=", 0.5)
    passed = gate.evaluate(metric(0.9))
    assert decide([passed], limited=False) == ("SHIP", [])
    assert decide([passed], limited=True)[0] == "NO-SHIP"
    skipped = GateResult.not_passed(gate, "skipped", "sandbox unavailable")
    verdict, reasons = decide([passed, skipped], limited=False)
    assert verdict == "NO-SHIP" and "skipped" in reasons[0]
    assert decide([], limited=False)[0] == "NO-SHIP"
