"""The risk rules: rules.yaml validated, compiled into checks, and rendered as the docs' rule table.

The rules are data so that a reviewer can read, diff and extend the policy without reading
Python: each entry names its verdict, ATT&CK technique, the programs it looks at and a check
from the registry in ``checks.py`` with that check's arguments. A mistake in the file (an unknown
check or argument, a bad verdict, a duplicate id) is a one-line ``ConfigError`` naming
``file:line``, raised when the rules are first used, not a silently missing rule.

    python -m securecli_eval.shell.rules docs/safety.md   # regenerate the rule table there
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints, ValidationError, validate_call

from securecli_eval.errors import ConfigError
from securecli_eval.shell.checks import CHECKS, NEEDS, Check, CheckFactory, Need
from securecli_eval.shell.vocabulary import vocabulary

RULES_FILE = Path(__file__).with_name("rules.yaml")
TABLE_START = "<!-- rules:start -->"
TABLE_END = "<!-- rules:end -->"

Severity = Literal["block", "warn"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Rule:
    """A rule ready to apply: its metadata and the compiled check."""

    id: str
    category: str
    technique: str  # MITRE ATT&CK technique id
    verdict: Severity
    description: str
    programs: frozenset[str] | None  # resolved program names the rule applies to; None: every command
    check: Check
    check_name: str  # the registry name of ``check``, as written in the file
    needs: Need | None = None  # what a command must have for the check to possibly fire


class RuleEntry(BaseModel):
    """One entry of rules.yaml as written: unknown fields are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z]+[0-9]{3}$")]
    category: Annotated[StrictStr, StringConstraints(pattern=r"^[a-z_]+$")]
    mitre: Annotated[StrictStr, StringConstraints(pattern=r"^T[0-9]{4}(\.[0-9]{3})?$")]
    verdict: Severity
    description: Annotated[StrictStr, StringConstraints(pattern=r"^[^\n]+$")]
    programs: StrictStr | list[StrictStr] = "any"
    check: StrictStr
    args: dict[StrictStr, Any] = {}


_FIELDS = tuple(RuleEntry.model_fields)


class _Problems:
    """Every problem found in one file, each as ``file:line: what``; raised together as one line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.found: list[str] = []

    def add(self, line: int, what: str) -> None:
        self.found.append(f"{self.path}:{line}: {what}")

    def raise_if_any(self) -> None:
        if self.found:
            raise ConfigError("; ".join(self.found))


def _closest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


_Keys = dict[str, tuple[int, yaml.Node]]  # key -> (line, value node)


def _keys(node: yaml.MappingNode) -> _Keys:
    """Key -> (line, value node) of a mapping node, for messages that point at the key."""
    return {str(key.value): (key.start_mark.line + 1, value) for key, value in node.value}


def _duplicate_keys(node: yaml.MappingNode) -> list[tuple[int, str]]:
    seen: set[str] = set()
    duplicates = []
    for key, value in node.value:
        if str(key.value) in seen:
            duplicates.append((key.start_mark.line + 1, str(key.value)))
        seen.add(str(key.value))
        if isinstance(value, yaml.MappingNode):
            duplicates += _duplicate_keys(value)
    return duplicates


def _compose(path: Path) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its plain data."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the rules ({error.strerror})") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: {problem}; fix the YAML syntax") from None
    finally:
        loader.dispose()


_SHAPES = {
    "id": "like DEL001",
    "category": "lower-case words joined by _",
    "mitre": "an ATT&CK id like T1485",
}


def _entry_problem(error: dict[str, Any], keys: _Keys, line: int) -> tuple[int, str]:
    field = str(error["loc"][0]) if error["loc"] else ""
    at = keys[field][0] if field in keys else line
    if error["type"] == "extra_forbidden":
        return at, f"unknown field '{field}'{_closest(field, list(_FIELDS))}"
    if error["type"] == "missing":
        return line, f"missing field '{field}'"
    if field == "programs":
        return at, "'programs' must be a list of program names, a program set from the vocabulary, or 'any'"
    if field == "description":
        return at, "'description' must be one non-empty line"
    if error["type"] == "string_pattern_mismatch":
        return at, f"'{field}' must be {_SHAPES.get(field, 'valid')} (got {error['input']!r})"
    return at, f"'{field}': {error['msg']} (got {error.get('input')!r})"


def _programs(entry: RuleEntry) -> frozenset[str] | None:
    """None (every command) for ``any``, a vocabulary program set by name, or the listed names."""
    if isinstance(entry.programs, list):
        if not entry.programs or not all(entry.programs):
            raise ValueError("'programs' must name at least one program; write 'any' for every command")
        return frozenset(entry.programs)
    if entry.programs == "any":
        return None
    sets = vocabulary().programs
    if entry.programs not in sets:
        hint = _closest(entry.programs, [*sets, "any"])
        raise ValueError(
            f"unknown program set '{entry.programs}'{hint} (sets: {', '.join(sorted(sets))}; "
            f"or write a list such as [{entry.programs}])"
        )
    return sets[entry.programs]


@functools.cache
def _validating(factory: CheckFactory) -> Callable[..., Check]:
    """The factory with its parameter types enforced: ``hostile: "yes"`` is an error, not True."""
    return validate_call(factory, config=ConfigDict(strict=True))


def _build_check(entry: RuleEntry, keys: _Keys) -> tuple[int, str] | Check:
    """The compiled check, or (line, problem) when the name or the arguments are wrong."""
    factory = CHECKS.get(entry.check)
    if factory is None:
        return keys["check"][0], f"unknown check '{entry.check}'{_closest(entry.check, sorted(CHECKS))}"
    args_at = keys["args"][0] if "args" in keys else keys["check"][0]
    arg_lines = (
        _keys(keys["args"][1]) if "args" in keys and isinstance(keys["args"][1], yaml.MappingNode) else {}
    )
    parameters = inspect.signature(factory).parameters
    takes = ", ".join(parameters) or "no arguments"
    for name in entry.args:
        if name not in parameters:
            return (
                arg_lines.get(name, (args_at,))[0],
                f"check '{entry.check}' has no argument '{name}'{_closest(name, list(parameters))} "
                f"(it takes: {takes})",
            )
    for name, parameter in parameters.items():
        if parameter.default is inspect.Parameter.empty and name not in entry.args:
            return args_at, f"check '{entry.check}' needs argument '{name}' (it takes: {takes})"
    try:
        return _validating(factory)(**entry.args)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        where = ".".join(str(part) for part in first["loc"])
        return (
            arg_lines.get(name, (args_at,))[0],
            f"check '{entry.check}' argument '{where}': {first['msg']} (got {first.get('input')!r})",
        )
    except re.error as error:
        return args_at, f"check '{entry.check}': invalid regex {error.pattern!r} ({error})"
    except ValueError as error:
        return args_at, f"check '{entry.check}': {error}"


def _rule(item: yaml.Node, raw: Any, problems: _Problems, first_line: dict[str, int]) -> Rule | None:
    """One entry compiled into a Rule, or None after adding its problems."""
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
        entry = RuleEntry.model_validate(raw)
    except ValidationError as error:
        fields: set[object] = set()
        for detail in error.errors():
            if detail["loc"][:1] not in fields:  # one problem per field: a union reports each branch
                fields.add(detail["loc"][:1])
                at, what = _entry_problem(detail, keys, line)
                problems.add(at, f"{name}: {what}")
        return None
    if entry.id in first_line:
        problems.add(line, f"{name}: duplicate id (first defined at line {first_line[entry.id]})")
    first_line.setdefault(entry.id, line)
    programs: frozenset[str] | None = None
    try:
        programs = _programs(entry)
    except ValueError as error:
        problems.add(keys["programs"][0], f"{name}: {error}")
    built = _build_check(entry, keys)
    if isinstance(built, tuple):
        problems.add(built[0], f"{name}: {built[1]}")
    if len(problems.found) > before or isinstance(built, tuple):
        return None
    return Rule(
        id=entry.id,
        category=entry.category,
        technique=entry.mitre,
        verdict=entry.verdict,
        description=entry.description,
        programs=programs,
        check=built,
        check_name=entry.check,
        needs=NEEDS.get(entry.check),
    )


def load_rules(path: str | Path) -> tuple[Rule, ...]:
    """Read, validate and compile a rules file; ConfigError naming ``file:line`` for every mistake."""
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
def default_rules() -> tuple[Rule, ...]:
    """The packaged rules, loaded on first use so that importing the classifier stays cheap."""
    return load_rules(RULES_FILE)


def __getattr__(name: str) -> Any:
    """``RULES`` is the packaged rule table, loaded on first access."""
    if name == "RULES":
        return default_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---- the rule table in the docs ---------------------------------------------------------------------


def markdown_table(rules: tuple[Rule, ...] | None = None) -> str:
    """The rules as a Markdown table (id, verdict, category, technique, description), in file order."""
    rows = ["| id | verdict | category | ATT&CK | description |", "|---|---|---|---|---|"]
    for rule in default_rules() if rules is None else rules:
        cells = (rule.id, rule.verdict, rule.category, rule.technique, rule.description)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def with_rule_table(document: str) -> str:
    """``document`` with the text between the rules:start/end markers replaced by ``markdown_table()``."""
    start, end = document.find(TABLE_START), document.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"the document has no '{TABLE_START}' ... '{TABLE_END}' section")
    head = document[: start + len(TABLE_START)]
    return f"{head}\n{markdown_table()}{document[end:]}"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m securecli_eval.shell.rules DOC.md", file=sys.stderr)
        return 2
    target = Path(argv[0])
    try:
        target.write_text(with_rule_table(target.read_text(encoding="utf-8")), encoding="utf-8")
    except (OSError, ValueError) as error:
        print(f"{target}: {error}", file=sys.stderr)
        return 1
    print(f"wrote the rule table in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
