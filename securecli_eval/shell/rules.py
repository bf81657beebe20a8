"""The risk rules: rules.yaml validated, compiled into checks, and rendered as the docs' rule table.

The rules are data so that a reviewer can read, diff and extend the policy without reading
Python: each entry names its verdict, ATT&CK technique, the programs it looks at and a check
from the registry in ``checks.py`` with that check's arguments. A mistake in the file (an unknown
check or argument, a bad verdict, a duplicate id) is a one-line ``ConfigError`` naming
``file:line``, raised when the rules are first used, not a silently missing rule.

    python -m securecli_eval.shell.rules docs/safety.md   # regenerate the rule table there
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import StrictStr

from securecli_eval.shell.checks import CHECKS, NEEDS, Check, Need
from securecli_eval.shell.rulefile import (
    FieldProblem,
    RuleFields,
    Severity,
    closest,
    load_rule_file,
    with_table,
    write_table_main,
)
from securecli_eval.shell.rulefile import markdown_table as _markdown_table
from securecli_eval.shell.vocabulary import vocabulary

RULES_FILE = Path(__file__).with_name("rules.yaml")
TABLE_START = "<!-- rules:start -->"
TABLE_END = "<!-- rules:end -->"


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


class RuleEntry(RuleFields):
    """One entry of rules.yaml as written: the shared fields and the programs it looks at."""

    programs: StrictStr | list[StrictStr] = "any"


_MESSAGES = {
    "id:shape": "like DEL001",
    "category:shape": "lower-case words joined by _",
    "mitre:shape": "an ATT&CK id like T1485",
    "description": "'description' must be one non-empty line",
    "programs": "'programs' must be a list of program names, a program set from the vocabulary, or 'any'",
}


def _programs(entry: RuleEntry) -> frozenset[str] | None:
    """None (every command) for ``any``, a vocabulary program set by name, or the listed names."""
    if isinstance(entry.programs, list):
        if not entry.programs or not all(entry.programs):
            raise FieldProblem(
                "programs", "'programs' must name at least one program; write 'any' for every command"
            )
        return frozenset(entry.programs)
    if entry.programs == "any":
        return None
    sets = vocabulary().programs
    if entry.programs not in sets:
        hint = closest(entry.programs, [*sets, "any"])
        raise FieldProblem(
            "programs",
            f"unknown program set '{entry.programs}'{hint} (sets: {', '.join(sorted(sets))}; "
            f"or write a list such as [{entry.programs}])",
        )
    return sets[entry.programs]


def _make(entry: RuleEntry, check: Check) -> Rule:
    return Rule(
        id=entry.id,
        category=entry.category,
        technique=entry.mitre,
        verdict=entry.verdict,
        description=entry.description,
        programs=_programs(entry),
        check=check,
        check_name=entry.check,
        needs=NEEDS.get(entry.check),
    )


def load_rules(path: str | Path) -> tuple[Rule, ...]:
    """Read, validate and compile a rules file; ConfigError naming ``file:line`` for every mistake."""
    return load_rule_file(path, RuleEntry, CHECKS, _make, _MESSAGES)


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
    return _markdown_table(default_rules() if rules is None else rules)


def with_rule_table(document: str) -> str:
    """``document`` with the text between the rules:start/end markers replaced by ``markdown_table()``."""
    return with_table(document, TABLE_START, TABLE_END, markdown_table())


if __name__ == "__main__":
    sys.exit(write_table_main(sys.argv[1:], "securecli_eval.shell.rules", with_rule_table))
