"""Sandboxed execution of shell commands and the functional-equivalence judge."""

from __future__ import annotations

from securecli_eval.sandbox.equivalence import (
    EquivalencePair,
    EquivalenceResult,
    judge_equivalence,
    judge_many,
)
from securecli_eval.sandbox.runner import SandboxLimits, SandboxRun, run_in_sandbox, sandbox_status

__all__ = [
    "EquivalencePair",
    "EquivalenceResult",
    "SandboxLimits",
    "SandboxRun",
    "judge_equivalence",
    "judge_many",
    "run_in_sandbox",
    "sandbox_status",
]
