"""The metric catalogue: threshold keys, and every metric's declared fields are consistent."""

from __future__ import annotations

import pytest

from securecli_eval.catalog import METRICS, PER_EXAMPLE, parse_threshold_key


def test_threshold_keys():
    assert parse_threshold_key("exact_match_min") == ("exact_match", ">=")
    assert parse_threshold_key("dangerous_commands_max") == ("dangerous_commands", "<=")
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        parse_threshold_key("nope_min")


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_metric_is_declared_completely(name):
    definition = METRICS[name]
    assert definition.description and definition.name == name
    if definition.derived_from is not None:
        assert definition.derived_from in PER_EXAMPLE and definition.failing_ids is not None
        assert definition.source in {"baseline", "drift"}
    if definition.outcome is not None:
        assert definition.reducer is not None and definition.source in {"domain", "adversarial"}
    if definition.reducer == "count":
        assert definition.kind == "count" and not definition.higher_is_better


@pytest.mark.parametrize("name", sorted(PER_EXAMPLE))
def test_counted_and_good_agree_with_polarity(name):
    definition = PER_EXAMPLE[name]
    for outcome in (True, False):
        counted, good = definition.counted(outcome), definition.is_good(outcome)
        assert counted == (good if definition.higher_is_better else not good)
    assert definition.counted(None) is None and definition.is_good(None) is None
