"""The behaviour rules: behaviour.yaml validated, compiled into checks, and rendered as the docs' table.

The same shape and the same strictness as the static rules (``shell/rules.py``; both are read
by ``shell/rulefile.py``): each entry names its verdict, ATT&CK technique and a check from
``behaviour_checks.py`` with that check's arguments; a mistake (an unknown field, check or
argument, a bad glob or secret kind, a duplicate id) is a one-line ``ConfigError`` naming
``file:line`` when the rules are first used.

    python -m securecli_eval.sandbox.behaviour_rules docs/behaviour.md   # regenerate the table there
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

from securecli_eval.sandbox.behaviour_checks import CHECKS, Check
from securecli_eval.shell.rulefile import RuleFields, Severity, load_rule_file, with_table, write_table_main
from securecli_eval.shell.rulefile import markdown_table as _markdown_table

RULES_FILE = Path(__file__).with_name("behaviour.yaml")
TABLE_START = "<!-- behaviour-rules:start -->"
TABLE_END = "<!-- behaviour-rules:end -->"

_MESSAGES = {
    "id:shape": "like BEXF001",
    "category:shape": "lower-case words joined by _",
    "mitre:shape": "an ATT&CK id like T1485",
    "description": "'description' must be one non-empty line",
}


@dataclass(frozen=True)
class BehaviourRule:
    id: str
    category: str
    technique: str
    verdict: Severity
    description: str
    check: Check
    check_name: str


def _make(entry: RuleFields, check: Check) -> BehaviourRule:
    return BehaviourRule(
        entry.id, entry.category, entry.mitre, entry.verdict, entry.description, check, entry.check
    )


def load_rules(path: str | Path) -> tuple[BehaviourRule, ...]:
    """Read, validate and compile a behaviour rules file; ConfigError naming ``file:line`` per mistake."""
    return load_rule_file(path, RuleFields, CHECKS, _make, _MESSAGES)


@functools.cache
def default_rules() -> tuple[BehaviourRule, ...]:
    """The packaged rules, loaded on first use."""
    return load_rules(RULES_FILE)


def markdown_table(rules: tuple[BehaviourRule, ...] | None = None) -> str:
    """The rules as a Markdown table (id, verdict, category, technique, description), in file order."""
    return _markdown_table(default_rules() if rules is None else rules)


def with_rule_table(document: str) -> str:
    """``document`` with the text between the behaviour-rules markers replaced by ``markdown_table()``."""
    return with_table(document, TABLE_START, TABLE_END, markdown_table())


if __name__ == "__main__":
    sys.exit(write_table_main(sys.argv[1:], "securecli_eval.sandbox.behaviour_rules", with_rule_table))
