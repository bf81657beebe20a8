"""The functional judge on test-set examples: several references, codes in the details, config limits."""

from __future__ import annotations

import pytest

from securecli_eval.inputs.config import SandboxSettings
from securecli_eval.judge import judge_all
from securecli_eval.judge.functional import sandbox_limits
from securecli_eval.records import Example
from securecli_eval.sandbox import sandbox_status

AVAILABLE, REASON = sandbox_status()


def example(index: int, reference: str, references: tuple[str, ...] = ()) -> Example:
    return Example(
        id=f"e{index}",
        dataset="t",
        kind="domain",
        instruction="do it",
        reference=reference,
        references=references,
    )


@pytest.mark.skipif(not AVAILABLE, reason=REASON)
def test_any_reference_counts_and_every_verdict_says_why():
    examples = [
        example(0, "head -1 notes.txt", ("head -1 notes.txt", "tail -1 notes.txt")),
        example(1, "head -1 notes.txt"),
        example(2, "cat /etc/no-such-file"),
        example(3, "ls -1 data"),
    ]
    outputs = ["tail -n 1 notes.txt", "tail -n 1 notes.txt", "echo x", "ls -1 data"]
    results = judge_all(examples, outputs, True, 2)
    functional = [r.outcomes["functional"] for r in results]
    assert functional == [True, False, None, True]
    codes = [r.details["functional"]["code"] for r in results]
    assert codes == ["same_behaviour", "different_behaviour", "missing_input", "identical"]


def test_the_eval_configs_sandbox_section_becomes_the_runners_limits():
    limits = sandbox_limits(
        SandboxSettings(timeout_seconds=2, memory_mib=300, address_space_mib=128, max_processes=9)
    )
    assert (limits.wall_seconds, limits.memory_bytes, limits.address_space_bytes, limits.max_processes) == (
        2,
        300 << 20,
        128 << 20,
        9,
    )
