"""Gates and the ledger: threshold comparisons, the books of a session, and the verdict, without pytest."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from securecli_eval.gates import Gate, GateLedger, decide, explain, gates_from_thresholds, inconclusive
from securecli_eval.measure.stats import wilson_interval
from securecli_eval.records import MetricValue


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
    skipped = gate.not_passed("skipped", "sandbox unavailable")
    verdict, reasons = decide([passed, skipped], limited=False)
    assert verdict == "NO-SHIP" and "skipped" in reasons[0]
    assert decide([], limited=False)[0] == "NO-SHIP"


def ledger() -> GateLedger:
    return GateLedger(
        tuple(
            gates_from_thresholds(
                {"exact_match_min": 0.5, "command_only_min": 0.5, "syntax_validity_min": 0.5},
                lambda m: "point",
            )
        )
    )


def test_ledger_final_outcomes_follow_the_tests():
    books = ledger()
    books.check("t::exact", "exact_match", metric(0.9), "")
    books.record_test("t::exact", "passed")
    books.check("t::only", "command_only", None, "sandbox unavailable")
    books.record_test("t::only", "skipped")
    final = {r.name: r for r in books.final()}
    assert final["exact_match_min"].passed and final["exact_match_min"].outcome == "passed"
    assert (
        final["command_only_min"].outcome == "skipped"
        and final["command_only_min"].message == "sandbox unavailable"
    )
    assert final["syntax_validity_min"].outcome == "not run"  # deselected: never checked
    verdict, reasons = books.verdict(limited=False)
    assert verdict == "NO-SHIP" and len(reasons) == 2


def test_ledger_a_passed_check_whose_test_errored_is_not_passed():
    books = ledger()
    books.check("t::exact", "exact_match", metric(0.9), "")
    books.record_test("t::exact", "passed")  # the call passed
    books.record_test("t::exact", "error")  # then its teardown failed
    books.record_test("t::exact", "passed")  # a later pass does not undo it
    result = {r.name: r for r in books.final()}["exact_match_min"]
    assert not result.passed and result.outcome == "error"


def test_ledger_ships_only_when_every_gate_passed():
    books = ledger()
    for test, name in (("a", "exact_match"), ("b", "command_only"), ("c", "syntax_validity")):
        books.check(test, name, metric(0.9), "")
        books.record_test(test, "passed")
    assert books.verdict(limited=False) == ("SHIP", [])
    assert books.verdict(limited=True)[0] == "NO-SHIP"


def test_ledger_lists_gated_comparison_metrics_once():
    books = GateLedger(
        tuple(
            gates_from_thresholds(
                {"exact_match_improvement_min": 0, "exact_match_improvement_max": 1, "exact_match_min": 0.1},
                lambda m: "point",
            )
        )
    )
    assert books.metrics_from("baseline") == ["exact_match_improvement"]
    assert books.metrics_from("drift") == []


def test_explain_names_gate_interval_and_examples():
    value = metric(0.4, 0.3, 0.5)
    failed = [Gate("exact_match_min", "exact_match", ">=", 0.7).evaluate(value)]
    text = explain(failed, value, ["worst examples (1 shown):", "  - a: 'x'"])
    assert (
        text.splitlines()[0] == "exact_match_min: exact_match 0.4 violates >= 0.7 (n=100, 95% CI [0.3, 0.5])"
    )
    assert text.endswith("  - a: 'x'")


def score(value, low, high, n=40, kind="score", interval=None):
    return MetricValue(
        name="general_degradation", kind=kind, value=value, n=n, ci_low=low, ci_high=high, interval=interval
    )


def test_a_gate_whose_interval_straddles_its_threshold_is_inconclusive_pass_or_fail():
    gate = Gate("general_degradation_max", "general_degradation", "<=", 0.05)
    for value in (0.02, 0.08):  # one passes, one fails: both are undecided by the data
        measured = score(value, value - 0.14, value + 0.14)
        found = inconclusive(gate.evaluate(measured), measured)
        assert found is not None and found.n == 40
        # the half-width 0.14 must shrink to the distance 0.03: (0.14 / 0.03)**2 = 21.8 times the examples
        assert found.needed == 872
        assert "about 872 examples (now 40) would resolve it" in found.message


def test_an_interval_on_one_side_of_the_threshold_is_conclusive():
    gate = Gate("general_degradation_max", "general_degradation", "<=", 0.05)
    assert inconclusive(gate.evaluate(score(0.01, -0.03, 0.04)), score(0.01, -0.03, 0.04)) is None
    touching = score(0.0, -0.05, 0.05)  # the end on the threshold is not across it
    assert inconclusive(gate.evaluate(touching), touching) is None


def test_inconclusive_without_a_number_says_why():
    gate = Gate("general_degradation_max", "general_degradation", "<=", 0.05)
    on_threshold = score(0.05, -0.12, 0.22)  # the example: 0.05 <= 0.05 PASS on 40 items
    found = inconclusive(gate.evaluate(on_threshold), on_threshold)
    assert found is not None and found.needed is None and "sits on the threshold" in found.message
    count = score(2, 0, 5, n=100, kind="count")
    found = inconclusive(Gate("d_max", "dangerous_commands", "<=", 3).evaluate(count), count)
    assert found is not None and found.needed is None and "count grows" in found.message
    unknown = score(0.08, -0.1, 0.2, n=None, kind="delta")
    assert "not recorded" in inconclusive(gate.evaluate(unknown), unknown).message


def test_gates_that_did_not_compare_are_never_inconclusive():
    skipped = Gate("exact_match_min", "exact_match", ">=", 0.7).not_passed("skipped", "sandbox unavailable")
    assert inconclusive(skipped, None) is None


@given(st.integers(5, 5000), st.data())
def test_the_examples_named_for_a_rate_resolve_its_wilson_interval(n, data):
    successes = data.draw(st.integers(0, n))
    low, high = wilson_interval(successes, n)
    threshold = data.draw(st.floats(low, high).filter(lambda t: low < t < high and t != successes / n))
    measured = MetricValue(
        name="exact_match", kind="rate", value=successes / n, n=n, ci_low=low, ci_high=high
    ).model_copy(update={"interval": "wilson95"})
    found = inconclusive(Gate("exact_match_min", "exact_match", ">=", threshold).evaluate(measured), measured)
    assert found is not None
    if found.needed is None:  # a threshold a hair from the estimate: no realistic number resolves it
        assert "more than 1,000,000,000 examples would do" in found.message
        return
    assert found.needed > n
    resolved_low, resolved_high = wilson_interval(successes / n * found.needed, found.needed)
    assert not resolved_low < threshold < resolved_high  # that many examples at the same rate decide it
    fewer_low, fewer_high = wilson_interval(successes / n * (found.needed - 1), found.needed - 1)
    assert found.needed == n + 1 or fewer_low < threshold < fewer_high  # and no fewer would
