"""Aggregating per-example outcomes into metrics: pure functions over judged examples.

Each metric of the catalogue names the outcome it reads, which value is good, and its reducer:
``rate`` (a share with ``n``, ``successes`` and a 95% Wilson interval; undecided examples are
not counted in ``n`` but reported as ``undecided``), ``count`` (hits with a seeded bootstrap
interval) or ``worst_category`` (the lowest per-category rate, for the adversarial suite).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from securecli_eval.catalog import PER_EXAMPLE, MetricDef, describe
from securecli_eval.measure.stats import Z95, bootstrap_interval, wilson_interval
from securecli_eval.records import ExampleResult, MetricValue

__all__ = ["Z95", "aggregate", "count", "rate", "wilson_interval"]

UNCATEGORISED = "uncategorised"


def rate(name: str, outcomes: Iterable[bool | None], higher_is_better: bool = True) -> MetricValue:
    """A rate over the decided outcomes (True counts as a success), with its Wilson interval."""
    values = list(outcomes)
    decided = [v for v in values if v is not None]
    n, successes = len(decided), sum(1 for v in decided if v)
    low, high = wilson_interval(successes, n)
    return MetricValue(
        name=name,
        kind="rate",
        value=round(successes / n, 6) if n else None,
        n=n,
        successes=successes,
        undecided=len(values) - n,
        ci_low=round(low, 6),
        ci_high=round(high, 6),
        interval="wilson95",
        higher_is_better=higher_is_better,
    )


def count(name: str, outcomes: Sequence[bool | None], seed: int = 0) -> MetricValue:
    """How many outcomes are true (lower is better), with a seeded bootstrap interval over examples."""
    import numpy as np

    flags = np.array([1.0 if v else 0.0 for v in outcomes])
    hits = int(flags.sum())
    low, high = bootstrap_interval(len(flags), lambda idx: flags[idx].sum(axis=1), seed=seed)
    return MetricValue(
        name=name,
        kind="count",
        value=hits,
        n=len(outcomes),
        successes=hits,
        ci_low=round(low, 6),
        ci_high=round(high, 6),
        interval="bootstrap95",
        higher_is_better=False,
    )


def category_of(result: ExampleResult) -> str:
    return result.category or UNCATEGORISED


def _counted(definition: MetricDef, pool: Sequence[ExampleResult]) -> list[bool | None]:
    assert definition.outcome is not None
    return [
        definition.counted(r.outcomes.get(definition.outcome))
        for r in pool
        if definition.outcome in r.outcomes
    ]


def breakdown(definition: MetricDef, pool: Sequence[ExampleResult]) -> dict[str, int]:
    """How many of the examples a rate counts carry each reason (``definition.breakdown``), most first."""
    assert definition.breakdown is not None and definition.outcome is not None
    key, _, field = definition.breakdown.partition(".")
    reasons: Counter[str] = Counter()
    for result in pool:
        if definition.outcome in result.outcomes and definition.counted(result.outcomes[definition.outcome]):
            detail = result.details.get(key)
            reason = detail.get(field) if isinstance(detail, dict) else None
            reasons[str(reason) if reason else "unknown"] += 1
    return dict(sorted(reasons.items(), key=lambda item: (-item[1], item[0])))


def _per_category(definition: MetricDef, pool: Sequence[ExampleResult]) -> dict[str, MetricValue]:
    return {
        category: rate(category, _counted(definition, [r for r in pool if category_of(r) == category]))
        for category in sorted({category_of(r) for r in pool})
    }


def aggregate(
    results: Sequence[ExampleResult], seed: int = 0
) -> tuple[dict[str, MetricValue], dict[str, MetricValue]]:
    """Compute every metric that the results support; return (metrics, adversarial per-category rates)."""
    metrics: dict[str, MetricValue] = {}
    categories: dict[str, MetricValue] = {}
    for definition in PER_EXAMPLE.values():
        pool = [r for r in results if r.kind == definition.source]
        counted = _counted(definition, pool)
        if not counted:
            continue
        name = definition.name
        if definition.reducer == "count":
            value = count(name, counted, seed)
        elif definition.reducer == "worst_category":
            categories.update(_per_category(definition, pool))
            worst = min(categories.values(), key=lambda m: (m.value if m.value is not None else 2.0, m.name))
            value = worst.model_copy(update={"name": name, "note": f"worst category: {worst.name}"})
        else:
            value = rate(name, counted, definition.higher_is_better)
            if definition.breakdown:
                value = value.model_copy(update={"breakdown": breakdown(definition, pool)})
            if definition.by_category:
                value = value.model_copy(update={"by_category": _per_category(definition, pool)})
        metrics[name] = describe(value)
    return metrics, categories
