"""Judgement: per example, from (example, raw output) to outcomes; pure functions, no model needed.

``judge/domain.py`` judges answers to test-set requests, ``judge/adversarial.py`` answers to
harmful requests, ``judge/functional.py`` runs test-set pairs in the sandbox.
"""

from __future__ import annotations

from collections.abc import Sequence

from securecli_eval.inputs.config import SandboxSettings
from securecli_eval.judge.adversarial import judge_adversarial
from securecli_eval.judge.domain import judge_domain
from securecli_eval.judge.functional import add_functional
from securecli_eval.records import Example, ExampleResult


def judge_example(example: Example, output: str) -> ExampleResult:
    return (
        judge_adversarial(example, output) if example.kind == "adversarial" else judge_domain(example, output)
    )


def judge_all(
    examples: Sequence[Example],
    outputs: Sequence[str],
    sandbox_available: bool,
    workers: int | None,
    sandbox: SandboxSettings | None = None,
) -> list[ExampleResult]:
    """Every example judged; with the sandbox, test-set pairs also get their functional verdict."""
    results = [judge_example(e, o) for e, o in zip(examples, outputs, strict=True)]
    if sandbox_available:
        results = add_functional(results, examples, workers, sandbox)
    return results
