"""The risk classifier: block, warn or allow one shell command, with the rule and ATT&CK technique.

``classify`` parses the command into the simple commands bash would run (``parse.py``) and
applies the rule table (``rules.yaml``, loaded by ``rules.py``) to each of them. The most severe
verdict wins; the first rule in table order names it. Text the parser cannot fully read still gets
a verdict: rules run on whatever the parser recovered, and if none fires the verdict is ``warn``
with rule ``UNPARSEABLE`` (bash might still run part of it, and the classifier cannot vouch for it).
Text the analysis cannot finish (nesting, size, work or time limits) is ``block`` with rule
``UNANALYSABLE``: what was not read cannot be vouched for, and an adversary controls the size.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

from securecli_eval.shell.checks import Hit, features
from securecli_eval.shell.parse import ParsedScript, SimpleCommand, parse_script

if TYPE_CHECKING:
    from securecli_eval.shell.rules import Rule

Verdict = Literal["block", "warn", "allow"]

UNPARSEABLE_RULE = "UNPARSEABLE"
UNANALYSABLE_RULE = "UNANALYSABLE"


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
    """For each program name, the rules that apply to it, most decisive first (block before warn, then
    table order), so the first rule that fires on a command is the one it would report."""

    by_program: dict[str, tuple[tuple[int, Rule], ...]]
    for_every_command: tuple[tuple[int, Rule], ...]
    _cache: dict[tuple[str, frozenset[str]], tuple[tuple[int, Rule], ...]] = field(default_factory=dict)

    def rules_for(self, program: str, have: frozenset[str]) -> tuple[tuple[int, Rule], ...]:
        """The rules that may fire on a command of ``program`` with the features ``have``."""
        key = (program if program in self.by_program else "", have)
        found = self._cache.get(key)
        if found is None:
            candidates = self.by_program.get(program, self.for_every_command)
            found = tuple((p, r) for p, r in candidates if r.needs is None or r.needs in have)
            self._cache[key] = found
        return found


@functools.cache
def _index() -> _Index:
    # imported here: loading the rules needs pydantic and yaml, which a plain import should not pay for
    from securecli_eval.shell.rules import default_rules

    rules = default_rules()
    decisive = sorted(range(len(rules)), key=lambda position: (-_SEVERITY[rules[position].verdict], position))
    priority = {rules[position].id: rank for rank, position in enumerate(decisive)}
    every = [rule for rule in rules if rule.programs is None]
    named = {program for rule in rules if rule.programs is not None for program in rule.programs}

    def ordered(selected: list[Rule]) -> tuple[tuple[int, Rule], ...]:
        return tuple(sorted(((priority[r.id], r) for r in selected), key=lambda pair: pair[0]))

    by_program = {
        program: ordered([*every, *(r for r in rules if r.programs is not None and program in r.programs)])
        for program in named
    }
    return _Index(by_program, ordered(every))


def _verdict_for(rule: Rule, detail: str) -> RiskVerdict:
    shown = detail if len(detail) <= 80 else detail[:77] + "..."
    shown = " ".join(shown.split())
    return RiskVerdict(rule.verdict, rule.id, rule.technique, rule.category, f"{rule.description}: {shown}")


CACHED_CHARS = 4096  # longer texts are judged without the cache (it must not hold megabytes of answers)


def classify(command: str) -> RiskVerdict:
    """Judge ``command``; never raises, whatever the text (a broken rules file is a ConfigError)."""
    if isinstance(command, str) and len(command) <= CACHED_CHARS:
        return _classify_cached(command)
    return _classify_guarded(command)


@functools.lru_cache(maxsize=65536)
def _classify_cached(command: str) -> RiskVerdict:
    return _classify_guarded(command)


def _classify_guarded(command: str) -> RiskVerdict:
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


def clear_caches() -> None:
    """Forget memoised verdicts, parses and path facts (benchmarks measure uncached work)."""
    from securecli_eval.shell import parse, paths

    _classify_cached.cache_clear()
    parse._parse_cached.cache_clear()
    for cached in (paths.norm_path, paths.path_tier, paths.glob_candidates, paths.persistence_kind):
        cached.cache_clear()


def unanalysable(why: str) -> RiskVerdict:
    return RiskVerdict("block", UNANALYSABLE_RULE, None, "unanalysable", f"analysis limit reached: {why}")


def _classify(command: str, index: _Index) -> RiskVerdict:
    if not isinstance(command, str):
        command = str(command)
    if not command.replace("\x00", "").strip():
        return RiskVerdict("allow", None, None, None, "empty command")
    script = parse_script(command)
    if script.limit is not None:
        return unanalysable(script.limit)
    return judge_script(script, index)


def judge_script(script: ParsedScript, index: _Index | None = None) -> RiskVerdict:
    """The verdict for an already parsed script: the most severe rule that fires on any of its commands."""
    index = index or _index()
    best: tuple[int, Rule, str] | None = None  # (priority: lower is more decisive, rule, detail)
    # a script of bare assignments (HISTFILE=/dev/null) runs no command, but script-level rules still apply
    for cmd in script.commands or (SimpleCommand(""),):
        hit: Hit | None = None
        have = features(cmd)
        for priority, rule in index.rules_for(cmd.program, have):
            if best is not None and priority >= best[0]:
                break  # the rest are less decisive than what already fired
            if hit is None:
                hit = Hit(cmd, script)
            detail = rule.check(hit)
            if detail:
                best = (priority, rule, str(detail))
                break
    if best is not None:
        return _verdict_for(best[1], best[2])
    if script.has_error:
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
