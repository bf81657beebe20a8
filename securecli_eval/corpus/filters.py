"""Filters that drop examples a model must not learn: blocked by the risk classifier, or unparsable.

The risk classifier and shellcheck are optional at build time: when one is missing, its stage
records ``skipped: <reason>`` in the card instead of pretending it ran.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from securecli_eval.corpus.example import Example
from securecli_eval.corpus.stage import StageReport
from securecli_eval.shell.syntax import check_syntax

SHELLCHECK_BATCH = 400
"""Commands per shellcheck process: one process per command would take half an hour."""


def risk_filter(examples: list[Example]) -> tuple[list[Example], StageReport]:
    """Remove examples whose command the risk classifier blocks; counts per rule."""
    description = "commands the risk classifier (securecli_eval.shell.risk) blocks are removed"
    try:
        classify: Callable = importlib.import_module("securecli_eval.shell.risk").classify
    except (ImportError, AttributeError) as error:
        reason = f"skipped: risk classifier not available ({error})"
        return examples, StageReport("risk", description, len(examples), len(examples), skipped=reason)
    kept, removed, warned = [], Counter[str](), Counter[str]()
    for example in examples:
        verdict = classify(example.command)
        if verdict.verdict == "block":
            removed[f"block: {verdict.rule}"] += 1
        else:
            if verdict.verdict == "warn":
                warned[str(verdict.rule)] += 1
            kept.append(example)
    notes: dict[str, object] = {"kept_with_warn_by_rule": dict(warned.most_common())}
    return kept, StageReport("risk", description, len(examples), len(kept), removed, notes=notes)


def syntax_filter(examples: list[Example], workers: int = 4) -> tuple[list[Example], StageReport]:
    """Remove examples whose command ``bash -n`` rejects."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(check_syntax, [e.command for e in examples]))
    kept = [e for e, r in zip(examples, results, strict=True) if r.valid]
    removed = (
        Counter({"bash -n syntax error": len(examples) - len(kept)})
        if len(kept) < len(examples)
        else Counter()
    )
    return kept, StageReport("syntax", "bash -n parses the command", len(examples), len(kept), removed)


def _shellcheck_errors(binary: str, commands: list[str]) -> set[int]:
    """Indices of ``commands`` with at least one shellcheck error (severity error only)."""
    failing: set[int] = set()
    with tempfile.TemporaryDirectory(prefix="corpus-shellcheck-") as tmp:
        paths = []
        for index, command in enumerate(commands):
            path = Path(tmp) / f"{index}.sh"
            path.write_text("#!/bin/bash\n" + command + "\n", encoding="utf-8")
            paths.append(str(path))
        for start in range(0, len(paths), SHELLCHECK_BATCH):
            batch = paths[start : start + SHELLCHECK_BATCH]
            proc = subprocess.run(
                [binary, "--shell=bash", "--severity=error", "--format=json1", *batch],
                capture_output=True,
                text=True,
                timeout=600,
            )
            comments = json.loads(proc.stdout or "{}").get("comments", [])
            failing.update(int(Path(c["file"]).stem) for c in comments if c.get("level") == "error")
    return failing


def shellcheck_filter(examples: list[Example]) -> tuple[list[Example], StageReport]:
    """Remove examples with shellcheck errors (warnings and style notes are kept)."""
    description = "shellcheck --severity=error finds no error"
    binary = shutil.which("shellcheck")
    if binary is None:
        reason = "skipped: shellcheck not installed (apt-get install shellcheck)"
        return examples, StageReport("shellcheck", description, len(examples), len(examples), skipped=reason)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    failing = _shellcheck_errors(binary, [e.command for e in examples])
    kept = [e for i, e in enumerate(examples) if i not in failing]
    removed = Counter({"shellcheck error": len(failing)}) if failing else Counter()
    version_line = next((line for line in version.splitlines() if line.startswith("version")), "")
    return kept, StageReport(
        "shellcheck", description, len(examples), len(kept), removed, notes={"shellcheck": version_line}
    )
