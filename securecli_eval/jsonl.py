"""JSON lines in and out: the one reader, with ``file:line`` errors, and the one writer.

Eval datasets, corpus files, ``equiv`` input, examples.jsonl and the previous release's
evidence are all JSON lines; reading them one way means every malformed line is reported the
same way, and writing them one way (sorted keys, UTF-8) keeps the evidence byte-stable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from securecli_eval.errors import DataError

T = TypeVar("T")


def json_object(line: str | bytes, where: str, fix: str = "fix or remove the line") -> dict[str, Any]:
    """One JSON line as an object; DataError naming ``where`` when it is not UTF-8, JSON or an object."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{where}: not UTF-8 text; save the file as UTF-8") from None
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise DataError(f"{where}: invalid JSON ({error.msg}); {fix}") from None
    if not isinstance(value, dict):
        raise DataError(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def json_objects(lines: Iterable[str], source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank JSON line; DataError naming ``source:line`` otherwise."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, json_object(line, f"{source}:{number}")


def parse_each(
    lines: Iterable[str | bytes], parse: Callable[[str | bytes, int, str], T], source: str
) -> list[T | DataError]:
    """Every non-blank line parsed, or the DataError that says why it is not valid (order kept).

    The command-line judges answer each good line and name each bad one, so one bad line costs
    only itself.
    """
    parsed: list[T | DataError] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                parsed.append(parse(line, number, source))
            except DataError as error:
                parsed.append(error)
    return parsed


def read_objects(path: Path) -> list[dict[str, Any]]:
    """Every object of a JSON lines file; [] when the file does not exist."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return [row for _, row in json_objects(handle, str(path))]


def dumps_lines(rows: Sequence[dict[str, Any]]) -> str:
    """JSON lines text with sorted keys, the form every evidence file is written in."""
    return "".join(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n" for row in rows)
