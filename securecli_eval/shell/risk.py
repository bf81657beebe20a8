"""The risk classifier: block, warn or allow one shell command, with the rule and ATT&CK technique.

``classify`` parses the command into the simple commands bash would run (``parse.py``) and
applies the rule table (``rules.yaml``, loaded by ``rules.py``) to each of them. The most severe
verdict wins; the first rule in table order names it. Text the parser cannot fully read still gets
a verdict: rules run on whatever the parser recovered, and if none fires the verdict is ``warn``
with rule ``UNPARSEABLE`` (bash might still run part of it, and the classifier cannot vouch for it).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

from securecli_eval.shell.checks import Hit
from securecli_eval.shell.parse import SimpleCommand, parse_script

if TYPE_CHECKING:
    from securecli_eval.shell.rules import Rule

Verdict = Literal["block", "warn", "allow"]

UNPARSEABLE_RULE = "UNPARSEABLE"
MAX_COMMAND_CHARS = 100_000  # longer input is judged on its first part and flagged unparseable


@dataclass(frozen=True)
class RiskVerdict:
    verdict: Verdict
    rule: str | None
    mitre: str | None
    category: str | None
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


_SEVERITY = {"block": 2, "warn": 1}


@dataclass(frozen=True)
class _Index:
    """The rules by program name, the rules for every command, and each rule's position in the table."""

    by_program: dict[str, list[Rule]]
    for_every_command: list[Rule]
    order: dict[str, int]


@functools.cache
def _index() -> _Index:
    # imported here: loading the rules needs pydantic and yaml, which a plain import should not pay for
    from securecli_eval.shell.rules import default_rules

    by_program: dict[str, list[Rule]] = {}
    for_every_command: list[Rule] = []
    for rule in default_rules():
        if rule.programs is None:
            for_every_command.append(rule)
        else:
            for program in rule.programs:
                by_program.setdefault(program, []).append(rule)
    return _Index(by_program, for_every_command, {rule.id: i for i, rule in enumerate(default_rules())})


def _verdict_for(rule: Rule, detail: str) -> RiskVerdict:
    shown = detail if len(detail) <= 80 else detail[:77] + "..."
    shown = " ".join(shown.split())
    return RiskVerdict(rule.verdict, rule.id, rule.technique, rule.category, f"{rule.description}: {shown}")


@functools.lru_cache(maxsize=65536)
def classify(command: str) -> RiskVerdict:
    """Judge ``command``; never raises, whatever the text (a broken rules file is a ConfigError)."""
    index = _index()  # outside the guard: a rules file that does not load must not read as "unparseable"
    try:
        return _classify(command, index)
    except Exception as error:  # noqa: BLE001 - a classifier bug must not crash the gate; it is surfaced
        return RiskVerdict(
            "warn",
            UNPARSEABLE_RULE,
            None,
            "unparseable",
            f"classifier could not analyse the command ({type(error).__name__})",
        )


def _classify(command: str, index: _Index) -> RiskVerdict:
    if not isinstance(command, str):
        command = str(command)
    truncated = len(command) > MAX_COMMAND_CHARS
    text = command[:MAX_COMMAND_CHARS].replace("\x00", " ")
    if not text.strip():
        return RiskVerdict("allow", None, None, None, "empty command")
    script = parse_script(text)
    by_program, for_every_command, order = index.by_program, index.for_every_command, index.order
    best: tuple[int, int, Rule, str] | None = None
    # a script of bare assignments (HISTFILE=/dev/null) runs no command, but script-level rules still apply
    for cmd in script.commands or (SimpleCommand(""),):
        hit = Hit(cmd, script)
        for rule in (*by_program.get(cmd.program, ()), *for_every_command):
            severity = _SEVERITY[rule.verdict]
            if best is not None and (severity, -order[rule.id]) <= (best[0], best[1]):
                continue
            detail = rule.check(hit)
            if detail:
                best = (severity, -order[rule.id], rule, str(detail))
    if best is not None:
        return _verdict_for(best[2], best[3])
    if script.has_error or truncated:
        return RiskVerdict(
            "warn",
            UNPARSEABLE_RULE,
            None,
            "unparseable",
            "not valid bash as far as the parser can tell; no rule fired on the parts it could read",
        )
    programs = sorted({c.program for c in script.commands if c.program})
    return RiskVerdict(
        "allow", None, None, None, f"no rule fired (runs: {', '.join(programs) or 'nothing'})"[:200]
    )


def rule_table() -> list[dict[str, str]]:
    """The rules as plain rows, for docs and ``securecli-eval risk --rules``."""
    from securecli_eval.shell.rules import default_rules

    return [
        {
            "id": r.id,
            "verdict": r.verdict,
            "category": r.category,
            "mitre": r.technique,
            "description": r.description,
            "programs": ", ".join(sorted(r.programs)) if r.programs is not None else "any",
        }
        for r in default_rules()
    ]
