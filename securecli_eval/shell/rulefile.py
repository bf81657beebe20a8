"""A rules file: YAML entries validated with line numbers, compiled into checks, shown as a docs table.

Two rule sets share this shape: the static risk rules (``shell/rules.yaml``) and the behaviour rules
(``sandbox/behaviour.yaml``). Each entry names an id, a category, an ATT&CK technique, a verdict, a
one-line description and a check from a registry with that check's arguments. Every mistake in a file
(an unknown field, check or argument, an argument of the wrong type, a duplicate id) is collected
and raised as one ``ConfigError`` naming ``file:line`` for each, never a silently missing rule.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints, ValidationError, validate_call

from securecli_eval.errors import ConfigError

Severity = Literal["block", "warn"]
Keys = dict[str, tuple[int, yaml.Node]]  # key -> (line, value node)
Entry = TypeVar("Entry", bound="RuleFields")
Built = TypeVar("Built")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RuleFields(BaseModel):
    """The fields every rule file's entries have; unknown fields are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z]+[0-9]{3}$")]
    category: Annotated[StrictStr, StringConstraints(pattern=r"^[a-z_]+$")]
    mitre: Annotated[StrictStr, StringConstraints(pattern=r"^T[0-9]{4}(\.[0-9]{3})?$")]
    verdict: Severity
    description: Annotated[StrictStr, StringConstraints(pattern=r"^[^\n]+$")]
    check: StrictStr
    args: dict[StrictStr, Any] = {}


class FieldProblem(ValueError):
    """A valid entry whose field still cannot be compiled (raised by a rule set's ``make``)."""

    def __init__(self, field: str, what: str) -> None:
        super().__init__(what)
        self.field = field


class TableRow(Protocol):
    """What the docs' rule table shows of a rule."""

    id: str
    verdict: str
    category: str
    technique: str
    description: str


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


def closest(name: str, known: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for the nearest known name, or nothing."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _keys(node: yaml.MappingNode) -> Keys:
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


@functools.cache
def _validating(factory: Callable[..., Any]) -> Callable[..., Any]:
    """The factory with its parameter types enforced: ``hostile: "yes"`` is an error, not True."""
    return validate_call(factory, config=ConfigDict(strict=True))


Checks = Mapping[str, Callable[..., Any]]  # a registry: check name -> factory of the rule's args


def _build_check(entry: RuleFields, keys: Keys, checks: Checks) -> tuple[int, str] | Any:
    """The compiled check, or (line, problem) when the name or the arguments are wrong."""
    factory = checks.get(entry.check)
    if factory is None:
        return keys["check"][0], f"unknown check '{entry.check}'{closest(entry.check, sorted(checks))}"
    args_at = keys["args"][0] if "args" in keys else keys["check"][0]
    args_node = keys["args"][1] if "args" in keys else None
    arg_lines = _keys(args_node) if isinstance(args_node, yaml.MappingNode) else {}
    parameters = inspect.signature(factory).parameters
    takes = ", ".join(parameters) or "no arguments"
    for name in entry.args:
        if name not in parameters:
            hint = closest(name, parameters)
            where = arg_lines.get(name, (args_at,))[0]
            return where, f"check '{entry.check}' has no argument '{name}'{hint} (it takes: {takes})"
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


def _entry_problem(
    error: Mapping[str, Any], keys: Keys, line: int, fields: tuple[str, ...], messages: Mapping[str, str]
) -> tuple[int, str]:
    field = str(error["loc"][0]) if error["loc"] else ""
    at = keys[field][0] if field in keys else line
    if error["type"] == "extra_forbidden":
        return at, f"unknown field '{field}'{closest(field, fields)}"
    if error["type"] == "missing":
        return line, f"missing field '{field}'"
    if field in messages:
        return at, messages[field]
    if error["type"] == "string_pattern_mismatch":
        return at, f"'{field}' must be {messages.get(field + ':shape', 'valid')} (got {error['input']!r})"
    return at, f"'{field}': {error['msg']} (got {error.get('input')!r})"


def load_rule_file(
    path: str | Path,
    entry_type: type[Entry],
    checks: Checks,
    make: Callable[[Entry, Any], Built],
    messages: Mapping[str, str],
) -> tuple[Built, ...]:
    """Read, validate and compile a rules file; one ConfigError naming ``file:line`` for every mistake.

    ``make`` turns a valid entry and its compiled check into a rule (raising ``FieldProblem`` for a
    field it cannot use); ``messages`` maps a field to the message for any value it rejects, or
    ``field:shape`` to what a field's pattern means (``id:shape`` -> ``like DEL001``).
    """
    path = Path(path)
    node, data = _compose(path)
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        line = node.start_mark.line + 1 if node is not None else 1
        raise ConfigError(f"{path}:{line}: expected a list of rules (- id: ..., category: ..., ...)")
    problems = _Problems(path)
    fields = tuple(entry_type.model_fields)
    first_line: dict[str, int] = {}
    rules: list[Built] = []
    for item, raw in zip(node.value, data, strict=True):
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            problems.add(line, f"each rule is a mapping of {', '.join(fields)}")
            continue
        keys = _keys(item)
        name = f"rule {raw['id']}" if isinstance(raw.get("id"), str) else "rule"
        for key_line, key in _duplicate_keys(item):
            problems.add(key_line, f"{name}: '{key}' is given twice")
        try:
            entry = entry_type.model_validate(raw)
        except ValidationError as error:
            seen: set[object] = set()
            for detail in error.errors():
                if detail["loc"][:1] not in seen:  # one problem per field: a union reports each branch
                    seen.add(detail["loc"][:1])
                    at, what = _entry_problem(detail, keys, line, fields, messages)
                    problems.add(at, f"{name}: {what}")
            continue
        if entry.id in first_line:
            problems.add(line, f"{name}: duplicate id (first defined at line {first_line[entry.id]})")
        first_line.setdefault(entry.id, line)
        built = _build_check(entry, keys, checks)
        if isinstance(built, tuple):
            problems.add(built[0], f"{name}: {built[1]}")
            continue
        try:
            rules.append(make(entry, built))
        except FieldProblem as problem:
            problems.add(keys.get(problem.field, (line,))[0], f"{name}: {problem}")
    problems.raise_if_any()
    return tuple(rules)


# ---- the rule table in the docs ---------------------------------------------------------------------


def markdown_table(rules: Iterable[TableRow]) -> str:
    """The rules as a Markdown table (id, verdict, category, technique, description), in file order."""
    rows = ["| id | verdict | category | ATT&CK | description |", "|---|---|---|---|---|"]
    for rule in rules:
        cells = (rule.id, rule.verdict, rule.category, rule.technique, rule.description)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def with_table(document: str, start_marker: str, end_marker: str, table: str) -> str:
    """``document`` with the text between the two markers replaced by ``table``."""
    start, end = document.find(start_marker), document.find(end_marker)
    if start < 0 or end < start:
        raise ValueError(f"the document has no '{start_marker}' ... '{end_marker}' section")
    return f"{document[: start + len(start_marker)]}\n{table}{document[end:]}"


def write_table_main(argv: list[str], module: str, update: Callable[[str], str]) -> int:
    """``python -m MODULE DOC.md``: write the rule table into DOC.md between its markers."""
    if len(argv) != 1:
        print(f"usage: python -m {module} DOC.md", file=sys.stderr)
        return 2
    target = Path(argv[0])
    try:
        target.write_text(update(target.read_text(encoding="utf-8")), encoding="utf-8")
    except (OSError, ValueError) as error:
        print(f"{target}: {error}", file=sys.stderr)
        return 1
    print(f"wrote the rule table in {target}")
    return 0
