"""The paired comparison with the base model: same prompts, same judges, without the adapter.

An unpaired "base 41% vs adapter 57%" table hides which prompts changed. Both systems answer
the same examples, so each metric is compared per example: the delta's interval is a paired
bootstrap over examples (seeded), binary outcomes get an exact McNemar test on the discordant
pairs, and the examples the adapter broke (base good, adapter bad) are listed by id. Each
comparison is also a metric, ``<metric>_improvement`` (positive is better), so
``exact_match_improvement_min: 0`` is the gate "not worse than the base model".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from securecli_eval.catalog import PER_EXAMPLE, MetricDef, describe
from securecli_eval.measure.aggregate import category_of
from securecli_eval.measure.stats import (
    BOOTSTRAP_RESAMPLES,
    bootstrap_interval,
    mcnemar_exact,
    mean_of_decided,
)
from securecli_eval.records import ExampleResult, MetricValue, PairedMetric


def _values(definition: MetricDef, pool: Sequence[ExampleResult]) -> np.ndarray:
    """Per example: 1.0/0.0 for whether it counts towards the metric, NaN when undecided (as aggregate)."""
    assert definition.outcome is not None
    counted = [definition.counted(result.outcomes.get(definition.outcome)) for result in pool]
    return np.array([np.nan if value is None else float(value) for value in counted], dtype=float)


def _statistic(definition: MetricDef, values: np.ndarray, categories: np.ndarray):
    """A vectorised statistic over index rows matching how aggregate computes this metric."""
    if definition.reducer == "count":
        return lambda idx: np.nansum(values[idx], axis=1)
    if definition.reducer == "worst_category":
        names = sorted(set(categories.tolist()))

        def worst(idx: np.ndarray) -> np.ndarray:
            picked, cats = values[idx], categories[idx]
            rates = []
            for name in names:
                mask = (cats == name) & ~np.isnan(picked)
                with np.errstate(invalid="ignore", divide="ignore"):
                    rates.append(
                        np.where(mask.sum(axis=1) > 0, (picked * mask).sum(axis=1) / mask.sum(axis=1), np.nan)
                    )
            lowest = np.nan_to_num(np.vstack(rates), nan=np.inf).min(axis=0)
            return np.where(np.isinf(lowest), np.nan, lowest)

        return worst
    return lambda idx: mean_of_decided(values, idx)


def _round(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 6) + 0.0  # no -0.0


def compare(
    adapter_results: Sequence[ExampleResult],
    base_results: Sequence[ExampleResult],
    seed: int = 0,
    listed: int = 20,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict[str, PairedMetric]:
    """Every per-example metric of the run, paired by example; the two lists hold the same examples."""
    if [(r.dataset, r.id) for r in adapter_results] != [(r.dataset, r.id) for r in base_results]:
        raise ValueError("base and adapter results must cover the same examples in the same order")
    paired: dict[str, PairedMetric] = {}
    for definition in PER_EXAMPLE.values():
        keep = [
            i
            for i, r in enumerate(adapter_results)
            if r.kind == definition.source and definition.outcome in r.outcomes
        ]
        if not keep:
            continue
        pool_a = [adapter_results[i] for i in keep]
        pool_b = [base_results[i] for i in keep]
        a, b = _values(definition, pool_a), _values(definition, pool_b)
        categories = np.array([category_of(r) for r in pool_a])
        stat_a, stat_b = _statistic(definition, a, categories), _statistic(definition, b, categories)
        sign = 1.0 if definition.higher_is_better else -1.0

        def improvement(idx: np.ndarray, stat_a=stat_a, stat_b=stat_b, sign=sign) -> np.ndarray:
            return sign * (stat_a(idx) - stat_b(idx))

        whole = np.arange(len(keep))[None, :]
        value_a, value_b = float(stat_a(whole)[0]), float(stat_b(whole)[0])
        delta = value_a - value_b
        low, high = bootstrap_interval(len(keep), improvement, seed=seed, resamples=resamples)
        both = ~np.isnan(a) & ~np.isnan(b)
        good = 1.0 if definition.higher_is_better else 0.0
        broken = [pool_a[i].id for i in np.flatnonzero(both & (b == good) & (a != good))]
        fixed = int((both & (a == good) & (b != good)).sum())
        test = None
        if definition.reducer != "worst_category":  # a per-example test does not fit a worst-of statistic
            test = mcnemar_exact(
                int((both & (a == 1) & (b == 0)).sum()), int((both & (a == 0) & (b == 1)).sum())
            )
        paired[definition.name] = PairedMetric(
            metric=definition.name,
            higher_is_better=definition.higher_is_better,
            base=_round(value_b),
            adapter=_round(value_a),
            delta=_round(delta),
            improvement=_round(sign * delta),
            ci_low=_round(low),
            ci_high=_round(high),
            pairs=int(both.sum()),
            adapter_only=test.only_first if test else None,
            base_only=test.only_second if test else None,
            mcnemar_p=_round(test.p_value) if test else None,
            broken=len(broken),
            fixed=fixed,
            # the worst category counts the same outcome as adversarial_pass_rate: list the ids once
            broken_ids=[] if test is None else broken[:listed],
        )
    return paired


def improvement_metrics(paired: dict[str, PairedMetric]) -> dict[str, MetricValue]:
    """``<metric>_improvement`` values (what the improvement gates compare), from the comparison."""
    values = {}
    for name, p in paired.items():
        test = (
            f"; McNemar p={p.mcnemar_p:.3g} ({p.adapter_only} vs {p.base_only})"
            if p.mcnemar_p is not None
            else ""
        )
        values[f"{name}_improvement"] = MetricValue(
            name=f"{name}_improvement",
            kind="delta",
            value=p.improvement,
            n=p.pairs,
            ci_low=p.ci_low,
            ci_high=p.ci_high,
            interval="paired_bootstrap95",
            higher_is_better=True,
            note=f"base {p.base} -> adapter {p.adapter}; broken {p.broken}, fixed {p.fixed}{test}",
        )
    return {name: describe(value) for name, value in values.items()}
