"""The behaviour rules: behaviour.yaml validated, compiled into checks, and rendered as the docs' table.

The same shape and the same strictness as the static rules (``shell/rules.py``, whose YAML
helpers this module uses): each entry names its verdict, ATT&CK technique and a check from
``behaviour_checks.py`` with that check's arguments; a mistake (an unknown field, check or
argument, a bad glob or secret kind, a duplicate id) is a one-line ``ConfigError`` naming
``file:line`` when the rules are first used.

    python -m securecli_eval.sandbox.behaviour_rules docs/behaviour.md   # regenerate the table there
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints, ValidationError

from securecli_eval.errors import ConfigError
from securecli_eval.sandbox.behaviour_checks import CHECKS, Check
from securecli_eval.shell.rules import _closest, _compose, _duplicate_keys, _keys, _Problems, _validating

RULES_FILE = Path(__file__).with_name("behaviour.yaml")
TABLE_START = "<!-- behaviour-rules:start -->"
TABLE_END = "<!-- behaviour-rules:end -->"


@dataclass(frozen=True)
class BehaviourRule:
    id: str
    category: str
    technique: str
    verdict: Literal["block", "warn"]
    description: str
    check: Check
    check_name: str


class BehaviourEntry(BaseModel):
    """One entry of behaviour.yaml as written: unknown fields are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z]+[0-9]{3}$")]
    category: Annotated[StrictStr, StringConstraints(pattern=r"^[a-z_]+$")]
    mitre: Annotated[StrictStr, StringConstraints(pattern=r"^T[0-9]{4}(\.[0-9]{3})?$")]
    verdict: Literal["block", "warn"]
    description: Annotated[StrictStr, StringConstraints(pattern=r"^[^\n]+$")]
    check: StrictStr
    args: dict[StrictStr, Any] = {}


_FIELDS = tuple(BehaviourEntry.model_fields)
_SHAPES = {
    "id": "like BEXF001",
    "category": "lower-case words joined by _",
    "mitre": "an ATT&CK id like T1485",
}


def _entry_problem(
    error: dict[str, Any], keys: dict[str, tuple[int, yaml.Node]], line: int
) -> tuple[int, str]:
    field = str(error["loc"][0]) if error["loc"] else ""
    at = keys[field][0] if field in keys else line
    if error["type"] == "extra_forbidden":
        return at, f"unknown field '{field}'{_closest(field, list(_FIELDS))}"
    if error["type"] == "missing":
        return line, f"missing field '{field}'"
    if error["type"] == "string_pattern_mismatch":
        return at, f"'{field}' must be {_SHAPES.get(field, 'one non-empty line')} (got {error['input']!r})"
    return at, f"'{field}': {error['msg']} (got {error.get('input')!r})"


def _build_check(entry: BehaviourEntry, keys: dict[str, tuple[int, yaml.Node]]) -> tuple[int, str] | Check:
    """The compiled check, or (line, problem) when the name or the arguments are wrong."""
    factory = CHECKS.get(entry.check)
    if factory is None:
        return keys["check"][0], f"unknown check '{entry.check}'{_closest(entry.check, sorted(CHECKS))}"
    args_at = keys["args"][0] if "args" in keys else keys["check"][0]
    args_node = keys["args"][1] if "args" in keys else None
    arg_lines = _keys(args_node) if isinstance(args_node, yaml.MappingNode) else {}
    parameters = inspect.signature(factory).parameters
    takes = ", ".join(parameters) or "no arguments"
    for name in entry.args:
        if name not in parameters:
            hint = _closest(name, list(parameters))
            return arg_lines.get(name, (args_at,))[
                0
            ], f"check '{entry.check}' has no argument '{name}'{hint} (it takes: {takes})"
    for name, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty and name not in entry.args:
            return args_at, f"check '{entry.check}' needs argument '{name}' (it takes: {takes})"
    try:
        return _validating(factory)(**entry.args)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        where = ".".join(str(part) for part in first["loc"])
        return arg_lines.get(name, (args_at,))[0], (
            f"check '{entry.check}' argument '{where}': {first['msg']} (got {first.get('input')!r})"
        )
    except re.error as error:
        return args_at, f"check '{entry.check}': invalid regex {error.pattern!r} ({error})"
    except ValueError as error:
        return args_at, f"check '{entry.check}': {error}"


def _rule(item: yaml.Node, raw: Any, problems: _Problems, first_line: dict[str, int]) -> BehaviourRule | None:
    line = item.start_mark.line + 1
    if not isinstance(item, yaml.MappingNode):
        problems.add(line, f"each rule is a mapping of {', '.join(_FIELDS)}")
        return None
    keys = _keys(item)
    name = f"rule {raw['id']}" if isinstance(raw.get("id"), str) else "rule"
    before = len(problems.found)
    for key_line, key in _duplicate_keys(item):
        problems.add(key_line, f"{name}: '{key}' is given twice")
    try:
        entry = BehaviourEntry.model_validate(raw)
    except ValidationError as error:
        seen: set[object] = set()
        for detail in error.errors():
            if detail["loc"][:1] not in seen:
                seen.add(detail["loc"][:1])
                at, what = _entry_problem(detail, keys, line)
                problems.add(at, f"{name}: {what}")
        return None
    if entry.id in first_line:
        problems.add(line, f"{name}: duplicate id (first defined at line {first_line[entry.id]})")
    first_line.setdefault(entry.id, line)
    built = _build_check(entry, keys)
    if isinstance(built, tuple):
        problems.add(built[0], f"{name}: {built[1]}")
    if len(problems.found) > before or isinstance(built, tuple):
        return None
    return BehaviourRule(
        entry.id, entry.category, entry.mitre, entry.verdict, entry.description, built, entry.check
    )


def load_rules(path: str | Path) -> tuple[BehaviourRule, ...]:
    """Read, validate and compile a behaviour rules file; ConfigError naming ``file:line`` per mistake."""
    path = Path(path)
    node, data = _compose(path)
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        line = node.start_mark.line + 1 if node is not None else 1
        raise ConfigError(f"{path}:{line}: expected a list of rules (- id: ..., category: ..., ...)")
    problems = _Problems(path)
    first_line: dict[str, int] = {}
    rules = [_rule(item, raw, problems, first_line) for item, raw in zip(node.value, data, strict=True)]
    problems.raise_if_any()
    return tuple(rule for rule in rules if rule is not None)


@functools.cache
def default_rules() -> tuple[BehaviourRule, ...]:
    """The packaged rules, loaded on first use."""
    return load_rules(RULES_FILE)


def markdown_table(rules: tuple[BehaviourRule, ...] | None = None) -> str:
    """The rules as a Markdown table (id, verdict, category, technique, description), in file order."""
    rows = ["| id | verdict | category | ATT&CK | description |", "|---|---|---|---|---|"]
    for rule in default_rules() if rules is None else rules:
        cells = (rule.id, rule.verdict, rule.category, rule.technique, rule.description)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def with_rule_table(document: str) -> str:
    """``document`` with the text between the behaviour-rules markers replaced by ``markdown_table()``."""
    start, end = document.find(TABLE_START), document.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"the document has no '{TABLE_START}' ... '{TABLE_END}' section")
    return f"{document[: start + len(TABLE_START)]}\n{markdown_table()}{document[end:]}"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m securecli_eval.sandbox.behaviour_rules DOC.md", file=sys.stderr)
        return 2
    target = Path(argv[0])
    try:
        target.write_text(with_rule_table(target.read_text(encoding="utf-8")), encoding="utf-8")
    except (OSError, ValueError) as error:
        print(f"{target}: {error}", file=sys.stderr)
        return 1
    print(f"wrote the behaviour rule table in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
