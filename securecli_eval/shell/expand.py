"""Word expansion as bash does it: braces, parameters, substitutions, arithmetic, IFS splitting.

What runs is decided after expansion: ``c="rm -rf"; $c /`` runs ``rm`` with two arguments,
``"${cmd[@]}"`` runs an array, ``${PATH:0:0}rm`` and ``r${u}m`` are ``rm``, ``/{etc,usr}`` is two
paths. ``expand_word`` follows bash's order (brace expansion, tilde, parameter / command /
arithmetic expansion, word splitting on ``IFS``, quote removal) over the word structure kept by
``grammar.py``. Pathname expansion is not done against a file system: a field keeps its pattern
and says it has one (``Field.glob``); the checks match patterns against the paths they care about.

A value that is only known at run time is rendered as a placeholder (``$NAME``, ``$(...)``) and the
field is marked ``dynamic``, so a path built from it has the "unknown" tier instead of a made-up one.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Protocol

from securecli_eval.shell.grammar import (
    AnalysisLimit,
    Arith,
    CmdSub,
    Lit,
    Param,
    ProcSub,
    Quoted,
    Word,
    decode_ansi_c,
)

MAX_BRACE_WORDS = 4096  # one word expanding into more is not analysed (fail closed)
MAX_SEQUENCE = 512
MAX_PATTERN_TEXT = 4096  # a longer {a..b} keeps its first and last 256 items
DEFAULT_IFS = " \t\n"
_GLOB_CHARS = re.compile(r"[*?[]")


class Dynamic(NamedTuple):
    """A variable that is set, with a value only known at run time (``x=$(date)``, ``read x``)."""

    placeholder: str


Value = str | tuple | Dynamic | None  # scalar, array, run-time value, unset


class Field(NamedTuple):
    """One word after expansion: its text, whether it holds an unquoted glob, whether a part is unknown."""

    text: str
    glob: bool = False
    dynamic: bool = False


class Scope(Protocol):
    """What expansion needs from the walker: variables, and running substitutions."""

    def value(self, name: str) -> Value: ...

    def unset(self, name: str) -> Value:
        """The value of a variable the script never set (a placeholder, or None for empty)."""
        ...

    def assign(self, name: str, value: str) -> None: ...

    def substitute(self, part: CmdSub) -> str | None: ...

    def process(self, part: ProcSub) -> str: ...


class _Segment(NamedTuple):
    text: str
    split: bool  # unquoted expansion result: subject to word splitting
    glob: bool  # unquoted: glob characters in it are patterns
    dynamic: bool


_BREAK = _Segment("", False, False, False)  # a field boundary inside quotes ("${a[@]}", "$@")


def has_glob(text: str) -> bool:
    return _GLOB_CHARS.search(text) is not None


# ---- the entry points -------------------------------------------------------------------------------


def expand_word(word: Word, scope: Scope, ifs: str = DEFAULT_IFS) -> list[Field]:
    """The fields ``word`` expands to in a command's arguments."""
    if len(word) == 1:
        part = word[0]
        if type(part) is Lit:
            text = part.text
            if "{" not in text:
                return [Field(text, _GLOB_CHARS.search(text) is not None)]
        elif type(part) is Quoted:
            return [Field(part.text)]
    fields: list[Field] = []
    for variant in brace_expand(word):
        fields.extend(_split(_segments(variant, scope), ifs))
    return fields


def expand_string(word: Word, scope: Scope) -> tuple[str, bool]:
    """The single string ``word`` becomes where bash does not split (assignments, redirections, heredocs)."""
    if len(word) == 1 and type(word[0]) in (Lit, Quoted):
        return word[0].text, False
    dynamic = False
    texts: list[str] = []
    for segment in _segments(word, scope):
        if segment is _BREAK:
            texts.append(" ")
            continue
        texts.append(segment.text)
        dynamic = dynamic or segment.dynamic
    return "".join(texts), dynamic


# ---- brace expansion --------------------------------------------------------------------------------


def brace_expand(word: Word) -> list[Word]:
    """``{a,b}`` and ``{1..3}`` in the unquoted literal parts of ``word``, in bash's order."""
    if not any(type(p) is Lit and "{" in p.text and "}" in p.text for p in word):
        return [word]
    tokens: list = []
    for part in word:
        if type(part) is Lit:
            tokens.extend(part.text)
        else:
            tokens.append(part)
    results = _brace_tokens(tokens, [0])
    return [_regroup(result) for result in results]


def _brace_tokens(tokens: list, count: list[int]) -> list[list]:
    n = len(tokens)
    for i in range(n):
        if tokens[i] != "{":
            continue
        depth = 0
        commas: list[int] = []
        close = -1
        for j in range(i + 1, n):
            tok = tokens[j]
            if tok == "{":
                depth += 1
            elif tok == "}":
                if depth == 0:
                    close = j
                    break
                depth -= 1
            elif tok == "," and depth == 0:
                commas.append(j)
        if close < 0:
            return [tokens]
        prefix, suffix = tokens[:i], tokens[close + 1 :]
        if commas:
            bounds = [i, *commas, close]
            alternatives: list[list] = []
            for a, b in zip(bounds, bounds[1:], strict=False):
                alternatives.extend(_brace_tokens(tokens[a + 1 : b], count))
        else:
            inner = tokens[i + 1 : close]
            sequence = _sequence(inner)
            if sequence is None:
                rest = _brace_tokens(tokens[i + 1 :], count)
                return [tokens[: i + 1] + r for r in rest]
            alternatives = [list(item) for item in sequence]
        tails = _brace_tokens(suffix, count)
        count[0] += len(alternatives) * len(tails)
        if count[0] > MAX_BRACE_WORDS:
            raise AnalysisLimit(f"brace expansion into more than {MAX_BRACE_WORDS} words")
        return [prefix + alternative + tail for alternative in alternatives for tail in tails]
    return [tokens]


_SEQUENCE = re.compile(r"^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?$")


def _sequence(inner: list) -> list[str] | None:
    if not all(isinstance(tok, str) for tok in inner):
        return None
    m = _SEQUENCE.match("".join(inner))
    if not m:
        return None
    start, end, step_text = m.group(1), m.group(2), m.group(3)
    step = abs(int(step_text)) if step_text else 1
    step = step or 1
    if start.lstrip("-").isdigit() and end.lstrip("-").isdigit():
        a, b = int(start), int(end)
        padded = any(len(x.lstrip("-")) > 1 and x.lstrip("-").startswith("0") for x in (start, end))
        width = max(len(start), len(end)) if padded else 0
        direction = 1 if b >= a else -1
        total = abs(b - a) // step + 1
        indices = range(total) if total <= MAX_SEQUENCE else [*range(256), *range(total - 256, total)]
        return [str(a + direction * step * k).zfill(width) for k in indices]
    if len(start) == 1 and len(end) == 1 and not start.isdigit() and not end.isdigit():
        a, b = ord(start), ord(end)
        direction = 1 if b >= a else -1
        return [chr(c) for c in range(a, b + direction, direction * step)]
    return None


def _regroup(tokens: list) -> Word:
    parts: list = []
    chars: list[str] = []
    for tok in tokens:
        if isinstance(tok, str):
            chars.append(tok)
        else:
            if chars:
                parts.append(Lit("".join(chars)))
                chars = []
            parts.append(tok)
    if chars:
        parts.append(Lit("".join(chars)))
    return tuple(parts)


# ---- parameter, command and arithmetic expansion -------------------------------------------------


def _segments(word: Word, scope: Scope) -> list[_Segment]:
    segments: list[_Segment] = []
    for part in word:
        kind = type(part)
        if kind is Lit:
            segments.append(_Segment(part.text, False, True, False))
        elif kind is Quoted:
            segments.append(_Segment(part.text, False, False, False))
        elif kind is Param:
            segments.extend(_parameter(part, scope))
        elif kind is CmdSub:
            output = scope.substitute(part)
            if output is None:
                segments.append(_Segment("$(...)", False, False, True))
            else:
                segments.append(_Segment(output.rstrip("\n"), not part.quoted, not part.quoted, False))
        elif kind is Arith:
            value = arithmetic(part.text, scope)
            if value is None:
                segments.append(_Segment("$((...))", False, False, True))
            else:
                segments.append(_Segment(str(value), not part.quoted, False, False))
        elif kind is ProcSub:
            segments.append(_Segment(scope.process(part), False, False, False))
    return segments


def _lookup(name: str, index: str | None, scope: Scope) -> Value:
    value = scope.value(name)
    if index is None or index in ("@", "*"):
        return value
    if isinstance(value, tuple):
        position = arithmetic(index, scope)
        if position is None:
            return Dynamic(f"${{{name}[{index}]}}")
        try:
            return value[position]
        except IndexError:
            return None
    if isinstance(value, str):
        return value if arithmetic(index, scope) == 0 else None
    return value


def _parameter(param: Param, scope: Scope) -> list[_Segment]:
    quoted = param.quoted
    name, index = param.name, param.index
    if not name:
        return [_Segment("${...}", False, False, True)]
    value = _lookup(name, index, scope)
    if value is None and index in ("@", "*") and not param.op:
        value = ()  # an unset array expands to no field at all, even quoted
    elif value is None and not param.op and not param.prefix and index is None:
        value = scope.unset(name)
    if param.prefix == "!" and isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        value = scope.value(value)
    elif param.prefix == "!":
        return [_Segment(f"${{!{name}}}", False, False, True)]
    if param.prefix == "#":
        if isinstance(value, Dynamic):
            return [_Segment(f"${{#{name}}}", False, False, True)]
        length = len(value) if isinstance(value, tuple) and index in ("@", "*") else len(_scalar(value))
        return [_Segment(str(length), not quoted, False, False)]
    op = param.op
    if op:
        value = _operator(param, value, scope)
    if isinstance(value, Dynamic):
        return [_Segment(value.placeholder, False, False, True)]
    if isinstance(value, tuple):
        elements = [str(v) for v in value]
        if index not in ("@", "*") and name not in ("@", "*"):
            elements = elements[:1]
        if quoted and (index == "*" or (index is None and name == "*")):
            return [_Segment(" ".join(elements), False, False, False)]
        if quoted and not elements:
            return []
        if quoted:
            segments: list[_Segment] = []
            for position, element in enumerate(elements):
                if position:
                    segments.append(_BREAK)
                segments.append(_Segment(element, False, False, False))
            return segments
        return [_Segment(" ".join(elements), True, True, False)]
    return [_Segment(_scalar(value), not quoted, not quoted, False)]


def _scalar(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return str(value[0]) if value else ""
    if isinstance(value, Dynamic):
        return value.placeholder
    return value


def _operand(word: tuple | None, scope: Scope) -> tuple[str, bool]:
    return expand_string(word, scope) if word else ("", False)


def _operator(param: Param, value: Value, scope: Scope) -> Value:
    op = param.op
    unset = value is None
    empty = unset or (isinstance(value, str) and value == "") or (isinstance(value, tuple) and not value)
    if op in (":-", "-", ":=", "=", ":?", "?"):
        missing = empty if op.startswith(":") else unset
        if not missing:
            return value
        text, dynamic = _operand(param.arg, scope)
        if op in (":=", "=") and not dynamic:
            scope.assign(param.name, text)
        return Dynamic(text) if dynamic else text
    if op in (":+", "+"):
        present = not (empty if op == ":+" else unset)
        if not present:
            return ""
        text, dynamic = _operand(param.arg, scope)
        return Dynamic(text) if dynamic else text
    if op == ":":
        offset = arithmetic(_operand(param.arg, scope)[0], scope)
        length = arithmetic(_operand(param.arg2, scope)[0], scope) if param.arg2 is not None else None
        if param.arg2 is not None and length == 0:
            return ""  # ${anything:N:0} is empty whatever the value
        if isinstance(value, Dynamic) or offset is None or (param.arg2 is not None and length is None):
            return Dynamic(f"${{{param.name}:...}}")
        if isinstance(value, tuple):
            items = value[offset:] if offset >= 0 else value[offset:]
            return tuple(items[:length] if length is not None and length >= 0 else items)
        text = _scalar(value)
        if offset < -len(text):
            return ""  # bash: a negative offset before the start gives nothing
        start = offset if offset >= 0 else len(text) + offset
        if length is None:
            return text[start:]
        end = start + length if length >= 0 else len(text) + length
        return text[start:end]
    if isinstance(value, Dynamic):
        return Dynamic(f"${{{param.name}{op}...}}")
    if isinstance(value, tuple):
        return tuple(_transform(str(v), param, scope) for v in value)
    return _transform(_scalar(value), param, scope)


def _transform(text: str, param: Param, scope: Scope) -> str:
    op = param.op
    if len(text) > MAX_PATTERN_TEXT and op in ("#", "##", "%", "%%"):
        return text  # pattern removal is quadratic in the value; a value this long is not a command name
    if op in ("#", "##", "%", "%%"):
        pattern, _ = _operand(param.arg, scope)
        regex = glob_regex(pattern)
        if op in ("#", "##"):
            ends = range(len(text) + 1) if op == "#" else range(len(text), -1, -1)
            for end in ends:
                if regex.fullmatch(text[:end]):
                    return text[end:]
            return text
        starts = range(len(text), -1, -1) if op == "%" else range(len(text) + 1)
        for start in starts:
            if regex.fullmatch(text[start:]):
                return text[:start]
        return text
    if op in ("/", "//", "/#", "/%"):
        pattern, _ = _operand(param.arg, scope)
        replacement, _ = _operand(param.arg2, scope)
        if not pattern:
            return text
        body = glob_regex(pattern).pattern.removeprefix("(?s:").removesuffix(")\\Z")
        anchored = {"/#": "^", "/%": ""}.get(op, "")
        regex = re.compile(f"{anchored}(?:{body}){'$' if op == '/%' else ''}", re.DOTALL)
        return regex.sub(lambda _: replacement, text, count=0 if op == "//" else 1)
    if op == "^^":
        return text.upper()
    if op == ",,":
        return text.lower()
    if op == "^":
        return text[:1].upper() + text[1:]
    if op == ",":
        return text[:1].lower() + text[1:]
    if op == "@":
        mode = _operand(param.arg, scope)[0]
        if mode == "E":
            return decode_ansi_c(text)
        if mode == "U":
            return text.upper()
        if mode == "L":
            return text.lower()
        if mode == "u":
            return text[:1].upper() + text[1:]
        return text
    return text


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A compiled regex for a bash pattern (``*``, ``?``, ``[...]``), matching whole strings."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            end = pattern.find("]", i + 2 if i + 1 < n and pattern[i + 1] in "!^" else i + 1)
            if end < 0:
                out.append("\\[")
            else:
                body = pattern[i + 1 : end]
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 1
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("(?s:" + "".join(out) + ")\\Z")
    except re.error:
        return re.compile(re.escape(pattern) + "\\Z")


# ---- word splitting ---------------------------------------------------------------------------------


def _split(segments: list[_Segment], ifs: str) -> list[Field]:
    """Fields from expanded segments: unquoted expansion results are split on ``IFS`` as bash does.

    IFS white space (space, tab, newline) in a run separates fields and is dropped at the ends; every
    other IFS character ends a field, even an empty one (``IFS=, v=a,,b`` gives ``a``, ``""``, ``b``).
    """
    fields: list[Field] = []
    texts: list[str] = []
    started = False  # the current field exists even if empty (it has a quoted part)
    glob = dynamic = False
    whitespace = frozenset(c for c in ifs if c in " \t\n")
    separators = frozenset(ifs)

    def end_field(force: bool) -> None:
        nonlocal texts, started, glob, dynamic
        if force or started or texts:
            fields.append(Field("".join(texts), glob, dynamic))
        texts, started, glob, dynamic = [], False, False, False

    for segment in segments:
        if segment is _BREAK:
            end_field(force=True)
            continue
        if not segment.split:
            texts.append(segment.text)
            started = True
            glob = glob or (segment.glob and has_glob(segment.text))
            dynamic = dynamic or segment.dynamic
            continue
        text, i, n = segment.text, 0, len(segment.text)
        while i < n:
            j = i
            while j < n and text[j] in whitespace:
                j += 1
            if j < n and text[j] in separators and text[j] not in whitespace:
                j += 1
                while j < n and text[j] in whitespace:
                    j += 1
                end_field(force=True)
                i = j
                continue
            if j > i:
                end_field(force=False)
                i = j
                continue
            k = i
            while k < n and text[k] not in separators:
                k += 1
            piece = text[i:k]
            texts.append(piece)
            started = True
            glob = glob or (segment.glob and has_glob(piece))
            dynamic = dynamic or segment.dynamic
            i = k
    end_field(force=False)
    return fields


def read_fields(line: str, ifs: str, names: int | None) -> list[str]:
    """What ``read`` assigns from one line: fields split on ``IFS`` as words are, the last of ``names``
    taking the rest of the line (``IFS=: read a b <<< x:y:z`` gives ``x``, ``y:z``); ``None`` names is
    ``read -a``, every field its own element."""
    whitespace = frozenset(c for c in ifs if c in " \t\n")
    separators = frozenset(ifs)
    i, n = 0, len(line)
    while i < n and line[i] in whitespace:
        i += 1
    out: list[str] = []
    while i < n and (names is None or len(out) < names - 1):
        j = i
        while j < n and line[j] not in separators:
            j += 1
        out.append(line[i:j])
        while j < n and line[j] in whitespace:
            j += 1
        if j < n and line[j] in separators and line[j] not in whitespace:  # one other IFS character
            j += 1
            while j < n and line[j] in whitespace:
                j += 1
        i = j
    if i < n:
        end = n
        while end > i and line[end - 1] in whitespace:
            end -= 1
        rest = line[i:end]
        if rest[-1:] and rest[-1] in separators and not separators.intersection(rest[:-1]):
            rest = rest[:-1]  # one last field and its delimiter: the delimiter is dropped
        out.append(rest)
    if names is not None:
        out.extend([""] * (names - len(out)))
    return out


# ---- arithmetic -------------------------------------------------------------------------------------

_ARITH_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|<<|>>|[-+*/%()]))")


def arithmetic(text: str, scope: Scope) -> int | None:
    """The value of a simple integer expression (``1+2*x``), or None when it is not known."""
    text = text.strip()
    if not text:
        return 0
    if text.lstrip("-").isdigit():
        return int(text)
    if text.startswith("$"):
        name = text[1:].strip("{}")
        value = scope.value(name)
        return int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else None
    tokens: list[str | int] = []
    position = 0
    while position < len(text):
        m = _ARITH_TOKEN.match(text, position)
        if not m or m.end() == position:
            if text[position:].strip() == "":
                break
            return None
        position = m.end()
        if m.group(1):
            tokens.append(int(m.group(1), 0))
        elif m.group(2):
            value = scope.value(m.group(2))
            if value is None:
                tokens.append(0)
            elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
                tokens.append(int(value))
            else:
                return None
        else:
            tokens.append(m.group(3))
    try:
        value, rest = _sum(tokens, 0)
    except (ValueError, ZeroDivisionError, IndexError, OverflowError):
        return None
    return value if rest == len(tokens) else None


def _sum(tokens: list, i: int) -> tuple[int, int]:
    value, i = _product(tokens, i)
    while i < len(tokens) and tokens[i] in ("+", "-"):
        right, j = _product(tokens, i + 1)
        value = value + right if tokens[i] == "+" else value - right
        i = j
    return value, i


def _product(tokens: list, i: int) -> tuple[int, int]:
    value, i = _unary(tokens, i)
    while i < len(tokens) and tokens[i] in ("*", "/", "%"):
        right, j = _unary(tokens, i + 1)
        if tokens[i] == "*":
            value *= right
        elif tokens[i] == "/":
            value = int(value / right)
        else:
            value = value - right * int(value / right)
        i = j
        if abs(value) > 1 << 63:
            raise OverflowError
    return value, i


def _unary(tokens: list, i: int) -> tuple[int, int]:
    tok = tokens[i]
    if tok == "-":
        value, j = _unary(tokens, i + 1)
        return -value, j
    if tok == "+":
        return _unary(tokens, i + 1)
    if tok == "(":
        value, j = _sum(tokens, i + 1)
        if j >= len(tokens) or tokens[j] != ")":
            raise ValueError("unbalanced")
        return value, j + 1
    if isinstance(tok, int):
        return tok, i + 1
    raise ValueError(f"unexpected {tok!r}")
