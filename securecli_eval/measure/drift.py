"""Regression against the last release: compare this run with a previous metrics.json.

``--compare-to PREVIOUS/metrics.json`` turns the ``drift:`` section into gates: the largest
allowed drop per metric (``<metric>_drop``, positive is worse; the 95% interval of the
difference is Newcombe's from both releases' Wilson intervals), zero tolerance for safety
regressions (adversarial prompts the last release passed and this one fails, test-set
outputs newly blocked by the risk classifier) and a per-category drop limit for the
adversarial categories. When the previous release's examples.jsonl sits beside its
metrics.json, the newly failing examples are listed by id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from securecli_eval.catalog import MEASURED, PER_EXAMPLE, describe
from securecli_eval.inputs.previous import Previous
from securecli_eval.measure.stats import newcombe_difference
from securecli_eval.records import DriftMetric, DriftReport, ExampleResult, MetricValue


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6) + 0.0  # no -0.0


def _drift(
    name: str, previous: Mapping[str, Any], current: MetricValue, higher_is_better: bool
) -> DriftMetric:
    before, now = previous.get("value"), current.value
    if before is None or now is None:
        return DriftMetric(metric=name, previous=before, current=now, drop=None)
    # drop = worse-direction difference: previous - current when higher is better
    first, second = (previous, current.model_dump()) if higher_is_better else (current.model_dump(), previous)
    drop = first["value"] - second["value"]
    low = high = None
    bounds = [first.get("ci_low"), first.get("ci_high"), second.get("ci_low"), second.get("ci_high")]
    if current.kind == "rate" and previous.get("kind", "rate") == "rate" and None not in bounds:
        low, high = newcombe_difference(
            (first["value"], first["ci_low"], first["ci_high"]),
            (second["value"], second["ci_low"], second["ci_high"]),
        )
    return DriftMetric(
        metric=name, previous=before, current=now, drop=_round(drop), ci_low=_round(low), ci_high=_round(high)
    )


def compare(
    previous: Previous,
    metrics: Mapping[str, MetricValue],
    categories: Mapping[str, MetricValue],
    results: Sequence[ExampleResult],
    current_datasets: Mapping[str, int],
    limited: bool,
    listed: int = 50,
) -> DriftReport:
    """This run against the previous release: per-metric drops, category drops, newly failing examples."""
    drifts = {
        name: _drift(name, previous.metrics[name], value, MEASURED[name].higher_is_better)
        for name, value in sorted(metrics.items())
        if name in MEASURED and name in previous.metrics
    }
    category_drifts = {
        name: _drift(name, previous.categories[name], value, True)
        for name, value in sorted(categories.items())
        if name in previous.categories
    }
    notes = []
    if previous.limited or limited:
        notes.append("a limited run (--limit) is involved: the two runs cover different examples")
    if dict(previous.datasets) != dict(current_datasets):
        notes.append(f"datasets differ: previous {dict(previous.datasets)}, now {dict(current_datasets)}")
    newly: dict[str, list[str]] = {}
    regressions: list[str] | None = None
    if previous.outcomes is None:
        notes.append("no examples.jsonl beside the previous metrics.json: example-level drift not computed")
    else:
        regressions = []
        for name, definition in PER_EXAMPLE.items():
            for result in results:
                before = previous.outcomes.get(f"{result.dataset}/{result.id}", {})
                was, now = (
                    definition.is_good(before.get(definition.outcome)),
                    definition.is_good(result.outcomes.get(definition.outcome)),
                )
                if was is True and now is False:
                    newly.setdefault(name, []).append(result.id)
        for result in results:
            before = previous.outcomes.get(f"{result.dataset}/{result.id}", {})
            unsafe_now = result.outcomes.get("adversarial_pass") is False and before.get("adversarial_pass")
            blocked_now = result.outcomes.get("dangerous") is True and before.get("dangerous") is False
            if unsafe_now or blocked_now:
                regressions.append(result.id)
    return DriftReport(
        previous_path=previous.path,
        previous_adapter_sha256=previous.adapter_sha256,
        previous_verdict=previous.verdict,
        metrics=drifts,
        categories=category_drifts,
        safety_regressions=regressions,
        newly_failing={k: v[:listed] for k, v in sorted(newly.items())},
        newly_failing_counts={k: len(v) for k, v in sorted(newly.items())},
        notes=notes,
    )


def drift_metrics(report: DriftReport) -> dict[str, MetricValue]:
    """``<metric>_drop``, ``safety_regressions`` and ``adversarial_category_drop`` for the drift gates."""
    values: dict[str, MetricValue] = {}
    for name, d in report.metrics.items():
        values[f"{name}_drop"] = MetricValue(
            name=f"{name}_drop",
            kind="delta",
            value=d.drop,
            ci_low=d.ci_low,
            ci_high=d.ci_high,
            interval="newcombe95" if d.ci_low is not None else None,
            higher_is_better=False,
            note=f"previous {d.previous} -> now {d.current}",
        )
    if report.safety_regressions is not None:
        shown = ", ".join(report.safety_regressions[:10])
        values["safety_regressions"] = MetricValue(
            name="safety_regressions",
            kind="count",
            value=len(report.safety_regressions),
            successes=len(report.safety_regressions),
            higher_is_better=False,
            note=f"newly failing: {shown}" if shown else None,
        )
    decided = [(d.drop, name, d) for name, d in report.categories.items() if d.drop is not None]
    if decided:
        drop, name, worst = max(decided, key=lambda item: (item[0], item[1]))
        values["adversarial_category_drop"] = MetricValue(
            name="adversarial_category_drop",
            kind="delta",
            value=drop,
            ci_low=worst.ci_low,
            ci_high=worst.ci_high,
            interval="newcombe95" if worst.ci_low is not None else None,
            higher_is_better=False,
            note=f"worst category: {name} ({worst.previous} -> {worst.current})",
        )
    return {name: describe(value) for name, value in values.items()}
