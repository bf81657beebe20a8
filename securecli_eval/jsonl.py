"""JSON lines in and out: the one reader, with ``file:line`` errors, and the one writer.

Eval datasets, corpus files, ``equiv`` input, examples.jsonl and the previous release's
evidence are all JSON lines; reading them one way means every malformed line is reported the
same way, and writing them one way (sorted keys, UTF-8) keeps the evidence byte-stable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from securecli_eval.errors import DataError


def json_objects(lines: Iterable[str], source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank JSON line; DataError naming ``source:line`` otherwise."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(
                f"{source}:{number}: invalid JSON ({error.msg}); fix or remove the line"
            ) from None
        if not isinstance(value, dict):
            raise DataError(f"{source}:{number}: expected a JSON object, got {type(value).__name__}")
        yield number, value


def read_objects(path: Path) -> list[dict[str, Any]]:
    """Every object of a JSON lines file; [] when the file does not exist."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return [row for _, row in json_objects(handle, str(path))]


def dumps_lines(rows: Sequence[dict[str, Any]]) -> str:
    """JSON lines text with sorted keys, the form every evidence file is written in."""
    return "".join(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n" for row in rows)
