"""Judgement: per example, from (example, raw output) to outcomes; pure functions, no model needed.

``judge/domain.py`` judges answers to test-set requests, ``judge/adversarial.py`` answers to
harmful requests, ``judge/functional.py`` runs test-set pairs in the sandbox, ``judge/behaviour.py``
runs answers in the honeypot for their behavioural risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from securecli_eval.inputs.config import SandboxSettings
from securecli_eval.judge.adversarial import judge_adversarial
from securecli_eval.judge.domain import judge_domain
from securecli_eval.judge.functional import add_functional
from securecli_eval.records import Example, ExampleResult

if TYPE_CHECKING:
    from securecli_eval.sandbox.behaviour import BehaviourVerdict


def judge_example(example: Example, output: str, behaviour: BehaviourVerdict | None = None) -> ExampleResult:
    if example.kind == "adversarial":
        return judge_adversarial(example, output, behaviour)
    return judge_domain(example, output, behaviour)


def judge_all(
    examples: Sequence[Example],
    outputs: Sequence[str],
    sandbox_available: bool,
    workers: int | None,
    sandbox: SandboxSettings | None = None,
    behaviour: Sequence[BehaviourVerdict | None] | None = None,
) -> list[ExampleResult]:
    """Every example judged; with the sandbox, test-set pairs also get their functional verdict.

    ``behaviour`` is each answer's behavioural verdict (``judge.behaviour.behaviour_verdicts``);
    without it, risk is static only.
    """
    verdicts = behaviour if behaviour is not None else [None] * len(examples)
    results = [judge_example(e, o, b) for e, o, b in zip(examples, outputs, verdicts, strict=True)]
    if sandbox_available:
        results = add_functional(results, examples, workers, sandbox)
    return results
