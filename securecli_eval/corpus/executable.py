"""Mark test examples whose reference command runs in the sandbox, the decidable subset of functional match.

A reference that fails against itself (missing program, needs network or root) can never
show a prediction to be functionally equivalent; the flag lets the gate count only the
subset where the functional judge can decide.
"""

from __future__ import annotations

import importlib
from collections import Counter

from securecli_eval.corpus.example import Example
from securecli_eval.corpus.stage import StageReport

PIPEFAIL = "set -o pipefail\n"
DESCRIPTION = (
    "each test reference judged against itself (wrapped in { ...; }, with pipefail) in the sandbox; "
    "equivalent=True -> executable"
)


def mark_executable(examples: list[Example], workers: int = 2) -> tuple[list[Example], StageReport]:
    """Set ``executable`` on every example; False everywhere (and a skipped reason) without a sandbox."""
    try:
        sandbox = importlib.import_module("securecli_eval.sandbox")
        available, reason = sandbox.sandbox_status()
    except (ImportError, AttributeError) as error:
        available, reason = False, f"sandbox module not available ({error})"
    if not available:
        marked = [e.with_(executable=False) for e in examples]
        return marked, StageReport(
            "executable", DESCRIPTION, len(examples), len(marked), skipped=f"skipped: {reason}"
        )
    # The judge treats a command as equal to itself without running it; wrapping the reference in a
    # group command keeps its meaning but makes the judge run both and check the reference is usable.
    # pipefail: `missing-tool x | less` or `sort no-such-file | uniq` exit 0 but test nothing.
    pairs = [
        sandbox.EquivalencePair(PIPEFAIL + e.command, PIPEFAIL + "{ " + e.command + "\n}", e.files, e.setup)
        for e in examples
    ]
    results = sandbox.judge_many(pairs, workers=workers)
    marked, reasons = [], Counter[str]()
    for example, result in zip(examples, results, strict=True):
        executable = result.equivalent is True
        if not executable:
            reasons[str(result.reason).split(":")[0][:60]] += 1
        marked.append(example.with_(executable=executable))
    count = sum(bool(e.executable) for e in marked)
    return marked, StageReport(
        "executable",
        DESCRIPTION,
        len(examples),
        len(marked),
        notes={"executable": count, "not_executable_by_reason": dict(reasons.most_common(15))},
    )
