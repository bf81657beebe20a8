"""Functional equivalence of test-set answers: references and prediction run in the sandbox.

Examples whose dataset marks them ``executable: false`` are outside the decidable subset and
get no functional outcome; an answer identical to the reference is equivalent without running.
An example with several ``references`` is equivalent when the prediction is equivalent to any.
Each verdict's ``code`` (why it was decided, or why not) goes into the details, so metrics can
count the undecided pairs by reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from securecli_eval.inputs.config import SandboxSettings
from securecli_eval.records import Example, ExampleResult

if TYPE_CHECKING:
    from securecli_eval.sandbox import SandboxLimits


def sandbox_limits(settings: SandboxSettings) -> SandboxLimits:
    """The eval config's sandbox section as the runner's limits."""
    from securecli_eval.sandbox import SandboxLimits

    mib = 1 << 20
    return SandboxLimits(
        wall_seconds=settings.timeout_seconds,
        memory_bytes=settings.memory_mib * mib,
        address_space_bytes=settings.address_space_mib * mib,
        max_processes=settings.max_processes,
    )


def add_functional(
    results: Sequence[ExampleResult],
    examples: Sequence[Example],
    workers: int | None,
    settings: SandboxSettings | None = None,
) -> list[ExampleResult]:
    """Run references and prediction in the sandbox for test-set examples and record the verdicts.

    ``results`` and ``examples`` are the same examples in the same order.
    """
    from securecli_eval.sandbox import EquivalencePair, judge_many

    decidable = [
        index
        for index, (result, example) in enumerate(zip(results, examples, strict=True))
        if result.kind == "domain" and example.executable is not False
    ]
    todo = [i for i in decidable if not results[i].outcomes.get("exact_match")]
    pairs = [
        EquivalencePair(
            reference=examples[i].reference or "",
            prediction=results[i].command,
            files=examples[i].files,
            setup=examples[i].setup,
            alternatives=tuple(r for r in examples[i].references if r != examples[i].reference),
        )
        for i in todo
    ]
    limits = sandbox_limits(settings or SandboxSettings())
    verdicts = dict(zip(todo, judge_many(pairs, workers=workers, limits=limits), strict=True))
    updated = list(results)
    for index in decidable:
        if index in verdicts:
            verdict = verdicts[index]
            outcomes = {
                "functional": verdict.equivalent,
                "functional_decided": verdict.equivalent is not None,
            }
            detail = verdict.to_dict()
        else:
            outcomes = {"functional": True, "functional_decided": True}
            detail = {"equivalent": True, "reason": "identical to the reference", "code": "identical"}
        result = results[index]
        updated[index] = result.model_copy(
            update={
                "outcomes": {**result.outcomes, **outcomes},
                "details": {**result.details, "functional": detail},
            }
        )
    return updated
