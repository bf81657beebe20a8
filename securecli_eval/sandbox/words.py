"""A command as the program calls it would make: words after quote removal, and what they expand.

The fixture synthesiser needs to know which words a reference hands to which program (``grep
PATTERN FILE``, ``find DIR -name GLOB``) and which of them expand a variable (``$dir``). bashlex
gives both (a word's text without quotes, and its parameter expansions), plus input
redirections; ``find -exec ... ;`` and ``xargs CMD`` are split into calls of their own, and
command substitutions and loop bodies are walked. When bashlex cannot parse a command, shlex
words are used and a ``$`` anywhere marks a word as expanding something.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass

import bashlex

_PARAMETER = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])")
_SEPARATORS = frozenset({"|", "||", "&&", ";", "&", "|&", "(", ")", "{", "}", "!"})
_PREFIX_PROGRAMS = frozenset({"sudo", "env", "nohup", "time", "exec", "command", "builtin", "nice", "stdbuf"})
# xargs options whose value is the next word (-i, -l and -e take theirs attached, if any)
_XARGS_VALUE_OPTIONS = frozenset({"-I", "-L", "-n", "-P", "-s", "-d", "-E", "-a", "--delimiter"})


@dataclass(frozen=True)
class Word:
    """One argument: its text without quotes, and the parameters it expands (``dir``, ``1``, ``@``)."""

    text: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    """One program invocation: its name (basename), arguments, and files redirected into it."""

    program: str
    args: tuple[Word, ...]
    inputs: tuple[Word, ...] = ()

    def texts(self) -> list[str]:
        return [word.text for word in self.args]


@functools.lru_cache(maxsize=4096)
def calls(command: str) -> tuple[Call, ...]:
    """Every program invocation in ``command``, nested ones (``-exec``, ``xargs``, ``$(...)``) included."""
    try:
        raw = _calls_bashlex(command)
    except Exception:  # noqa: BLE001 - bashlex rejects much valid bash; fall back to shlex
        raw = _calls_shlex(command)
    result: list[Call] = []
    for call in raw:
        result.extend(_unwrap(call))
    return tuple(result)


@functools.lru_cache(maxsize=4096)
def bashlex_trees(command: str) -> tuple | None:
    """bashlex's parse of ``command``, shared by everyone who reads it (None when bashlex refuses)."""
    try:
        return tuple(bashlex.parse(command))
    except Exception:  # noqa: BLE001 - bashlex rejects much valid bash; callers fall back to shlex
        return None


def _calls_bashlex(command: str) -> list[Call]:
    found: list[Call] = []

    class Collector(bashlex.ast.nodevisitor):
        def visitcommand(self, node, parts):  # noqa: N802 - bashlex API name
            words = [_word(part) for part in parts if part.kind == "word"]
            inputs = [
                _word(part.output)
                for part in parts
                if part.kind == "redirect" and part.type in ("<", "<>") and hasattr(part.output, "word")
            ]
            words = [word for word in words if not is_assignment(word.text)]
            if words:
                found.append(Call(words[0].text.rsplit("/", 1)[-1], tuple(words[1:]), tuple(inputs)))

    trees = bashlex_trees(command)
    if trees is None:
        raise ValueError("bashlex cannot parse the command")
    for tree in trees:
        Collector().visit(tree)
    return found


def _word(node) -> Word:  # noqa: ANN001 - a bashlex node
    parameters: list[str] = []

    def visit(part) -> None:  # noqa: ANN001
        if part.kind == "parameter":
            parameters.append(str(part.value).split("[")[0].lstrip("!#"))
        for child in getattr(part, "parts", []) or []:
            visit(child)

    for part in getattr(node, "parts", []) or []:
        visit(part)
    return Word(node.word, tuple(parameters))


def _calls_shlex(command: str) -> list[Call]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;(){}<>")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError:
        tokens = command.split()
    found: list[Call] = []
    words: list[Word] = []
    inputs: list[Word] = []
    redirect_in = redirect_out = False
    for token in [*tokens, ";"]:
        if token in _SEPARATORS or set(token) <= set("|&;(){}"):
            words = [word for word in words if not is_assignment(word.text)]
            if words:
                found.append(Call(words[0].text.rsplit("/", 1)[-1], tuple(words[1:]), tuple(inputs)))
            words, inputs = [], []
            continue
        if token in ("<", ">", ">>"):
            redirect_in, redirect_out = token == "<", token != "<"
            continue
        word = Word(token, tuple(match.group(1) for match in _PARAMETER.finditer(token)))
        if redirect_in:
            inputs.append(word)
        elif not redirect_out:
            words.append(word)
        redirect_in = redirect_out = False
    return found


def _unwrap(call: Call) -> list[Call]:
    """Split wrappers off: ``sudo cmd``, ``xargs [opts] cmd``, ``find ... -exec cmd {} ;``."""
    program, args = call.program, list(call.args)
    if program in _PREFIX_PROGRAMS and args:
        while args and (args[0].text.startswith("-") or is_assignment(args[0].text)):
            args.pop(0)
        if args:
            return _unwrap(Call(args[0].text.rsplit("/", 1)[-1], tuple(args[1:]), call.inputs))
        return [call]
    if program == "xargs":
        while args and args[0].text.startswith("-"):
            option = args.pop(0).text
            if option in _XARGS_VALUE_OPTIONS and args:
                args.pop(0)
        inner = [Call(args[0].text.rsplit("/", 1)[-1], tuple(args[1:]))] if args else []
        return [Call("xargs", (), call.inputs), *(c for i in inner for c in _unwrap(i))]
    if program == "find":
        own: list[Word] = []
        nested: list[Call] = []
        index = 0
        while index < len(args):
            text = args[index].text
            if text in ("-exec", "-execdir", "-ok", "-okdir") and index + 1 < len(args):
                end = index + 1
                while end < len(args) and args[end].text not in (";", "+", "\\;"):
                    end += 1
                body = args[index + 1 : end]
                if body:
                    nested.extend(_unwrap(Call(body[0].text.rsplit("/", 1)[-1], tuple(body[1:]))))
                own.append(args[index])
                index = end + 1
                continue
            own.append(args[index])
            index += 1
        return [Call("find", tuple(own), call.inputs), *nested]
    return [call]


def is_assignment(text: str) -> bool:
    """``NAME=value``: a variable assignment, not a word of the command."""
    name, equals, _ = text.partition("=")
    return bool(equals) and name.isidentifier()
