"""What a command needs that the sandbox does not give it, and other facts read from its syntax tree.

NL2Bash commands are often lines of a script: ``find "$1" -name "$pattern"``. Run alone,
``$1`` and ``$pattern`` expand to nothing, and the command does something else (``find ""``
fails; ``rm -rf "$dir/"*`` would empty the work dir). Two such commands "agree" for the
wrong reason, so a pair where either side reads a variable that nothing sets is undecided.
Found statically with tree-sitter-bash: an expansion of a name that is neither in the
sandbox's environment, nor a shell variable bash sets itself, nor assigned anywhere in the
command (assignment, ``for``, ``read``, ``declare``...), and has no default (``${x:-y}``).

The same tree tells whether a command leaves work running in the background (``cmd &``: what
it did depends on when the sandbox ended) and whether it parses at all, without starting
``bash -n`` for the many commands that plainly do.
"""

from __future__ import annotations

import functools

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from securecli_eval.sandbox.bwrap import SANDBOX_ENV

# variables bash or the sandbox sets for every command
_ALWAYS_SET = frozenset(SANDBOX_ENV) | frozenset(
    {
        "PWD", "OLDPWD", "RANDOM", "SECONDS", "LINENO", "HOSTNAME", "HOSTTYPE", "OSTYPE", "MACHTYPE",
        "UID", "EUID", "PPID", "IFS", "SHLVL", "BASH", "BASHPID", "BASH_VERSION", "BASH_VERSINFO",
        "BASH_SOURCE", "BASH_LINENO", "BASH_COMMAND", "BASH_SUBSHELL", "BASH_ARGV", "BASH_ARGC",
        "FUNCNAME", "GROUPS", "PIPESTATUS", "DIRSTACK", "OPTIND", "OPTERR", "PS4", "REPLY",
        "EPOCHSECONDS", "EPOCHREALTIME", "SRANDOM", "_", "0",
    }
)  # fmt: skip
# special parameters that are set (possibly empty) whatever the script does
_SPECIAL_SET = frozenset({"?", "$", "!", "-", "#", "0", "_"})
# defaults and alternatives: ${x:-y} ${x-y} ${x:=y} ${x=y} ${x:+y} ${x+y} ${x:?msg}
_DEFAULT_OPERATORS = frozenset({":-", "-", ":=", "=", ":+", "+", ":?", "?"})
# builtins whose plain word arguments are names they assign
_ASSIGNING_BUILTINS = frozenset({"read", "mapfile", "readarray", "getopts", "local", "declare", "typeset"})


@functools.lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(Language(tree_sitter_bash.language()))


@functools.lru_cache(maxsize=4096)
def _tree(command: str) -> Node:
    return _parser().parse(command.encode("utf-8", errors="replace")).root_node


def parses_cleanly(command: str) -> bool:
    """True when tree-sitter-bash reads the command without an error node.

    Bash then accepts it too (on NL2Bash's 12,000 commands, one exception in 11,946); when
    this says False, only ``bash -n`` can tell, so the caller asks it.
    """
    return not _tree(command).has_error


def runs_in_background(command: str) -> bool:
    """Whether the command sends work to the background with ``&`` (not ``&&``, ``&>``, ``>&``)."""
    stack = [_tree(command)]
    while stack:
        node = stack.pop()
        for child in node.children:
            if child.type == "&":
                return True
            stack.append(child)
    return False


@functools.lru_cache(maxsize=4096)
def unset_variables(command: str) -> tuple[str, ...]:
    """Names (``1``, ``@``, ``dir``) the command expands although nothing sets them, in order."""
    assigned: set[str] = set()
    used: list[str] = []
    _collect(_tree(command), assigned, used)
    unset = [name for name in used if name not in assigned and name not in _ALWAYS_SET]
    return tuple(dict.fromkeys(unset))


def _collect(node: Node, assigned: set[str], used: list[str]) -> None:
    kind = node.type
    if kind in ("variable_assignment", "for_statement"):
        name = node.child_by_field_name("name") or node.child_by_field_name("variable")
        if name is not None:
            assigned.add(_text(name))
    elif kind == "declaration_command":
        for child in node.children:
            if child.type == "variable_name":
                assigned.add(_text(child))
    elif kind == "command":
        _assigning_builtin(node, assigned)
    elif kind == "simple_expansion":
        _used_name(node, used)
        return
    elif kind == "expansion":
        if not any(child.type in _DEFAULT_OPERATORS for child in node.children):
            _used_name(node, used)
        return
    elif kind in ("raw_string", "arithmetic_expansion", "heredoc_body"):
        return
    for child in node.children:
        _collect(child, assigned, used)


def _assigning_builtin(node: Node, assigned: set[str]) -> None:
    name = node.child_by_field_name("name")
    program = _text(name) if name is not None else ""
    if program in _ASSIGNING_BUILTINS:
        for argument in node.children_by_field_name("argument"):
            text = _text(argument)
            if text and not text.startswith("-") and text.replace("_", "a").isalnum():
                assigned.add(text)
        if program == "read":
            assigned.add("REPLY")
    elif program == "printf":
        words = [_text(argument) for argument in node.children_by_field_name("argument")]
        if len(words) > 1 and words[0] == "-v":
            assigned.add(words[1])


def _used_name(node: Node, used: list[str]) -> None:
    for child in node.children:
        if child.type == "subscript":
            child = child.child_by_field_name("name") or child
        if child.type == "variable_name":
            used.append(_text(child))
            return
        if child.type == "special_variable_name":
            name = _text(child)
            if name not in _SPECIAL_SET:
                used.append(name)  # $@ and $*: the arguments of a script nobody called with any
            return


def _text(node: Node) -> str:
    return node.text.decode("utf-8", errors="replace") if node.text else ""
