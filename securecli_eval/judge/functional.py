"""Functional equivalence of test-set answers: reference and prediction run in the sandbox.

Examples whose dataset marks them ``executable: false`` are outside the decidable subset and
get no functional outcome; identical commands are equivalent without running.
"""

from __future__ import annotations

from collections.abc import Sequence

from securecli_eval.records import Example, ExampleResult


def add_functional(
    results: Sequence[ExampleResult], examples: Sequence[Example], workers: int | None
) -> list[ExampleResult]:
    """Run reference and prediction in the sandbox for test-set examples and record the verdicts.

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
        )
        for i in todo
    ]
    verdicts = dict(zip(todo, judge_many(pairs, workers=workers), strict=True))
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
            detail = {"equivalent": True, "reason": "identical to the reference"}
        result = results[index]
        updated[index] = result.model_copy(
            update={
                "outcomes": {**result.outcomes, **outcomes},
                "details": {**result.details, "functional": detail},
            }
        )
    return updated
