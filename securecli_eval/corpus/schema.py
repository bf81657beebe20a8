"""Schema validation: every example has a usable instruction and a one-command reference."""

from __future__ import annotations

from collections import Counter

from securecli_eval.corpus.example import SOURCES, Example
from securecli_eval.corpus.normalise import normalise_command, normalise_text
from securecli_eval.corpus.stage import StageReport

MAX_INSTRUCTION_CHARS = 500
MAX_COMMAND_CHARS = 400
"""Longer references are scripts, not the one-line commands this task is about."""


def normalise(examples: list[Example]) -> tuple[list[Example], StageReport]:
    """Normalise whitespace and unicode of both fields; non-strings are left for ``validate``."""
    out = []
    changed = 0
    for example in examples:
        if not isinstance(example.instruction, str) or not isinstance(example.command, str):
            out.append(example)
            continue
        instruction = normalise_text(example.instruction)
        command = normalise_command(example.command)
        changed += instruction != example.instruction or command != example.command
        out.append(example.with_(instruction=instruction, command=command))
    report = StageReport(
        "normalise",
        "NFKC instructions, NFC commands with typographic quotes/dashes to ASCII, whitespace collapsed",
        len(examples),
        len(out),
        notes={"changed": changed},
    )
    return out, report


def problem(example: Example) -> str | None:
    """The reason ``example`` is unusable, or None when it is valid."""
    if not isinstance(example.instruction, str) or not isinstance(example.command, str):
        return "not a string"
    if example.source not in SOURCES or example.license != SOURCES[example.source]:
        return "unknown source or licence"
    if len(example.instruction.split()) < 2:
        return "instruction under two words"
    if not example.command.strip():
        return "empty command"
    if len(example.instruction) > MAX_INSTRUCTION_CHARS:
        return "instruction too long"
    if len(example.command) > MAX_COMMAND_CHARS:
        return "command too long"
    if "\x00" in example.command:
        return "NUL byte"
    if not example.utility:
        return "no utility"
    return None


def validate(examples: list[Example]) -> tuple[list[Example], StageReport]:
    kept, removed = [], Counter[str]()
    for example in examples:
        reason = problem(example)
        if reason is None:
            kept.append(example)
        else:
            removed[reason] += 1
    report = StageReport(
        "schema",
        f"string fields, instruction >= 2 words and <= {MAX_INSTRUCTION_CHARS} chars, "
        f"command non-empty and <= {MAX_COMMAND_CHARS} chars, known source and licence",
        len(examples),
        len(kept),
        removed,
    )
    return kept, report
