"""NLC2CMD-style structural score: do two commands use the same utilities and flags?

Execution is the verdict; this is the fallback number recorded where execution cannot
decide. It follows the NeurIPS 2020 NLC2CMD competition metric (Agarwal et al., 2021):
utilities are compared position by position; a matching utility scores
``(1 + flag_score) / 2`` and a mismatch scores ``-1``; the sum is divided by the longer
utility sequence, so the score lies in [-1, 1]. ``flag_score`` is
``(2 * |shared flags| - |all flags|) / max(1, |pred flags|, |ref flags|)``, 1 when
neither has flags; it lies in [-2, 1], so a matching utility scores at least -0.5,
exactly as the competition's reference implementation computes it. Unlike the
competition we split grouped short options (``-la`` = ``-l -a``) and drop option
arguments, because grouping is style, not meaning.
"""

from __future__ import annotations

import functools
import shlex
from dataclasses import dataclass

import bashlex

from securecli_eval.sandbox.words import bashlex_trees, is_assignment

# utilities whose single-dash options are whole words (find -name), so never split them
_WORD_OPTION_UTILITIES = frozenset(
    {"find", "java", "gcc", "cc", "clang", "tcpdump", "iptables", "xmlstarlet"}
)
_PREFIX_WORDS = frozenset({"sudo", "env", "nohup", "time", "exec", "command", "builtin", "nice", "xargs"})
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SEPARATORS = frozenset({"|", "||", "&&", ";", "&", "|&", "(", ")", "{", "}", "!"})


@dataclass(frozen=True)
class UtilityCall:
    """One utility invocation: its name and the set of normalised flags it was given."""

    utility: str
    flags: frozenset[str]


@functools.lru_cache(maxsize=4096)
def utility_calls(command: str) -> tuple[UtilityCall, ...]:
    """Utilities in the order they appear (pipelines, lists, substitutions) with their flags."""
    try:
        word_lists = _word_lists_bashlex(command)
    except Exception:  # noqa: BLE001 - bashlex rejects much valid bash; fall back to shlex
        word_lists = _word_lists_shlex(command)
    calls: list[UtilityCall] = []
    for words in word_lists:
        calls.extend(_calls_from_words(words))
    return tuple(calls)


def _word_lists_bashlex(command: str) -> list[list[str]]:
    lists: list[list[str]] = []

    class Collector(bashlex.ast.nodevisitor):
        def visitcommand(self, node, parts):  # noqa: N802 - bashlex API name
            words = [part.word for part in parts if part.kind == "word"]
            if words:
                lists.append(words)

    trees = bashlex_trees(command)
    if trees is None:
        raise ValueError("bashlex cannot parse the command")
    for tree in trees:
        Collector().visit(tree)
    return lists


def _word_lists_shlex(command: str) -> list[list[str]]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;(){}")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        tokens = command.split()
    lists: list[list[str]] = [[]]
    for token in tokens:
        if token in _SEPARATORS or set(token) <= set("|&;(){}"):
            lists.append([])
        else:
            lists[-1].append(token)
    return [words for words in lists if words]


def _calls_from_words(words: list[str]) -> list[UtilityCall]:
    """Split off prefix words (sudo, xargs ...) as their own utilities, then read flags."""
    words = [word for word in words if not is_assignment(word)]
    calls: list[UtilityCall] = []
    while words:
        utility = words[0].rsplit("/", 1)[-1]
        if utility in _PREFIX_WORDS and len(words) > 1:
            rest = words[1:]
            flags = []
            while rest and rest[0].startswith("-"):
                flags.append(rest.pop(0))
            calls.append(UtilityCall(utility, frozenset(_normalise_flags(utility, flags))))
            words = rest
            continue
        calls.append(UtilityCall(utility, frozenset(_normalise_flags(utility, words[1:]))))
        break
    return calls


def _normalise_flags(utility: str, arguments: list[str]) -> list[str]:
    flags: list[str] = []
    for argument in arguments:
        if argument == "--":
            break
        if argument.startswith("--") and len(argument) > 2:
            flags.append(argument.split("=", 1)[0])
        elif argument.startswith("-") and len(argument) > 1 and not argument[1:].lstrip("-").isdigit():
            body = argument[1:]
            letters = body[: len(body) - len(body.lstrip(_LETTERS))]
            if utility in _WORD_OPTION_UTILITIES or not letters:
                flags.append(argument)
            else:  # -la => -l -a; -k2,2 and -n5 keep only the option letters
                flags.extend(f"-{letter}" for letter in letters)
    return flags


def flag_score(predicted: frozenset[str], reference: frozenset[str]) -> float:
    """NLC2CMD flag score in [-2, 1]: 1 for identical sets (or none at all)."""
    largest = max(1, len(predicted), len(reference))
    if not predicted and not reference:
        return 1.0
    return (2 * len(predicted & reference) - len(predicted | reference)) / largest


def structural_score(reference: str, prediction: str) -> float:
    """NLC2CMD score of ``prediction`` against ``reference``, in [-1, 1]."""
    reference_calls = utility_calls(reference)
    predicted_calls = utility_calls(prediction)
    length = max(len(reference_calls), len(predicted_calls))
    if length == 0:
        return 1.0 if reference.strip() == prediction.strip() else -1.0
    total = 0.0
    for index in range(length):
        if index >= len(reference_calls) or index >= len(predicted_calls):
            total -= 1.0
            continue
        ref, pred = reference_calls[index], predicted_calls[index]
        if ref.utility == pred.utility:
            total += (1.0 + flag_score(pred.flags, ref.flags)) / 2.0
        else:
            total -= 1.0
    return total / length
