"""Reading the raw corpora (and any split file) into ``Example`` records.

Every malformed line is a ``DataError`` naming file:line, because a silently skipped
line is a silently wrong count in the data card.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from securecli_eval.corpus.example import SOURCES, Example
from securecli_eval.errors import DataError
from securecli_eval.jsonl import json_objects

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SUBSTITUTION = re.compile(r"(?:\$\(|`)\s*([A-Za-z_][\w.-]*)")
_PREFIXES = {"sudo", "time", "nohup", "env", "command", "exec", "nice", "xargs"}


def utility_of(command: str) -> str:
    """The program a command is about: its first word, skipping ``sudo``, ``env`` and ``VAR=value``."""
    try:
        words = shlex.split(command, comments=False)
    except ValueError:
        words = command.split()
    skipped_prefix = ""
    for word in words:
        if word in _PREFIXES:
            skipped_prefix = word
            continue
        if _ASSIGNMENT.match(word) or word.startswith("-"):
            continue
        return word.split("/")[-1].strip("();{}`$") or word
    substituted = _SUBSTITUTION.search(command)
    if substituted:
        return substituted.group(1)
    if skipped_prefix:
        return skipped_prefix
    return "assignment" if words and _ASSIGNMENT.match(words[0]) else ""


def with_tool(description: str, command: str) -> str:
    """A tldr description names no program (the page does); say which one so the request is complete."""
    tool = utility_of(command)
    if not tool or "{{" in tool or re.search(r"(?<![\w-])" + re.escape(tool) + r"(?![\w-])", description):
        return description
    return f"{description.rstrip().rstrip('.:')}, using `{tool}`"


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; DataError with file:line for bad JSON."""
    if not path.is_file():
        raise DataError(f"{path}: file not found; pass an existing JSONL file")
    with path.open(encoding="utf-8") as handle:
        yield from json_objects(handle, str(path))


def _field(value: dict[str, Any], key: str, where: str) -> Any:
    if key not in value:
        raise DataError(f"{where}: missing key {key!r}; every line needs it")
    return value[key]


def load_nl2bash(path: Path) -> list[Example]:
    """NL2Bash lines ``{"id", "nl", "cmd"}``."""
    examples = []
    for number, value in read_jsonl(path):
        where = f"{path}:{number}"
        command = _field(value, "cmd", where)
        examples.append(
            Example(
                id=str(_field(value, "id", where)),
                instruction=_field(value, "nl", where),
                command=command,
                source="nl2bash",
                license=SOURCES["nl2bash"],
                utility=utility_of(command) if isinstance(command, str) else "",
                origin=where,
            )
        )
    return examples


def load_tldr(path: Path) -> list[Example]:
    """tldr-pages lines ``{"page", "platform", "examples": [{"description", "command"}]}``; one example each.

    Ids are ``tldr-<file name>-<n>`` (``tldr-linux-...`` for linux pages), stable across builds.
    """
    examples = []
    for number, value in read_jsonl(path):
        where = f"{path}:{number}"
        page = str(_field(value, "page", where))
        platform = str(value.get("platform", "common"))
        items = _field(value, "examples", where)
        if not isinstance(items, list):
            raise DataError(f"{where}: 'examples' must be a list")
        prefix = "tldr" if platform == "common" else f"tldr-{platform}"
        # the file name, not the page title: two files can share a title (jc.md and jc.json.md)
        name = Path(str(value.get("file", page))).name.removesuffix(".md") or page
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise DataError(f"{where}: example {index} must be an object")
            description, command = item.get("description"), item.get("command")
            if isinstance(description, str) and isinstance(command, str):
                description = with_tool(description, command)
            examples.append(
                Example(
                    id=f"{prefix}-{name}-{index}",
                    instruction=description,  # type: ignore[arg-type]  # the schema stage checks types
                    command=command,  # type: ignore[arg-type]
                    source="tldr-pages",
                    license=SOURCES["tldr-pages"],
                    utility=page,
                    origin=where,
                )
            )
    return examples


def load_split(path: Path) -> list[Example]:
    """A split or user dataset: our format, Axolotl ``messages``/``conversations``, or alpaca fields."""
    examples = []
    for number, value in read_jsonl(path):
        where = f"{path}:{number}"
        instruction, command = _pair_of(value, where)
        examples.append(
            Example(
                id=str(value.get("id", f"{path.name}:{number}")),
                instruction=instruction,
                command=command,
                source=str(value.get("source", "user")),
                license=str(value.get("license", "unknown")),
                utility=str(value.get("utility") or utility_of(command)),
                origin=where,
                executable=value.get("executable"),
            )
        )
    return examples


def _pair_of(value: dict[str, Any], where: str) -> tuple[str, str]:
    if isinstance(value.get("instruction"), str) and isinstance(value.get("command"), str):
        return value["instruction"], value["command"]
    turns = value.get("messages", value.get("conversations"))
    if isinstance(turns, list):
        user = [t for t in turns if isinstance(t, dict) and t.get("role", t.get("from")) in ("user", "human")]
        reply = [
            t for t in turns if isinstance(t, dict) and t.get("role", t.get("from")) in ("assistant", "gpt")
        ]
        if user and reply:
            text = lambda t: str(t.get("content", t.get("value", "")))  # noqa: E731
            return text(user[-1]), text(reply[-1])
    if isinstance(value.get("instruction"), str) and isinstance(value.get("output"), str):
        extra = value.get("input") or ""
        return (value["instruction"] + ("\n" + extra if extra else "")), value["output"]
    raise DataError(
        f"{where}: no instruction/command pair; expected 'instruction'+'command', "
        "'messages' with user and assistant turns, or alpaca 'instruction'+'output'"
    )
