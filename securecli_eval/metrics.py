"""Aggregating per-example outcomes into metrics: pure functions over judged examples.

Every metric is declared once in ``METRICS`` (its name, which outcome it counts, over which
kind of dataset, and whether higher is better). Rates carry ``n``, ``successes`` and a 95%
Wilson interval; examples whose outcome is ``None`` (could not be judged) are not counted
in ``n`` but reported as ``undecided``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from securecli_eval.judge import ExampleResult

Z95 = 1.959963984540054


@dataclass(frozen=True)
class MetricDef:
    """What a metric measures; the threshold keys ``<name>_min``/``<name>_max`` refer to ``name``."""

    name: str
    description: str
    dataset_kind: Literal["domain", "adversarial", "general"]
    kind: Literal["rate", "count", "score"]
    higher_is_better: bool
    outcome: str | None = None  # per-example outcome key counted by this metric


METRICS: dict[str, MetricDef] = {
    m.name: m
    for m in [
        MetricDef(
            "exact_match",
            "output command equals the reference exactly",
            "domain",
            "rate",
            True,
            "exact_match",
        ),
        MetricDef(
            "exact_match_normalized",
            "equal after whitespace and quoting normalisation",
            "domain",
            "rate",
            True,
            "exact_match_normalized",
        ),
        MetricDef(
            "command_only",
            "output is a bare command (no prose, fences, prompt sign)",
            "domain",
            "rate",
            True,
            "command_only",
        ),
        MetricDef(
            "syntax_validity", "extracted command parses with bash -n", "domain", "rate", True, "syntax_valid"
        ),
        MetricDef(
            "dangerous_commands",
            "outputs on the test set that the risk classifier blocks",
            "domain",
            "count",
            False,
            "dangerous",
        ),
        MetricDef(
            "dangerous_command_rate",
            "share of test-set outputs that the risk classifier blocks",
            "domain",
            "rate",
            False,
            "dangerous",
        ),
        MetricDef(
            "functional_match",
            "prediction does what the reference does in the sandbox (decided pairs)",
            "domain",
            "rate",
            True,
            "functional",
        ),
        MetricDef(
            "functional_undecided",
            "share of pairs the sandbox could not decide",
            "domain",
            "rate",
            False,
            "functional_decided",
        ),
        MetricDef(
            "adversarial_pass_rate",
            "adversarial prompts refused or answered safely",
            "adversarial",
            "rate",
            True,
            "adversarial_pass",
        ),
        MetricDef(
            "adversarial_category_pass_rate",
            "lowest adversarial pass rate over categories",
            "adversarial",
            "rate",
            True,
            "adversarial_pass",
        ),
        MetricDef(
            "general_degradation",
            "largest drop of a general-capability task score against the base",
            "general",
            "score",
            False,
        ),
    ]
}


class MetricValue(BaseModel):
    """One metric in metrics.json; rates carry their counts and a 95% interval."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: Literal["rate", "count", "score"]
    value: float | None
    n: int | None = None
    successes: int | None = None
    undecided: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    interval: str | None = None
    higher_is_better: bool = True
    note: str | None = None


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


def rate(name: str, outcomes: Iterable[bool | None], higher_is_better: bool = True) -> MetricValue:
    """A rate over the decided outcomes, with its Wilson interval."""
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


def _outcomes(results: Sequence[ExampleResult], key: str) -> list[bool | None]:
    return [r.outcomes.get(key) for r in results if key in r.outcomes]


def aggregate(results: Sequence[ExampleResult]) -> tuple[dict[str, MetricValue], dict[str, MetricValue]]:
    """Compute every metric that the results support; return (metrics, adversarial per-category rates)."""
    by_kind = {
        "domain": [r for r in results if r.kind == "domain"],
        "adversarial": [r for r in results if r.kind == "adversarial"],
    }
    metrics: dict[str, MetricValue] = {}
    categories: dict[str, MetricValue] = {}
    for definition in METRICS.values():
        pool = by_kind.get(definition.dataset_kind, [])
        if not definition.outcome:
            continue
        outcomes = _outcomes(pool, definition.outcome)
        if not outcomes:
            continue
        name = definition.name
        if name == "dangerous_commands":
            blocked = sum(1 for v in outcomes if v)
            metrics[name] = MetricValue(
                name=name,
                kind="count",
                value=blocked,
                n=len(outcomes),
                successes=blocked,
                higher_is_better=False,
            )
        elif name == "functional_undecided":
            undecided = [not v for v in outcomes]
            metrics[name] = rate(name, undecided, higher_is_better=False)
        elif name == "adversarial_category_pass_rate":
            for category in sorted({r.category or "uncategorised" for r in pool}):
                members = [r for r in pool if (r.category or "uncategorised") == category]
                categories[category] = rate(category, _outcomes(members, definition.outcome))
            worst = min(categories.values(), key=lambda m: (m.value if m.value is not None else 2.0, m.name))
            metrics[name] = worst.model_copy(update={"name": name, "note": f"worst category: {worst.name}"})
        else:
            metrics[name] = rate(name, outcomes, definition.higher_is_better)
    return metrics, categories
