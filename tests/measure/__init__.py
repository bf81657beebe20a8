"""Tests of the measure stage: they work on hand-made judged examples, never on a model."""

from __future__ import annotations

from securecli_eval.records import ExampleResult


def judged_example(index: int, kind: str, outcomes: dict, category: str | None = None) -> ExampleResult:
    """A judged example with only what measuring reads: identity, kind, category and outcomes."""
    return ExampleResult(
        id=f"{kind}-{index}",
        dataset=kind,
        kind=kind,
        category=category,
        instruction="do it",
        reference="ls" if kind == "domain" else None,
        output="ls",
        command="ls",
        outcomes=outcomes,
    )
