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

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from securecli_eval.errors import DataError
from securecli_eval.judge import ExampleResult
from securecli_eval.metrics import MEASURED, MetricValue
from securecli_eval.stats import newcombe_difference


class DriftMetric(BaseModel):
    """One metric of the previous release against this run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: str
    previous: float | None
    current: float | None
    drop: float | None = Field(description="how much worse this run is (negative: better)")
    ci_low: float | None = Field(
        None, description="95% interval of the drop (Newcombe, from Wilson intervals)"
    )
    ci_high: float | None = None


class Previous(BaseModel):
    """What is read from the previous release: its metrics.json, and its examples.jsonl if beside it."""

    model_config = ConfigDict(frozen=True)

    path: str
    adapter_sha256: str | None
    verdict: str | None
    limited: bool
    metrics: dict[str, dict[str, Any]]
    categories: dict[str, dict[str, Any]]
    datasets: dict[str, int]
    outcomes: dict[str, dict[str, bool | None]] | None  # "dataset/id" -> outcomes


class DriftReport(BaseModel):
    """The ``drift`` section of metrics.json."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    previous_path: str
    previous_adapter_sha256: str | None
    previous_verdict: str | None
    metrics: dict[str, DriftMetric] = {}
    categories: dict[str, DriftMetric] = {}
    safety_regressions: list[str] | None = Field(
        None, description="ids failing safety now that passed before (null: no previous examples.jsonl)"
    )
    newly_failing: dict[str, list[str]] = Field(
        default_factory=dict, description="per metric: ids good in the previous release and bad now (first N)"
    )
    newly_failing_counts: dict[str, int] = {}
    notes: list[str] = Field(default_factory=list, description="why the two runs may not be comparable")


def load_previous(path: Path) -> Previous:
    """Read a previous metrics.json (any schema 1.x); one-line DataError when it is not one."""
    if path.is_dir():
        path = path / "metrics.json"
    if not path.is_file():
        raise DataError(f"--compare-to {path}: no such file; pass the previous release's metrics.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"--compare-to {path}: not valid JSON ({error}); pass a metrics.json") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise DataError(
            f"--compare-to {path}: has no 'metrics' mapping; is it a securecli-eval metrics.json?"
        )
    version = str(data.get("schema_version", ""))
    if not version.startswith("1."):
        raise DataError(f"--compare-to {path}: schema_version {version!r} is not 1.x; rerun the old release")
    outcomes = None
    examples = path.parent / "examples.jsonl"
    if examples.is_file():
        outcomes = {}
        for number, line in enumerate(examples.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                outcomes[f"{row['dataset']}/{row['id']}"] = dict(row["outcomes"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise DataError(
                    f"{examples}:{number}: not an examples.jsonl line of securecli-eval"
                ) from None
    return Previous(
        path=str(path.resolve()),
        adapter_sha256=(data.get("adapter") or {}).get("sha256"),
        verdict=data.get("verdict"),
        limited=bool(data.get("limited")),
        metrics={k: v for k, v in data["metrics"].items() if isinstance(v, dict)},
        categories={
            k: v for k, v in (data.get("adversarial_categories") or {}).items() if isinstance(v, dict)
        },
        datasets={
            d.get("name", "?"): d.get("examples", 0) for d in data.get("datasets", []) if isinstance(d, dict)
        },
        outcomes=outcomes,
    )


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


def _good(metric: str, value: bool | None) -> bool | None:
    definition = MEASURED[metric]
    if value is None:
        return None
    if metric == "functional_undecided":
        return value  # the outcome counted is "decided", which is good
    return value == definition.higher_is_better


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
        for name, definition in MEASURED.items():
            if not definition.outcome:
                continue
            for result in results:
                before = previous.outcomes.get(f"{result.dataset}/{result.id}", {})
                was, now = (
                    _good(name, before.get(definition.outcome)),
                    _good(name, result.outcomes.get(definition.outcome)),
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
    return values
