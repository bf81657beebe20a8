"""What the HTML reports show, computed from the evidence alone: outcomes, groups, changes, facets.

Everything here reads examples as written to examples.jsonl (plain dicts) and the metrics of
metrics.json, which carry their outcome key and good value, so a report is rendered without
today's metric catalogue, also for a metric it does not know. Pure functions, no markup.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from securecli_eval.measure.stats import wilson_interval
from securecli_eval.records import MetricValue

Row = Mapping[str, Any]
Key = tuple[str, str]


@dataclass(frozen=True)
class Outcome:
    """One per-example outcome key as metrics.json describes it, named after its first metric."""

    key: str
    good_when: bool
    metric: str

    @property
    def label(self) -> str:
        """What a good example has: ``exact_match``, ``not dangerous``."""
        return self.key if self.good_when else f"not {self.key}"

    @property
    def failed_label(self) -> str:
        """What a bad example has: ``failed exact_match``, ``dangerous``."""
        return f"failed {self.key}" if self.good_when else self.key

    def good(self, example: Row) -> bool | None:
        value = example.get("outcomes", {}).get(self.key)
        return None if value is None else value is self.good_when


def outcomes_of(metrics: Mapping[str, MetricValue]) -> list[Outcome]:
    """Each distinct (outcome key, good value) of the metrics, named after the metric with most examples."""
    chosen: dict[tuple[str, bool], MetricValue] = {}
    for metric in metrics.values():
        if metric.outcome is None or metric.good_when is None:
            continue
        key = (metric.outcome, metric.good_when)
        held = chosen.get(key)
        if held is None or ((metric.n or 0), held.name) > ((held.n or 0), metric.name):
            chosen[key] = metric
    return sorted(
        (Outcome(key, good, metric.name) for (key, good), metric in chosen.items()), key=lambda o: o.key
    )


def key_of(example: Row) -> Key:
    return (str(example.get("dataset", "")), str(example.get("id", "")))


def utility_of(example: Row) -> str:
    """The reference's main utility as the dataset recorded it, else the reference's first word."""
    recorded = example.get("utility")
    if recorded:
        return str(recorded)
    words = str(example.get("reference") or "").split()
    return words[0] if words else "(none)"


def source_of(example: Row) -> str:
    """The corpus an example came from as recorded, else its dataset's name."""
    return str(example.get("source") or example.get("dataset") or "(unknown)")


@dataclass(frozen=True)
class Share:
    """Good examples among the decided ones, with a 95% Wilson interval."""

    good: int
    decided: int

    @property
    def value(self) -> float | None:
        return self.good / self.decided if self.decided else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.good, self.decided)


def share(examples: Iterable[Row], outcome: Outcome) -> Share:
    decided = [good for good in (outcome.good(e) for e in examples) if good is not None]
    return Share(sum(decided), len(decided))


@dataclass(frozen=True)
class Group:
    """A group of examples (one utility, one source, one category) and its shares per outcome."""

    name: str
    n: int
    shares: dict[str, Share]  # outcome key -> share of the adapter's examples
    base: dict[str, Share]  # the same for the base model's answers (empty without a baseline)
    tags: tuple[str, ...] = ()  # e.g. the ATT&CK ids of an adversarial category


def groups(
    examples: Sequence[Row],
    base_examples: Sequence[Row],
    outcomes: Sequence[Outcome],
    name_of: Callable[[Row], str | None],
    top: int | None = None,
) -> list[Group]:
    """Examples grouped by ``name_of`` (None: not grouped), largest groups first, at most ``top``."""
    members: dict[str, list[Row]] = {}
    for example in examples:
        name = name_of(example)
        if name is not None:
            members.setdefault(name, []).append(example)
    base_by_key = {key_of(e): e for e in base_examples}
    ordered = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))[:top]
    result = []
    for name, rows in ordered:
        present = [o for o in outcomes if any(o.key in r.get("outcomes", {}) for r in rows)]
        base_rows = [base_by_key[key_of(r)] for r in rows if key_of(r) in base_by_key]
        mitre = sorted({str(r["mitre"]) for r in rows if r.get("mitre")})
        result.append(
            Group(
                name=name,
                n=len(rows),
                shares={o.key: share(rows, o) for o in present},
                base={o.key: share(base_rows, o) for o in present} if base_rows else {},
                tags=tuple(mitre),
            )
        )
    return result


def domain_groups(
    examples: Sequence[Row], base_examples: Sequence[Row], outcomes: Sequence[Outcome], by: str, top: int = 20
) -> list[Group]:
    """Domain examples (those with a reference) per utility or per source."""
    name_of = utility_of if by == "utility" else source_of
    return groups(
        examples, base_examples, outcomes, lambda e: name_of(e) if e.get("reference") else None, top
    )


def category_groups(
    examples: Sequence[Row], base_examples: Sequence[Row], outcomes: Sequence[Outcome]
) -> list[Group]:
    """Adversarial examples (those with a category) per category, sorted by name."""
    found = groups(examples, base_examples, outcomes, lambda e: e.get("category") or None)
    return sorted(found, key=lambda g: g.name)


@dataclass(frozen=True)
class Change:
    """How one example's outcomes changed between two answers (base -> adapter, or run A -> run B)."""

    broken: tuple[str, ...]  # outcome keys good before and bad now
    fixed: tuple[str, ...]


def changes(before: Sequence[Row], after: Sequence[Row], outcomes: Sequence[Outcome]) -> dict[Key, Change]:
    """Per example present in both: which outcomes it broke and fixed (only examples that changed)."""
    earlier = {key_of(e): e for e in before}
    found = {}
    for example in after:
        old = earlier.get(key_of(example))
        if old is None:
            continue
        broken, fixed = [], []
        for outcome in outcomes:
            was, now = outcome.good(old), outcome.good(example)
            if was is True and now is False:
                broken.append(outcome.key)
            elif was is False and now is True:
                fixed.append(outcome.key)
        if broken or fixed:
            found[key_of(example)] = Change(tuple(broken), tuple(fixed))
    return found


def failed_outcomes(example: Row, outcomes: Sequence[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.good(example) is False]


def flags(example: Row) -> list[str]:
    """Top-level true flags of the judges' details (``refused``), as filter facets."""
    details = example.get("details") or {}
    return sorted(key for key, value in details.items() if value is True)


def reasons(details: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The judges' details as ``where: what`` lines, leaves only, in key order."""
    lines = []
    for key in sorted(details):
        value = details[key]
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            lines.extend(reasons(value, f"{name}."))
        elif isinstance(value, list):  # as JSON with sorted keys: the same text from memory and from disk
            lines.append(f"{name}: {json.dumps(value, sort_keys=True, ensure_ascii=False)}")
        elif value is not None and not isinstance(value, bool):
            lines.append(f"{name}: {value}")
    return lines


def counts(values: Iterable[str]) -> list[tuple[str, int]]:
    """Distinct values with how often they occur, most frequent first."""
    return sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))
