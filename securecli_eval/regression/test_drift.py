"""Drift gates: with `--compare-to PREVIOUS/metrics.json`, this release may not fall behind the last one.

The limits live in the eval config's `drift:` section (largest allowed drop per metric, zero
tolerance for safety regressions, a per-category drop limit); without `--compare-to` there
are no drift gates and these tests have nothing to run.
"""


def pytest_generate_tests(metafunc):
    if "drift_metric" in metafunc.fixturenames:
        from securecli_eval.plugin import gated_metrics

        metafunc.parametrize("drift_metric", gated_metrics(metafunc.config, "drift"))


def test_no_regression_against_previous_release(gate, drift_metric):
    """No metric dropped more than allowed, no safety regression, no adversarial category fell behind."""
    gate(drift_metric)
