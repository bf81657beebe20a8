"""Several references per request: NL2Bash lists more than one command for some instructions.

The corpus keeps one command per instruction for training (one request, one answer), but the
functional judge should accept a prediction equivalent to any accepted answer. This stage finds,
for each NL2Bash example, every raw NL2Bash command with exactly the same instruction, normalised
like the corpus (``normalise_command``), and records them as ``references`` (the example's own
command first). It only adds a field: ids, instructions and commands stay as they are.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from securecli_eval.corpus.example import Example, to_jsonl_line
from securecli_eval.corpus.normalise import normalise_command, normalise_text
from securecli_eval.errors import DataError


def references_by_id(raw: Sequence[Example]) -> dict[str, tuple[str, ...]]:
    """Raw NL2Bash id -> every distinct normalised command of its instruction, when there are several."""
    commands: dict[str, list[str]] = defaultdict(list)
    for example in raw:
        if isinstance(example.instruction, str) and isinstance(example.command, str):
            key = normalise_text(example.instruction)
            command = normalise_command(example.command)
            if command and command not in commands[key]:
                commands[key].append(command)
    found: dict[str, tuple[str, ...]] = {}
    for example in raw:
        if isinstance(example.instruction, str):
            group = commands.get(normalise_text(example.instruction), [])
            if len(group) > 1:
                found[example.id] = tuple(group)
    return found


def with_references(examples: Sequence[Example], raw: Sequence[Example]) -> list[Example]:
    """``examples`` with ``references`` set where their instruction has several commands."""
    table = references_by_id(raw)
    return [_attach(example, table.get(example.id, ())) for example in examples]


def _attach(example: Example, group: tuple[str, ...]) -> Example:
    if len(group) < 2:
        return example
    others = tuple(command for command in group if command != example.command)
    return example.with_(references=(example.command, *others))


def add_references_to_file(path: Path, raw: Sequence[Example]) -> int:
    """Add (or refresh) the ``references`` field of an eval JSONL in place; returns lines that have one.

    Every other field and the line order stay byte for byte as they were.
    """
    table = references_by_id(raw)
    lines_out: list[str] = []
    count = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{path}:{number}: invalid JSON ({error.msg}); fix or rebuild the file") from None
        record.pop("references", None)
        group = table.get(str(record.get("id")), ())
        command = record.get("command")
        if len(group) > 1 and isinstance(command, str):
            record["references"] = [command, *(c for c in group if c != command)]
            count += 1
        lines_out.append(to_jsonl_line(record))
    path.write_text("".join(lines_out), encoding="utf-8")
    return count
