"""Bash text -> syntax tree, read the way bash reads it: one pass, no backtracking, bounded nesting.

The classifier has to see what bash would see, including the parts that decide what runs only at
expansion time (``r${u}m``, ``{a,b}``, ``$'\\x72m'``), so words keep their structure here: which
characters were quoted, which parts are parameter expansions, command substitutions or arithmetic.
Expansion itself is ``expand.py``; walking the tree in execution order is ``parse.py``.

Why a hand-written reader and not a generic parser: it runs in time linear in the input (no error
recovery that backtracks), every syntactic nesting is counted (deeper than ``MAX_NESTING`` raises
``AnalysisLimit``, which the classifier turns into a ``block``), and it follows bash on the points
that matter for safety: heredoc bodies, ``! !`` negation, redirections without a command,
backticks, ``$'...'``, reserved words only in command position. A syntax error is recorded
(``errors``) and reading resumes after it, so the readable parts of a broken line are still judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

MAX_NESTING = 48  # compound commands and substitutions inside each other; deeper is not analysed
MAX_SIMPLE_COMMANDS = 10_000  # simple commands in one text; no real answer comes near it


class AnalysisLimit(Exception):
    """The text exceeds what the analysis handles (nesting, size, work); judged ``UNANALYSABLE``."""


# ---- words ----------------------------------------------------------------------------------------


class Lit(NamedTuple):
    """Unquoted literal text: subject to brace expansion, tilde expansion and globbing."""

    text: str


class Quoted(NamedTuple):
    """Literal text that was quoted or escaped: taken as it is."""

    text: str


class Param(NamedTuple):
    """``$name`` or ``${...}``: ``prefix`` is ``#`` (length) or ``!`` (indirection), ``op`` the operator."""

    name: str
    quoted: bool
    index: str | None = None  # the subscript of name[...], as written
    prefix: str = ""
    op: str = ""
    arg: tuple | None = None  # a Word (the operand), or the raw offset text for ":" (substring)
    arg2: tuple | None = None  # the replacement of ``/``, or the raw length text of ``:``


class CmdSub(NamedTuple):
    """``$(...)`` or backticks: the script whose output becomes (part of) the word."""

    script: Script
    quoted: bool


class Arith(NamedTuple):
    """``$((...))``: the expression, as written."""

    text: str
    quoted: bool


class ProcSub(NamedTuple):
    """``<(...)`` or ``>(...)``: the script runs, the word becomes a ``/dev/fd`` path."""

    script: Script
    direction: str


Part = Lit | Quoted | Param | CmdSub | Arith | ProcSub
Word = tuple  # of Part


# ---- commands -------------------------------------------------------------------------------------


@dataclass(slots=True)
class HereDoc:
    delimiter: str
    quoted: bool  # a quoted delimiter: the body is literal, no expansion
    strip_tabs: bool
    body: Word = ()


@dataclass(slots=True)
class Redir:
    op: str  # as written: > >> < <> >| >& <& &> &>> <<< << <<-
    fd: str | None
    target: Word | None  # None for a heredoc
    heredoc: HereDoc | None = None


@dataclass(slots=True)
class Assign:
    name: str
    value: Word | None  # None for an array assignment
    array: list[Word] | None = None
    index: str | None = None
    append: bool = False


@dataclass(slots=True)
class Simple:
    assigns: list[Assign]
    words: list[Word]
    redirs: list[Redir]
    source: str = ""  # the text the command was read from, for alias expansion
    rest: int = 0  # offset in ``source`` where the words after the first one start
    end: int = 0
    decls: list[Assign] = field(default_factory=list)  # NAME=value operands of declare/export/local


@dataclass(slots=True)
class Group:
    body: Script
    subshell: bool
    redirs: list[Redir] = field(default_factory=list)


@dataclass(slots=True)
class If:
    branches: list[tuple[Script, Script]]
    orelse: Script | None
    redirs: list[Redir] = field(default_factory=list)


@dataclass(slots=True)
class Loop:
    cond: Script
    body: Script
    redirs: list[Redir] = field(default_factory=list)
    until: bool = False  # `until COND` loops while COND fails


@dataclass(slots=True)
class For:
    var: str
    items: list[Word] | None  # None: "$@"
    body: Script
    redirs: list[Redir] = field(default_factory=list)


@dataclass(slots=True)
class Case:
    word: Word
    arms: list[tuple[list[Word], Script]]
    redirs: list[Redir] = field(default_factory=list)


@dataclass(slots=True)
class Arithmetic:
    """``(( ... ))`` and ``for (( ...; ...; ... ))`` headers: run nothing but may expand words."""

    text: str
    body: Script | None = None
    redirs: list[Redir] = field(default_factory=list)


@dataclass(slots=True)
class Cond:
    """``[[ ... ]]``: tests only, but its words are expanded (substitutions run)."""

    words: list[Word]
    redirs: list[Redir] = field(default_factory=list)


@dataclass(slots=True)
class FuncDef:
    name: str
    body: Command


Command = Simple | Group | If | Loop | For | Case | Arithmetic | Cond | FuncDef


@dataclass(slots=True)
class Pipeline:
    commands: list[Command]
    negated: bool = False


@dataclass(slots=True)
class AndOr:
    pipelines: list[Pipeline]


@dataclass(slots=True)
class Script:
    items: list[tuple[AndOr, bool]] = field(default_factory=list)  # (list, run in the background)


# ---- the reader -----------------------------------------------------------------------------------

_BLANK = " \t\r"
_META = frozenset(" \t\r\n|&;<>()")
_PLAIN = re.compile(r"[^ \t\r\n|&;<>()\\'\"$`]+")
_ESCAPED = re.compile(r"(?:\\[^\n])+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?=)")
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!0-]")
_PARAM_OP = re.compile(r":[-=?+]|[-=?+]|##|#|%%|%|//|/#|/%|/|\^\^|\^|,,|,|:|@")
_OPERATORS = (
    ";;&",
    "&>>",
    "<<<",
    "<<-",
    "&&",
    "||",
    ";;",
    ";&",
    "|&",
    "&>",
    "<<",
    "<&",
    "<>",
    ">&",
    ">>",
    ">|",
    "&",
    ";",
    "|",
    "(",
    ")",
    "<",
    ">",
    "\n",
)
_OPERATOR = re.compile("|".join(re.escape(op) for op in _OPERATORS))
_BLANKS = re.compile(r"(?:[ \t\r]+|\\\n|#[^\n]*)*")
_REDIRECTS = frozenset({"&>>", "<<<", "<<-", "&>", "<<", "<&", "<>", ">&", ">>", ">|", "<", ">"})
_DECLARATIONS = frozenset({"declare", "typeset", "local", "export", "readonly"})
_CLOSERS = frozenset({"then", "elif", "else", "fi", "do", "done", "esac", "}"})
_FD = re.compile(r"[0-9]+(?=[<>])|\{[A-Za-z_][A-Za-z0-9_]*\}(?=[<>])")
_FUNCTION_NAME = re.compile(r"[^ \t\r\n|&;<>()\\'\"$`]+")
_TOKEN = re.compile(r"[^ \t\r\n]*")
_RESERVED = re.compile(
    r"(if|then|elif|else|fi|do|done|case|esac|while|until|for|select|function|in|time|coproc|\{|\}|!|\[\[)"
    r"(?=[ \t\r\n;&|()<>]|$)"
)
_ANSI_C = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)", re.DOTALL)
_ANSI_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f"}
_ANSI_SIMPLE |= {"v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def decode_ansi_c(body: str) -> str:
    """The value of ``$'...'`` (and of ``printf``/``echo -e`` escapes): ``\\x72`` -> ``r``."""

    def replace(match: re.Match[str]) -> str:
        esc = match.group(1)
        head = esc[0]
        try:
            if head in "xuU":
                return chr(int(esc[1:], 16))
            if head.isdigit():
                return chr(int(esc, 8) & 0xFF)
        except (ValueError, OverflowError):
            return esc
        if head == "c":
            return chr(ord(esc[1]) & 0x1F)
        return _ANSI_SIMPLE.get(esc, "\\" + esc)

    return _ANSI_C.sub(replace, body) if "\\" in body else body


class Reader:
    """One pass over ``text``; ``errors`` lists the syntax errors found (reading resumes after each)."""

    def __init__(self, text: str, nesting: int = 0) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.errors: list[str] = []
        self.pending: list[HereDoc] = []
        self.nesting = nesting
        self.simple_commands = 0

    # ---- entry ------------------------------------------------------------------------------------
    def script(self) -> Script:
        result = self._list(frozenset(), frozenset())
        while self.i < self.n:  # a stray `)`, `fi`, `;;` ...: skip it and read on
            self._error(f"unexpected {self._token_text()!r}")
            self._skip_token()
            more = self._list(frozenset(), frozenset())
            result.items.extend(more.items)
        if self.pending:
            self._read_heredocs()
        return result

    # ---- low level --------------------------------------------------------------------------------
    def _error(self, what: str) -> None:
        if len(self.errors) < 20:
            self.errors.append(f"{what} at offset {self.i}")

    def _enter(self) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise AnalysisLimit(f"nesting deeper than {MAX_NESTING}")

    def _blanks(self) -> None:
        """Skip blanks, line continuations and a comment (up to, not including, the newline)."""
        self.i = _BLANKS.match(self.s, self.i).end()  # type: ignore[union-attr]

    def _newlines(self) -> None:
        """Skip blanks, comments and newlines (reading heredoc bodies after each newline)."""
        while True:
            self._blanks()
            if self.i < self.n and self.s[self.i] == "\n":
                self.i += 1
                if self.pending:
                    self._read_heredocs()
            else:
                return

    def _op(self) -> str | None:
        """The operator at the current position (after blanks), without consuming it."""
        i = _BLANKS.match(self.s, self.i).end()  # type: ignore[union-attr]
        self.i = i
        m = _OPERATOR.match(self.s, i)
        return m.group() if m else None

    def _reserved(self) -> str | None:
        self._blanks()
        m = _RESERVED.match(self.s, self.i)
        return m.group(1) if m else None

    def _token_text(self) -> str:
        op = self._op()
        if op is not None:
            return op
        m = _TOKEN.match(self.s, self.i)
        return (m.group() if m else "")[:20]

    def _skip_token(self) -> None:
        op = self._op()
        if op is not None:
            self.i += len(op)
            if op == "\n" and self.pending:
                self._read_heredocs()
            return
        before = self.i
        if self._word() is None or self.i == before:
            self.i += 1

    # ---- lists ------------------------------------------------------------------------------------
    def _list(self, words: frozenset[str], ops: frozenset[str]) -> Script:
        """Commands up to a reserved word in ``words``, an operator in ``ops`` or ``)`` (not consumed)."""
        items: list[tuple[AndOr, bool]] = []
        while True:
            self._newlines()
            if self.i >= self.n:
                break
            op = self._op()
            if op is not None and (op in ops or op == ")"):
                break
            reserved = self._reserved()
            if reserved is not None and reserved in words:
                break
            if op in (";", "&", ";;", ";&", ";;&", "|", "||", "&&", "|&"):
                self._error(f"unexpected {op!r}")
                self.i += len(op)
                continue
            if reserved in _CLOSERS:
                if words or ops:
                    break  # the enclosing construct reports what it expected
                self._error(f"unexpected {reserved!r}")
                self.i += len(reserved)
                continue
            before = self.i
            and_or = self._and_or()
            if and_or is None:
                if self.i == before:
                    self._error(f"unexpected {self._token_text()!r}")
                    self._skip_token()
                continue
            op = self._op()
            background = op == "&"
            if op in (";", "&"):
                self.i += 1
            elif op == "\n":
                self.i += 1
                if self.pending:
                    self._read_heredocs()
            items.append((and_or, background))
        return Script(items)

    def _and_or(self) -> AndOr | None:
        first = self._pipeline()
        if first is None:
            return None
        pipelines = [first]
        while True:
            op = self._op()
            if op not in ("&&", "||"):
                break
            self.i += 2
            self._newlines()
            nxt = self._pipeline()
            if nxt is None:
                self._error(f"nothing after {op!r}")
                break
            pipelines.append(nxt)
        return AndOr(pipelines)

    def _pipeline(self) -> Pipeline | None:
        negated = False
        while True:
            reserved = self._reserved()
            if reserved == "!":
                negated = not negated
                self.i += 1
            elif reserved == "time":
                self.i += 4
                self._blanks()
                if self.s.startswith("-p", self.i) and (self.i + 2 >= self.n or self.s[self.i + 2] in _META):
                    self.i += 2
            else:
                break
        first = self._command()
        if first is None:
            return None
        commands = [first]
        while True:
            op = self._op()
            if op not in ("|", "|&"):
                break
            self.i += len(op)
            self._newlines()
            nxt = self._command()
            if nxt is None:
                self._error(f"nothing after {op!r}")
                break
            commands.append(nxt)
        return Pipeline(commands, negated)

    # ---- commands ---------------------------------------------------------------------------------
    def _command(self) -> Command | None:
        reserved = self._reserved()
        if reserved is not None:
            compound = self._compound(reserved)
            if compound is not None:
                return compound
            if reserved in _CLOSERS:
                return None
        op = self._op()
        if op == "(":
            self._enter()
            try:
                if self.s.startswith("((", self.i):
                    arith = self._arith_command()
                    if arith is not None:
                        return arith
                self.i += 1
                body = self._list(frozenset(), frozenset({")"}))
                if self._op() == ")":
                    self.i += 1
                else:
                    self._error("unclosed '('")
                return self._with_redirects(Group(body, subshell=True))
            finally:
                self.nesting -= 1
        return self._simple()

    def _with_redirects(self, command: Group | If | Loop | For | Case | Arithmetic | Cond) -> Command:
        while True:
            redir = self._maybe_redirect()
            if redir is None:
                return command
            command.redirs.append(redir)

    def _expect(self, word: str) -> bool:
        self._newlines()
        if self._reserved() == word:
            self.i += len(word)
            return True
        self._error(f"expected {word!r}")
        return False

    def _compound(self, reserved: str) -> Command | None:
        if reserved not in ("if", "while", "until", "for", "select", "case", "{", "[[", "function", "coproc"):
            return None
        self._enter()
        try:
            self.i += len(reserved)
            if reserved == "if":
                return self._with_redirects(self._if())
            if reserved in ("while", "until"):
                cond = self._list(frozenset({"do"}), frozenset())
                body = self._do_done()
                return self._with_redirects(Loop(cond, body, until=reserved == "until"))
            if reserved in ("for", "select"):
                return self._with_redirects(self._for())
            if reserved == "case":
                return self._with_redirects(self._case())
            if reserved == "{":
                body = self._list(frozenset({"}"}), frozenset())
                self._expect("}")
                return self._with_redirects(Group(body, subshell=False))
            if reserved == "[[":
                return self._with_redirects(self._cond())
            if reserved == "coproc":
                self._blanks()
                m = _NAME.match(self.s, self.i)
                if m and re.match(r"[ \t]*[{(]", self.s[m.end() : m.end() + 8]):
                    self.i = m.end()
                inner = self._command()
                return inner if inner is not None else Group(Script(), subshell=True)
            return self._function_keyword()
        finally:
            self.nesting -= 1

    def _if(self) -> If:
        branches: list[tuple[Script, Script]] = []
        orelse: Script | None = None
        cond = self._list(frozenset({"then"}), frozenset())
        self._expect("then")
        body = self._list(frozenset({"elif", "else", "fi"}), frozenset())
        branches.append((cond, body))
        while True:
            self._newlines()
            reserved = self._reserved()
            if reserved == "elif":
                self.i += 4
                cond = self._list(frozenset({"then"}), frozenset())
                self._expect("then")
                body = self._list(frozenset({"elif", "else", "fi"}), frozenset())
                branches.append((cond, body))
            elif reserved == "else":
                self.i += 4
                orelse = self._list(frozenset({"fi"}), frozenset())
            else:
                self._expect("fi")
                return If(branches, orelse)

    def _do_done(self) -> Script:
        self._newlines()
        if self._reserved() == "{":  # for x in a; { ...; } is accepted by bash
            self.i += 1
            body = self._list(frozenset({"}"}), frozenset())
            self._expect("}")
            return body
        self._expect("do")
        body = self._list(frozenset({"done"}), frozenset())
        self._expect("done")
        return body

    def _for(self) -> For | Arithmetic:
        self._blanks()
        if self.s.startswith("((", self.i):
            end = self._matching_double_paren(self.i + 2)
            text = self.s[self.i + 2 : end if end >= 0 else self.n]
            self.i = end + 2 if end >= 0 else self.n
            if end < 0:
                self._error("unclosed '(('")
            self._blanks()
            if self._op() == ";":
                self.i += 1
            body = self._do_done()
            return Arithmetic(text, body)
        m = _NAME.match(self.s, self.i)
        var = ""
        if m:
            var = m.group()
            self.i = m.end()
        else:
            self._error("expected a variable name after 'for'")
        items: list[Word] | None = None
        self._newlines()
        if self._reserved() == "in":
            self.i += 2
            items = []
            while True:
                self._blanks()
                op = self._op()
                if op is not None or self.i >= self.n:
                    break
                word = self._word()
                if word is None:
                    break
                items.append(word)
            op = self._op()
            if op in (";", "\n"):
                self.i += 1
                if op == "\n" and self.pending:
                    self._read_heredocs()
        else:
            if self._op() == ";":
                self.i += 1
        body = self._do_done()
        return For(var, items, body)

    def _case(self) -> Case:
        self._blanks()
        word = self._word() or ()
        self._newlines()
        if self._reserved() == "in":
            self.i += 2
        else:
            self._error("expected 'in'")
        arms: list[tuple[list[Word], Script]] = []
        while True:
            self._newlines()
            if self.i >= self.n:
                self._error("unclosed 'case'")
                break
            if self._reserved() == "esac":
                self.i += 4
                break
            if self._op() == "(":
                self.i += 1
            patterns: list[Word] = []
            while True:
                self._blanks()
                pattern = self._word()
                if pattern is None:
                    break
                patterns.append(pattern)
                self._blanks()
                if self._op() == "|":
                    self.i += 1
                    continue
                break
            if self._op() == ")":
                self.i += 1
            else:
                self._error("expected ')' in a case pattern")
                if not patterns:
                    self._skip_token()
                    continue
            body = self._list(frozenset({"esac"}), frozenset({";;", ";&", ";;&"}))
            arms.append((patterns, body))
            op = self._op()
            if op in (";;", ";&", ";;&"):
                self.i += len(op)
        return Case(word, arms)

    def _cond(self) -> Cond:
        words: list[Word] = []
        while True:
            self._newlines()
            if self.i >= self.n:
                self._error("unclosed '[['")
                break
            if self.s.startswith("]]", self.i) and (self.i + 2 >= self.n or self.s[self.i + 2] in _META):
                self.i += 2
                break
            op = self._op()
            if op is not None:
                self.i += len(op) if op != "\n" else 1
                continue
            word = self._word()
            if word is None:
                self.i += 1
                continue
            words.append(word)
        return Cond(words)

    def _function_keyword(self) -> Command | None:
        self._blanks()
        m = _FUNCTION_NAME.match(self.s, self.i)
        if not m:
            self._error("expected a function name")
            return None
        name = m.group()
        self.i = m.end()
        self._blanks()
        if self.s.startswith("()", self.i):
            self.i += 2
        elif self.s.startswith("(", self.i):
            self.i += 1
            self._blanks()
            if self._op() == ")":
                self.i += 1
        self._newlines()
        body = self._command()
        if body is None:
            self._error("function without a body")
            return None
        return FuncDef(name, body)

    def _arith_command(self) -> Arithmetic | None:
        end = self._matching_double_paren(self.i + 2)
        if end < 0:
            return None
        text = self.s[self.i + 2 : end]
        self.i = end + 2
        return self._with_redirects(Arithmetic(text))  # type: ignore[return-value]

    def _matching_double_paren(self, start: int) -> int:
        """Index of the ``))`` closing an arithmetic expression that starts at ``start``, or -1."""
        depth = 0
        s, n, i = self.s, self.n, start
        while i < n:
            c = s[i]
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    return i if i + 1 < n and s[i + 1] == ")" else -1
                depth -= 1
            i += 1
        return -1

    def _simple(self) -> Command | None:
        assigns: list[Assign] = []
        decls: list[Assign] = []
        words: list[Word] = []
        redirs: list[Redir] = []
        rest = self.i
        declaration = False
        while True:
            self._blanks()
            if self.i >= self.n:
                break
            c = self.s[self.i]
            if c in "|&;()\n":
                if c == "&" and self.s.startswith("&>", self.i):
                    redirs.append(self._redirect(None))
                    continue
                if c == "(" and len(words) == 1 and not assigns and not redirs:
                    return self._function_parens(words[0])
                if c == "(":
                    self._error("unexpected '('")
                    self._skip_parenthesised()
                    continue
                break
            if c in "<>" and not self.s.startswith("(", self.i + 1):
                redirs.append(self._redirect(None))
                continue
            if not words or (declaration and len(words) >= 1):
                m = _ASSIGNMENT.match(self.s, self.i)
                if m:
                    (decls if words else assigns).append(self._assignment(m))
                    continue
            if c.isdigit() or c == "{":
                fd = _FD.match(self.s, self.i)
                if fd:
                    self.i = fd.end()
                    redirs.append(self._redirect(fd.group()))
                    continue
            word = self._word()
            if word is None:
                break
            words.append(word)
            if len(words) == 1:
                rest = self.i
                declaration = len(word) == 1 and type(word[0]) is Lit and word[0].text in _DECLARATIONS
        if not assigns and not words and not redirs:
            return None
        self.simple_commands += 1
        if self.simple_commands > MAX_SIMPLE_COMMANDS:
            raise AnalysisLimit(f"more than {MAX_SIMPLE_COMMANDS} simple commands")
        return Simple(assigns, words, redirs, self.s, rest, self.i, decls)

    def _function_parens(self, name_word: Word) -> Command | None:
        self.i += 1
        self._blanks()
        if self._op() == ")":
            self.i += 1
        else:
            self._error("expected ')' after a function name")
        name = "".join(p.text for p in name_word if isinstance(p, Lit | Quoted))
        self._newlines()
        self._enter()
        try:
            body = self._command()
        finally:
            self.nesting -= 1
        if body is None:
            self._error("function without a body")
            return None
        return FuncDef(name, body)

    def _skip_parenthesised(self) -> None:
        """Skip a stray ``( ... )`` inside a command (a syntax error in bash)."""
        depth = 0
        while self.i < self.n:
            c = self.s[self.i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth <= 0:
                    self.i += 1
                    return
            elif c == "\n" and depth <= 0:
                return
            self.i += 1

    def _assignment(self, m: re.Match[str]) -> Assign:
        name, index, op = m.group(1), m.group(2), m.group(3)
        self.i = m.end()
        append = op == "+="
        if self.i < self.n and self.s[self.i] == "(":
            self.i += 1
            values: list[Word] = []
            self._enter()
            try:
                while True:
                    self._newlines()
                    if self.i >= self.n:
                        self._error("unclosed array")
                        break
                    if self.s[self.i] == ")":
                        self.i += 1
                        break
                    word = self._word()
                    if word is None:
                        self.i += 1
                        continue
                    values.append(word)
            finally:
                self.nesting -= 1
            return Assign(name, None, values, index[1:-1] if index else None, append)
        value = self._word() or ()
        return Assign(name, value, None, index[1:-1] if index else None, append)

    def _redirect(self, fd: str | None) -> Redir:
        op = self._op() or ">"
        self.i += len(op)
        self._blanks()
        if op in ("<<", "<<-"):
            start = self.i
            word = self._word() or ()
            raw = self.s[start : self.i]
            delimiter = "".join(p.text for p in word if isinstance(p, Lit | Quoted))
            heredoc = HereDoc(delimiter, quoted=any(ch in raw for ch in "'\"\\"), strip_tabs=op == "<<-")
            if not delimiter:
                self._error("heredoc without a delimiter")
            self.pending.append(heredoc)
            return Redir(op, fd, None, heredoc)
        target = self._word()
        if target is None:
            self._error(f"no target after {op!r}")
        return Redir(op, fd, target)

    def _maybe_redirect(self) -> Redir | None:
        self._blanks()
        if self.i >= self.n:
            return None
        fd = _FD.match(self.s, self.i)
        if fd:
            self.i = fd.end()
            return self._redirect(fd.group())
        op = self._op()
        if op in _REDIRECTS:
            return self._redirect(None)
        return None

    def _read_heredocs(self) -> None:
        pending, self.pending = self.pending, []
        for heredoc in pending:
            s, n = self.s, self.n
            start = self.i
            body_end = n
            i = start
            while i < n:
                end = s.find("\n", i)
                line_end = n if end < 0 else end
                line = s[i:line_end]
                if (line.lstrip("\t") if heredoc.strip_tabs else line) == heredoc.delimiter:
                    body_end = i
                    self.i = line_end + 1 if end >= 0 else n
                    break
                i = line_end + 1
            else:
                self.i = n
            text = s[start:body_end]
            if heredoc.strip_tabs:
                text = "\n".join(line.lstrip("\t") for line in text.split("\n"))
            if heredoc.quoted:
                heredoc.body = (Quoted(text),)
            else:
                sub = Reader(text, self.nesting)
                heredoc.body = sub._heredoc_body()
                self.errors.extend(sub.errors)

    # ---- words ------------------------------------------------------------------------------------
    def _word(self) -> Word | None:
        """The word at the current position, or None when an operator or the end comes first."""
        s, n = self.s, self.n
        parts: list[Part] = []
        start = self.i
        while self.i < n:
            i = self.i
            c = s[i]
            if c in _META:
                if c in "<>" and i + 1 < n and s[i + 1] == "(":
                    parts.append(self._process_substitution(c))
                    continue
                if c == "(" and parts and isinstance(parts[-1], Lit) and parts[-1].text[-1:] in "!@+*?":
                    self._error("extended glob without extglob")  # bash -n rejects it too
                    self._skip_parenthesised()
                    continue
                break
            if c == "\\":
                if i + 1 >= n:
                    parts.append(Lit("\\"))
                    self.i += 1
                elif s[i + 1] == "\n":
                    self.i += 2
                else:
                    m = _ESCAPED.match(s, i)
                    assert m is not None
                    parts.append(Quoted(m.group()[1::2]))
                    self.i = m.end()
            elif c == "'":
                end = s.find("'", i + 1)
                if end < 0:
                    self._error("unterminated single quote")
                    end = n
                parts.append(Quoted(s[i + 1 : end]))
                self.i = end + 1
            elif c == '"':
                self.i += 1
                parts.extend(self._double_quoted('"'))
            elif c == "$":
                parts.append(self._dollar(quoted=False))
            elif c == "`":
                parts.append(self._backticks(quoted=False))
            else:
                m = _PLAIN.match(s, i)
                end = m.end() if m else i + 1
                parts.append(Lit(s[i:end]))
                self.i = end
        if self.i == start:
            return None
        if len(parts) == 1 and type(parts[0]) is not _Group:
            return (parts[0],)
        return _merge(parts)

    def _double_quoted(self, close: str) -> list[Part]:
        """Parts of a ``"..."`` string (``close`` ``'"'``), or of a heredoc body (``close`` ``''``)."""
        s, n = self.s, self.n
        parts: list[Part] = []
        buf: list[str] = []
        while self.i < n:
            c = s[self.i]
            if close and c == close:
                self.i += 1
                if buf:
                    parts.append(Quoted("".join(buf)))
                return parts
            if c == "\\" and self.i + 1 < n:
                nxt = s[self.i + 1]
                if nxt == "\n":
                    self.i += 2
                    continue
                if nxt in '$`\\"' if close else nxt in "$`\\":
                    buf.append(nxt)
                    self.i += 2
                    continue
                buf.append("\\")
                self.i += 1
                continue
            if c == "$" or c == "`":
                if buf:
                    parts.append(Quoted("".join(buf)))
                    buf = []
                parts.append(self._dollar(quoted=True) if c == "$" else self._backticks(quoted=True))
                continue
            end = self.i + 1
            while end < n and s[end] not in '"\\$`':
                end += 1
            buf.append(s[self.i : end])
            self.i = end
        if close:
            self._error("unterminated double quote")
        if buf:
            parts.append(Quoted("".join(buf)))
        return parts

    def _heredoc_body(self) -> Word:
        return tuple(self._double_quoted(""))

    def _dollar(self, quoted: bool) -> Part:
        s, n, i = self.s, self.n, self.i
        nxt = s[i + 1] if i + 1 < n else ""
        if nxt == "'" and not quoted:
            end = i + 2
            while end < n and s[end] != "'":
                end += 2 if s[end] == "\\" else 1
            if end >= n:
                self._error("unterminated $'")
                end = n
            self.i = end + 1
            return Quoted(decode_ansi_c(s[i + 2 : min(end, n)]))
        if nxt == '"' and not quoted:
            self.i = i + 2
            parts = self._double_quoted('"')
            return parts[0] if len(parts) == 1 else _Group(tuple(parts))  # type: ignore[return-value]
        if nxt == "(":
            self._enter()
            try:
                if i + 2 < n and s[i + 2] == "(":
                    end = self._matching_double_paren(i + 3)
                    if end >= 0:
                        self.i = end + 2
                        return Arith(s[i + 3 : end], quoted)
                self.i = i + 2
                script = self._list(frozenset(), frozenset({")"}))
                if self._op() == ")":
                    self.i += 1
                else:
                    self._error("unclosed '$('")
                return CmdSub(script, quoted)
            finally:
                self.nesting -= 1
        if nxt == "{":
            self._enter()
            try:
                return self._braced_parameter(quoted)
            finally:
                self.nesting -= 1
        if nxt == "[":  # $[ expr ], the old arithmetic form
            end = s.find("]", i + 2)
            if end >= 0:
                self.i = end + 1
                return Arith(s[i + 2 : end], quoted)
        m = _PARAM_NAME.match(s, i + 1) if nxt else None
        if m:
            name = m.group()
            if name[0].isdigit():
                name = name[0]
            self.i = i + 1 + len(name)
            return Param(name, quoted)
        self.i = i + 1
        return Quoted("$") if quoted else Lit("$")

    def _braced_parameter(self, quoted: bool) -> Part:
        s, n = self.s, self.n
        i = self.i + 2
        prefix = ""
        if i < n and s[i] in "#!" and i + 1 < n and s[i + 1] not in "}:-=?+":
            prefix = s[i]
            i += 1
        m = _PARAM_NAME.match(s, i)
        if not m:
            self.i = i
            self._error("bad substitution")
            self._skip_to_brace()
            return Param("", quoted)
        name = m.group()
        i = m.end()
        index = None
        if i < n and s[i] == "[":
            end = s.find("]", i)
            if end < 0:
                self.i = i
                self._error("unclosed subscript")
                self._skip_to_brace()
                return Param(name, quoted)
            index = s[i + 1 : end]
            i = end + 1
        if i < n and s[i] == "}":
            self.i = i + 1
            return Param(name, quoted, index, prefix)
        op_match = _PARAM_OP.match(s, i)
        if not op_match:
            self.i = i
            self._error("bad substitution")
            self._skip_to_brace()
            return Param(name, quoted, index, prefix)
        op = op_match.group()
        self.i = op_match.end()
        if op == ":":
            raw = self._raw_to_brace()
            offset, _, length = raw.partition(":")
            return Param(name, quoted, index, prefix, op, (Quoted(offset),), (Quoted(length),) if _ else None)
        if op == "@":
            raw = self._raw_to_brace()
            return Param(name, quoted, index, prefix, op, (Quoted(raw),))
        if op in ("/", "//", "/#", "/%"):
            pattern = self._brace_word(stop_at_slash=True)
            replacement: Word | None = None
            if self.i < n and s[self.i] == "/":
                self.i += 1
                replacement = self._brace_word(stop_at_slash=False)
            self._close_brace()
            return Param(name, quoted, index, prefix, op, pattern, replacement)
        arg = self._brace_word(stop_at_slash=False)
        self._close_brace()
        return Param(name, quoted, index, prefix, op, arg)

    def _raw_to_brace(self) -> str:
        end = self.s.find("}", self.i)
        if end < 0:
            self._error("unclosed '${'")
            end = self.n
        raw = self.s[self.i : end]
        self.i = min(end + 1, self.n)
        return raw

    def _skip_to_brace(self) -> None:
        end = self.s.find("}", self.i)
        self.i = self.n if end < 0 else end + 1

    def _close_brace(self) -> None:
        if self.i < self.n and self.s[self.i] == "}":
            self.i += 1
        else:
            self._error("unclosed '${'")

    def _brace_word(self, stop_at_slash: bool) -> Word:
        """The operand of ``${name OP operand}``: quotes and expansions as in a word, blanks literal."""
        s, n = self.s, self.n
        parts: list[Part] = []
        depth = 0
        while self.i < n:
            c = s[self.i]
            if c == "}" and depth == 0:
                break
            if c == "/" and stop_at_slash and depth == 0:
                break
            if c == "\\" and self.i + 1 < n:
                parts.append(Quoted(s[self.i + 1]))
                self.i += 2
            elif c == "'":
                end = s.find("'", self.i + 1)
                end = n if end < 0 else end
                parts.append(Quoted(s[self.i + 1 : end]))
                self.i = end + 1
            elif c == '"':
                self.i += 1
                parts.extend(self._double_quoted('"'))
            elif c == "$":
                parts.append(self._dollar(quoted=False))
            elif c == "`":
                parts.append(self._backticks(quoted=False))
            else:
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                end = self.i + 1
                while end < n and s[end] not in "{}\\'\"$`/":
                    end += 1
                parts.append(Lit(s[self.i : end]))
                self.i = end
        return _merge(parts)

    def _backticks(self, quoted: bool) -> Part:
        s, n = self.s, self.n
        i = self.i + 1
        buf: list[str] = []
        while i < n and s[i] != "`":
            if s[i] == "\\" and i + 1 < n and s[i + 1] in "\\`$":
                buf.append(s[i + 1])
                i += 2
            else:
                buf.append(s[i])
                i += 1
        if i >= n:
            self._error("unterminated backquote")
        self.i = min(i + 1, n)
        sub = Reader("".join(buf), self.nesting)
        sub._enter()
        script = sub.script()
        self.errors.extend(sub.errors)
        return CmdSub(script, quoted)

    def _process_substitution(self, direction: str) -> Part:
        self._enter()
        try:
            self.i += 2
            script = self._list(frozenset(), frozenset({")"}))
            if self._op() == ")":
                self.i += 1
            else:
                self._error("unclosed process substitution")
            return ProcSub(script, direction)
        finally:
            self.nesting -= 1


class _Group(NamedTuple):
    """A ``$"..."`` string: several quoted parts that stay one unit."""

    parts: tuple


def _merge(parts: list[Part]) -> Word:
    """Adjacent literal parts of the same kind joined (``a`` ``b`` -> ``ab``); groups flattened."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, _Group):
            for inner in part.parts:
                _append(merged, inner)
        else:
            _append(merged, part)
    return tuple(merged)


def _append(merged: list[Part], part: Part) -> None:
    if merged and type(part) is type(merged[-1]) and isinstance(part, Lit | Quoted):
        merged[-1] = type(part)(merged[-1].text + part.text)
    else:
        merged.append(part)


def read(text: str) -> tuple[Script, list[str]]:
    """The syntax tree of ``text`` and its syntax errors (an empty list: bash would accept it)."""
    reader = Reader(text)
    return reader.script(), reader.errors
